//! One machine's NoCloud seed: the files cloud-init (or Talos) reads from a `cidata` volume.

use anyhow::{Context, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::mime::{self, Part};
use crate::spec::Spec;
use crate::{network, userdata};

/// A file of a seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedFile {
    /// The file name on the seed volume.
    pub name: &'static str,
    /// The file's text.
    pub content: String,
}

/// The rendered seed of one machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// The machine's host name, naming it in records and directories.
    pub machine: String,
    /// user-data, meta-data and (when configured) network-config, in that order.
    pub files: Vec<SeedFile>,
    /// True when user-data holds password hashes.
    pub holds_secrets: bool,
    /// The default user's SSH keys (the spec's top-level `ssh_authorized_keys`), for OCI
    /// metadata, whose keys cloud-init installs for the default user; other users' keys are
    /// only in user-data.
    pub ssh_keys: Vec<String>,
}

impl Seed {
    /// The file with this name, if the seed has it.
    pub fn file(&self, name: &str) -> Option<&SeedFile> {
        self.files.iter().find(|f| f.name == name)
    }
}

#[derive(Debug, Serialize)]
struct MetaData<'a> {
    #[serde(rename = "instance-id")]
    instance_id: &'a str,
    #[serde(rename = "local-hostname")]
    local_hostname: &'a str,
}

/// Renders a validated spec.
pub fn render(spec: &Spec) -> Result<Seed> {
    let user_data = user_data(spec)?;
    let network_config = spec.network.as_ref().map(network::render).transpose()?;
    let instance_id = match &spec.instance_id {
        Some(id) => id.clone(),
        None => derived_instance_id(&user_data, network_config.as_deref()),
    };
    let meta = MetaData {
        instance_id: &instance_id,
        local_hostname: &spec.hostname,
    };
    let meta_data = crate::yaml::to_string(&meta).context("cannot serialize meta-data")?;
    let mut files = vec![
        SeedFile {
            name: "user-data",
            content: user_data,
        },
        SeedFile {
            name: "meta-data",
            content: meta_data,
        },
    ];
    if let Some(content) = network_config {
        files.push(SeedFile {
            name: "network-config",
            content,
        });
    }
    Ok(Seed {
        machine: spec.hostname.clone(),
        files,
        holds_secrets: userdata::holds_secrets(spec),
        ssh_keys: spec.ssh_authorized_keys.clone(),
    })
}

/// user-data: the Talos config as given, plain cloud-config, or a multipart with the scripts.
fn user_data(spec: &Spec) -> Result<String> {
    if let Some(talos) = &spec.talos_machine_config {
        return Ok(talos.clone());
    }
    let config = userdata::cloud_config(spec)?;
    if spec.scripts.is_empty() {
        return Ok(config);
    }
    let mut parts = vec![Part {
        content_type: "text/cloud-config",
        filename: "cloud-config.yaml",
        body: &config,
    }];
    for script in &spec.scripts {
        parts.push(Part {
            content_type: "text/x-shellscript",
            filename: &script.name,
            body: &script.content,
        });
    }
    mime::multipart(&parts)
}

/// `iid-` and 16 hex digits of the SHA-256 of the content: a new id exactly when the content
/// changes, which makes cloud-init run its once-per-instance modules again.
pub fn derived_instance_id(user_data: &str, network_config: Option<&str>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(user_data.as_bytes());
    hasher.update([0]);
    hasher.update(network_config.unwrap_or_default().as_bytes());
    format!("iid-{}", &hex(&hasher.finalize())[..16])
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of bytes, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Script;

    #[test]
    fn meta_data_has_id_and_hostname() {
        let spec = Spec {
            hostname: "cp-0".into(),
            default_user: true,
            ..Spec::default()
        };
        let seed = render(&spec).unwrap();
        let names: Vec<_> = seed.files.iter().map(|f| f.name).collect();
        assert_eq!(names, ["user-data", "meta-data"]);
        let id = derived_instance_id("#cloud-config\nhostname: cp-0\n", None);
        assert_eq!(
            seed.files[1].content,
            format!("instance-id: {id}\nlocal-hostname: cp-0\n")
        );
    }

    #[test]
    fn given_instance_id_wins() {
        let spec = Spec {
            hostname: "a".into(),
            instance_id: Some("i-1".into()),
            ..Spec::default()
        };
        assert!(
            render(&spec).unwrap().files[1]
                .content
                .starts_with("instance-id: i-1\n")
        );
    }

    #[test]
    fn scripts_make_a_multipart() {
        let spec = Spec {
            hostname: "a".into(),
            scripts: vec![Script {
                name: "s.sh".into(),
                content: "#!/bin/sh\ntrue\n".into(),
            }],
            ..Spec::default()
        };
        let seed = render(&spec).unwrap();
        assert!(
            seed.files[0]
                .content
                .starts_with("Content-Type: multipart/mixed")
        );
    }

    #[test]
    fn talos_config_is_verbatim() {
        let spec = Spec {
            hostname: "a".into(),
            talos_machine_config: Some("version: v1alpha1\n".into()),
            ..Spec::default()
        };
        assert_eq!(
            render(&spec).unwrap().files[0].content,
            "version: v1alpha1\n"
        );
    }
}
