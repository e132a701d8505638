//! `uv.lock` and `poetry.lock`: `[[package]]` tables of PyPI packages. uv's own project
//! (`source = { virtual = "." }`) is not a dependency and is skipped.

use anyhow::Result;
use serde::Deserialize;

use super::parse_toml;
use crate::package::{Inventory, Package};

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<LockPackage>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    source: Option<toml::Value>,
}

impl LockPackage {
    fn is_virtual(&self) -> bool {
        self.source
            .as_ref()
            .and_then(|s| s.get("virtual"))
            .is_some()
    }
}

/// Reads the packages of a `uv.lock` or `poetry.lock`.
pub fn parse(source: &str, text: &str) -> Result<Inventory> {
    let lock: Lock = parse_toml(source, text)?;
    let packages = lock
        .package
        .iter()
        .filter(|p| !p.is_virtual())
        .map(|p| Package::new("PyPI", &p.name, &p.version, source))
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
    fn skips_the_virtual_project() {
        let text = r#"version = 1
[[package]]
name = "ruff"
version = "0.8.1"
source = { git = "https://example.org/ruff#84748be16341b76e073d117329f7f5f4ee2941ad" }

[[package]]
name = "me"
version = "0.1.0"
source = { virtual = "." }
"#;
        let inv = parse("uv.lock", text).unwrap();
        assert_eq!(inv.packages.len(), 1);
        assert_eq!(inv.packages[0].name, "ruff");
    }

    #[test]
    fn malformed_lock_is_located() {
        let err = parse("poetry.lock", "[[package]]\nversion = \"1\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("poetry.lock:1:1: "), "{err}");
    }
}
