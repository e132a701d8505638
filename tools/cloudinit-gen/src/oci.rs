//! OCI launch metadata and the OpenTofu `external` data source result.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::seed::{Seed, sha256_hex};
use crate::userdata;

/// OCI's limit on the combined `metadata` and `extendedMetadata` of an instance, in bytes.
pub const METADATA_LIMIT_BYTES: usize = 32_000;

/// The `metadata` keys OCI's cloud-init datasource reads.
#[derive(Debug, Serialize)]
struct Metadata<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    ssh_authorized_keys: &'a str,
    user_data: &'a str,
}

/// An `oci_metadata` record.
#[derive(Debug, Serialize)]
pub struct OciRecord {
    /// Always `oci_metadata`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The machine's host name.
    pub machine: String,
    /// gzip-compressed user-data, base64-encoded.
    pub user_data: String,
    /// The default user's SSH keys, one per line; empty (and left out of the counted metadata)
    /// when there are none.
    pub ssh_authorized_keys: String,
    /// Bytes the two keys take as compact JSON.
    pub metadata_bytes: usize,
    /// OCI's limit.
    pub limit_bytes: usize,
    /// True when `metadata_bytes` is within the limit.
    pub fits: bool,
}

impl OciRecord {
    /// Says on stderr that the machine's metadata is over the limit.
    pub fn warn_over_limit(&self) {
        shared::exit::warn(
            "cloudinit-gen",
            &format!(
                "{}: OCI metadata is {} bytes, over the {}-byte limit",
                self.machine, self.metadata_bytes, self.limit_bytes
            ),
        );
    }
}

/// The OCI metadata of a seed.
pub fn metadata(seed: &Seed) -> Result<OciRecord> {
    let user_data = seed
        .file("user-data")
        .map(|f| f.content.as_bytes())
        .unwrap_or_default();
    let user_data = STANDARD.encode(userdata::gzip(user_data)?);
    let keys = seed.ssh_keys.join("\n");
    let doc = Metadata {
        ssh_authorized_keys: &keys,
        user_data: &user_data,
    };
    let metadata_bytes = serde_json::to_vec(&doc)
        .context("cannot serialize OCI metadata")?
        .len();
    Ok(OciRecord {
        kind: "oci_metadata",
        machine: seed.machine.clone(),
        user_data,
        ssh_authorized_keys: keys,
        metadata_bytes,
        limit_bytes: METADATA_LIMIT_BYTES,
        fits: metadata_bytes <= METADATA_LIMIT_BYTES,
    })
}

/// The flat string map an `external` data source must print: every file as text and base64,
/// the host name, the SSH keys one per line, and a digest of the user-data.
pub fn tf_external(seed: &Seed) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    map.insert("hostname".to_string(), seed.machine.clone());
    map.insert("ssh_authorized_keys".to_string(), seed.ssh_keys.join("\n"));
    for file in &seed.files {
        let key = file.name.replace('-', "_");
        map.insert(format!("{key}_base64"), STANDARD.encode(&file.content));
        map.insert(key, file.content.clone());
    }
    let user_data = seed
        .file("user-data")
        .map(|f| f.content.as_bytes())
        .unwrap_or_default();
    map.insert("user_data_sha256".to_string(), sha256_hex(user_data));
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::SeedFile;

    fn seed(user_data: String) -> Seed {
        Seed {
            machine: "a".into(),
            files: vec![SeedFile {
                name: "user-data",
                content: user_data,
            }],
            holds_secrets: false,
            ssh_keys: vec!["k1".into(), "k2".into()],
        }
    }

    #[test]
    fn metadata_is_gzip_base64_and_counted() {
        let record = metadata(&seed("#cloud-config\n".into())).unwrap();
        assert_eq!(record.ssh_authorized_keys, "k1\nk2");
        let gz = STANDARD.decode(&record.user_data).unwrap();
        assert_eq!(&gz[..2], &[0x1f, 0x8b]);
        let expected = format!(
            "{{\"ssh_authorized_keys\":\"k1\\nk2\",\"user_data\":\"{}\"}}",
            record.user_data
        );
        assert_eq!(record.metadata_bytes, expected.len());
        assert!(record.fits);
    }

    #[test]
    fn incompressible_user_data_over_the_limit_does_not_fit() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let noise: String = (0..40_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from(b'!' + (state % 90) as u8)
            })
            .collect();
        let record = metadata(&seed(noise)).unwrap();
        assert!(!record.fits, "{} bytes", record.metadata_bytes);
    }

    #[test]
    fn tf_external_values_are_strings() {
        let map = tf_external(&seed("x".into()));
        assert_eq!(map["user_data"], "x");
        assert_eq!(map["user_data_base64"], "eA==");
        assert_eq!(map["hostname"], "a");
        assert_eq!(map["ssh_authorized_keys"], "k1\nk2");
    }
}
