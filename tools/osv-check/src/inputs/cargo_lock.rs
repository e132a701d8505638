//! `Cargo.lock`: every `[[package]]` is a Rust crate, path and git crates included.

use anyhow::{Result, bail};
use serde::Deserialize;

use super::parse_toml;
use crate::package::{Inventory, Package, RUST_CRATES};

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<LockPackage>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: String,
    version: String,
}

/// Reads the crates of a `Cargo.lock`. Cargo lists the root package too, so a lock without
/// any `[[package]]` is not a Cargo.lock; one with only the root package is a project without
/// dependencies, and its one crate is checked like the others.
pub fn parse(source: &str, text: &str) -> Result<Inventory> {
    let lock: Lock = parse_toml(source, text)?;
    if lock.package.is_empty() {
        bail!(
            "{source}:1:1: expected [[package]] tables (a Cargo.lock lists at least the root package)"
        );
    }
    let packages = lock
        .package
        .iter()
        .map(|p| Package::new(RUST_CRATES, &p.name, &p.version, source))
        .collect();
    Ok(Inventory {
        packages,
        unscanned: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_packages() {
        let text = "version = 3\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+x\"\n\n[[package]]\nname = \"local\"\nversion = \"0.1.0\"\n";
        let inv = parse("Cargo.lock", text).unwrap();
        assert_eq!(inv.packages.len(), 2);
        assert_eq!(inv.packages[0].ecosystem.0, RUST_CRATES);
    }

    #[test]
    fn malformed_lock_is_located() {
        let err = parse("Cargo.lock", "[[package]]\nname = \"a\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("Cargo.lock:1:1: "), "{err}");
        let err = parse("Cargo.lock", "[[package]\n").unwrap_err().to_string();
        assert!(err.starts_with("Cargo.lock:1:"), "{err}");
        let err = parse("Cargo.lock", "# nothing\nversion = 4\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("Cargo.lock:1:1: expected [[package]]"),
            "{err}"
        );
        let root_only = "version = 4\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n";
        assert_eq!(parse("Cargo.lock", root_only).unwrap().packages.len(), 1);
    }
}
