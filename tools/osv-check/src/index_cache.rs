//! The cached index of an offline archive: for each `all.zip`, keyed by the SHA-256 of its
//! content, which packages each entry names. A warm run decompresses and parses only the
//! entries that name a scanned package. The cache lives in `$OSV_CHECK_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/osv-check`, else `~/.cache/osv-check`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::offline::Key;

/// Bumped whenever the layout below changes, so old files are ignored.
const FORMAT: u32 = 2;

/// What one archive holds, entry by entry.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ArchiveIndex {
    format: u32,
    /// Every ecosystem any record of the archive names.
    pub ecosystems: Vec<String>,
    /// The number of records in the archive.
    pub records: usize,
    /// The entries of records that are not withdrawn: position in the archive and keys.
    pub entries: Vec<(usize, Vec<Key>)>,
}

impl ArchiveIndex {
    /// An empty index of the current format.
    pub fn new() -> ArchiveIndex {
        ArchiveIndex {
            format: FORMAT,
            ..ArchiveIndex::default()
        }
    }
}

/// The cache key of an archive's content.
pub fn content_key(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("OSV_CHECK_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("osv-check")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("osv-check")))
}

/// The cached index of this content, if a valid one exists.
pub fn load(key: &str) -> Option<ArchiveIndex> {
    let bytes = std::fs::read(cache_dir()?.join(format!("{key}.index.json"))).ok()?;
    let index: ArchiveIndex = serde_json::from_slice(&bytes).ok()?;
    (index.format == FORMAT).then_some(index)
}

/// Stores an index; the cache is an optimisation, so a failure only costs the next run time
/// and is reported as a warning.
pub fn store(key: &str, index: &ArchiveIndex) {
    let Some(dir) = cache_dir() else { return };
    let result = std::fs::create_dir_all(&dir).and_then(|()| {
        let tmp = dir.join(format!("{key}.index.json.{}", std::process::id()));
        let bytes = serde_json::to_vec(index).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, dir.join(format!("{key}.index.json")))
    });
    if let Err(e) = result {
        shared::exit::warn(
            "osv-check",
            &format!("{}: cannot write the index cache: {e}", dir.display()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_keys_are_sha256() {
        assert_eq!(
            content_key(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
