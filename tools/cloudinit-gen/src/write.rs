//! Writing files atomically: a temporary file in the target directory, synced, given its mode,
//! then renamed over the target, so that a reader never sees half a seed.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use anyhow::{Context, Result};

/// The mode of files that hold password hashes.
pub const SECRET_MODE: u32 = 0o600;
/// The mode of other files.
pub const PUBLIC_MODE: u32 = 0o644;

/// Writes `data` to `path` atomically with `mode`. The parent directory must exist: a
/// mistyped path is an error, not a new directory tree.
pub fn atomic(path: &Path, data: &[u8], mode: u32) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        anyhow::bail!("{}: no such directory", dir.display());
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".cloudinit-gen-")
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .with_context(|| format!("{}: cannot set mode", path.display()))?;
    tmp.write_all(data)
        .with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("{}: cannot sync", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("{}: cannot replace", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_with_mode_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("user-data");
        atomic(&path, b"one", SECRET_MODE).unwrap();
        atomic(&path, b"two", SECRET_MODE).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1,
            "no temporary file is left"
        );
    }

    #[test]
    fn unwritable_target_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, b"x").unwrap();
        let err = atomic(&blocker.join("user-data"), b"x", PUBLIC_MODE).unwrap_err();
        assert!(
            format!("{err:#}").ends_with("file: no such directory"),
            "{err:#}"
        );
        let missing = dir.path().join("missing/seed.iso");
        let err = atomic(&missing, b"x", PUBLIC_MODE).unwrap_err();
        assert!(
            format!("{err:#}").ends_with("missing: no such directory"),
            "{err:#}"
        );
        assert!(!dir.path().join("missing").exists());
    }
}
