//! `package-lock.json` and `npm-shrinkwrap.json`: the `packages` map of lockfile versions 2
//! and 3, or the nested `dependencies` of version 1.

use std::collections::BTreeSet;

use anyhow::{Result, bail};
use serde_json::Value;
use shared::input::parse_json;

use crate::package::{Inventory, Package, Unscanned};

/// Reads the packages of an npm lockfile.
pub fn parse(source: &str, bytes: &[u8]) -> Result<Inventory> {
    let doc: Value = parse_json(source, bytes)?;
    let mut found = BTreeSet::new();
    if let Some(packages) = doc.get("packages").and_then(Value::as_object) {
        for (path, entry) in packages {
            if let Some(name) = installed_name(path, entry) {
                found.insert((name, version_of(entry)));
            }
        }
    } else if let Some(deps) = doc.get("dependencies").and_then(Value::as_object) {
        collect_v1(deps, &mut found);
    } else if doc.get("lockfileVersion").is_none() {
        bail!("{source}:1:1: expected an npm lockfile with \"packages\" or \"dependencies\"");
    }
    Ok(to_inventory(found, source))
}

/// The package name of a `packages` key: what follows the last `node_modules/`, or the
/// entry's own `name` (an alias installs a package under another name).
fn installed_name(path: &str, entry: &Value) -> Option<String> {
    let (_, tail) = path.rsplit_once("node_modules/")?;
    if entry.get("link").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let name = entry.get("name").and_then(Value::as_str).unwrap_or(tail);
    Some(name.to_string())
}

fn version_of(entry: &Value) -> String {
    entry
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn collect_v1(deps: &serde_json::Map<String, Value>, found: &mut BTreeSet<(String, String)>) {
    for (name, entry) in deps {
        let version = version_of(entry);
        let (name, version) = match version
            .strip_prefix("npm:")
            .and_then(|v| v.rsplit_once('@'))
        {
            Some((real, v)) => (real.to_string(), v.to_string()),
            None => (name.clone(), version),
        };
        found.insert((name, version));
        if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
            collect_v1(nested, found);
        }
    }
}

/// A version that is a URL, a path or a git reference is not a registry version.
fn is_registry_version(version: &str) -> bool {
    !version.is_empty() && !version.contains(':') && !version.contains('/')
}

fn to_inventory(found: BTreeSet<(String, String)>, source: &str) -> Inventory {
    let mut inventory = Inventory::default();
    for (name, version) in found {
        if is_registry_version(&version) {
            inventory
                .packages
                .push(Package::new("npm", &name, &version, source));
        } else {
            inventory.unscanned.push(Unscanned {
                ecosystem: Some("npm".into()),
                name,
                version,
                source: source.to_string(),
                reason: "not a registry version (git, file or URL dependency)".into(),
            });
        }
    }
    inventory
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_v3_packages() {
        let text = r#"{"lockfileVersion":3,"packages":{"":{"name":"me"},
            "node_modules/@s/a":{"version":"1.0.0"},
            "node_modules/@s/a/node_modules/b":{"version":"2.0.0"},
            "node_modules/alias":{"name":"real","version":"3.0.0"},
            "node_modules/g":{"version":"git+ssh://git@example.org/g.git#abc"},
            "node_modules/l":{"link":true,"resolved":"x"}}}"#;
        let inv = parse("package-lock.json", text.as_bytes()).unwrap();
        let names: Vec<_> = inv.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["@s/a", "b", "real"]);
        assert_eq!(inv.unscanned.len(), 1);
    }

    #[test]
    fn reads_v1_dependencies() {
        let text = r#"{"lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0",
            "dependencies":{"b":{"version":"2.0.0"}}},"c":{"version":"npm:d@4.0.0"}}}"#;
        let inv = parse("package-lock.json", text.as_bytes()).unwrap();
        assert_eq!(inv.packages.len(), 3);
        assert!(
            inv.packages
                .iter()
                .any(|p| p.name == "d" && p.version == "4.0.0")
        );
    }

    #[test]
    fn malformed_lockfiles_are_errors() {
        let err = parse("p.json", b"{\"packages\": [}")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("p.json:1:"), "{err}");
        let err = parse("p.json", b"{}").unwrap_err().to_string();
        assert!(err.contains("expected an npm lockfile"), "{err}");
    }
}
