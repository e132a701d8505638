//! A Nix closure (`nix path-info --json -r`, as a list or as a map keyed by store path).
//! Nix has no OSV ecosystem, so only what maps exactly is checked: Python packages built by
//! nixpkgs (`python3.X-<name>-<version>`) map to PyPI; every other path is unscanned.

use serde_json::Value;

use crate::package::{Inventory, Package, Unscanned};

/// Output names nixpkgs appends to a store path name.
const OUTPUTS: &[&str] = &[
    "dist", "dev", "doc", "man", "lib", "bin", "out", "info", "devdoc",
];

/// True when the document looks like `nix path-info --json` output.
pub fn is_closure(doc: &Value) -> bool {
    match doc {
        Value::Array(items) => {
            !items.is_empty()
                && items.iter().all(|i| {
                    i.get("path")
                        .and_then(Value::as_str)
                        .is_some_and(|p| p.starts_with("/nix/store/"))
                })
        }
        Value::Object(map) => !map.is_empty() && map.keys().all(|k| k.starts_with("/nix/store/")),
        _ => false,
    }
}

/// The store paths of the closure.
fn store_paths(doc: &Value) -> Vec<String> {
    match doc {
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.get("path").and_then(Value::as_str).map(str::to_string))
            .collect(),
        Value::Object(map) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Reads a closure into PyPI packages and unscanned store paths.
pub fn parse(doc: &Value, source: &str) -> Inventory {
    let mut inventory = Inventory::default();
    for path in store_paths(doc) {
        match python_package(&path) {
            Some((name, version)) => inventory.packages.push(Package::new("PyPI", &name, &version, source)),
            None => inventory.unscanned.push(Unscanned {
                ecosystem: None,
                name: path,
                version: String::new(),
                source: source.to_string(),
                reason: "Nix store paths have no OSV ecosystem; only python3.X-<name>-<version> paths map (to PyPI)".into(),
            }),
        }
    }
    inventory
}

/// `/nix/store/<hash>-python3.11-requests-2.31.0[-dist]` → (`requests`, `2.31.0`).
pub fn python_package(path: &str) -> Option<(String, String)> {
    let base = path.strip_prefix("/nix/store/")?;
    let (_hash, name) = base.split_once('-')?;
    let rest = name.strip_prefix("python3")?;
    let rest = rest.strip_prefix('.')?;
    let minor_end = rest.find(|c: char| !c.is_ascii_digit())?;
    let rest = rest[minor_end..].strip_prefix('-')?;
    let mut parts: Vec<&str> = rest.split('-').collect();
    if parts.len() > 2 && parts.last().is_some_and(|o| OUTPUTS.contains(o)) {
        parts.pop();
    }
    let split = parts
        .iter()
        .position(|p| p.starts_with(|c: char| c.is_ascii_digit()))?;
    if split == 0 || split != parts.len() - 1 {
        return None;
    }
    Some((parts[..split].join("-"), parts[split].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_paths_map_to_pypi() {
        assert_eq!(
            python_package("/nix/store/abc-python3.11-requests-2.31.0"),
            Some(("requests".into(), "2.31.0".into()))
        );
        assert_eq!(
            python_package("/nix/store/abc-python3.12-typing-extensions-4.9.0-dist"),
            Some(("typing-extensions".into(), "4.9.0".into()))
        );
        assert_eq!(python_package("/nix/store/abc-python3-3.11.9"), None);
        assert_eq!(python_package("/nix/store/abc-openssl-3.0.13"), None);
        assert_eq!(python_package("/nix/store/abc-python3.11-env"), None);
    }

    #[test]
    fn both_closure_shapes() {
        let list: Value = serde_json::from_str(
            r#"[{"path":"/nix/store/a-python3.11-idna-3.4"},{"path":"/nix/store/b-glibc-2.39"}]"#,
        )
        .unwrap();
        assert!(is_closure(&list));
        let inv = parse(&list, "c.json");
        assert_eq!(inv.packages.len(), 1);
        assert_eq!(inv.unscanned.len(), 1);
        let map: Value =
            serde_json::from_str(r#"{"/nix/store/a-python3.11-idna-3.4":{}}"#).unwrap();
        assert!(is_closure(&map));
        assert!(!is_closure(&serde_json::json!({"ecosystem": "npm"})));
    }
}
