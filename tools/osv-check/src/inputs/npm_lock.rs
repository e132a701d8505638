//! `package-lock.json` and `npm-shrinkwrap.json`: the `packages` map of lockfile versions 2
//! and 3, or the nested `dependencies` of version 1. The shapes are checked: a `packages` or
//! `dependencies` that is not a map, or an entry whose version is not a string, is an error
//! located where it is, never an empty lockfile.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail};
use serde::Deserialize;
use shared::input::parse_json;

use crate::package::{Inventory, Package, Unscanned};

#[derive(Deserialize)]
struct Lock {
    #[serde(rename = "lockfileVersion")]
    lockfile_version: Option<u64>,
    packages: Option<BTreeMap<String, Entry>>,
    dependencies: Option<BTreeMap<String, V1Entry>>,
}

/// An entry of the `packages` map (versions 2 and 3).
#[derive(Deserialize)]
struct Entry {
    name: Option<String>,
    version: Option<String>,
    #[serde(default)]
    link: bool,
}

/// An entry of the nested `dependencies` maps (version 1).
#[derive(Deserialize)]
struct V1Entry {
    version: Option<String>,
    #[serde(default)]
    dependencies: BTreeMap<String, V1Entry>,
}

/// Reads the packages of an npm lockfile. A version 1 lockfile without `dependencies`, or a
/// later one whose `packages` holds only the root project, has no dependencies: it gives no
/// package, and no error.
pub fn parse(source: &str, bytes: &[u8]) -> Result<Inventory> {
    let lock: Lock = parse_json(source, bytes)?;
    let mut found = BTreeSet::new();
    match (&lock.packages, &lock.dependencies, lock.lockfile_version) {
        (Some(packages), _, _) => {
            for (path, entry) in packages {
                if let Some(name) = installed_name(path, entry) {
                    found.insert((name, entry.version.clone().unwrap_or_default()));
                }
            }
        }
        (None, _, Some(version)) if version >= 2 => {
            bail!(
                "{source}:1:1: expected \"packages\" (lockfile version {version} lists them there)"
            )
        }
        (None, Some(deps), _) => collect_v1(deps, &mut found),
        (None, None, Some(_)) => {}
        (None, None, None) => {
            bail!("{source}:1:1: expected an npm lockfile with \"packages\" or \"dependencies\"")
        }
    }
    Ok(to_inventory(found, source))
}

/// The package name of a `packages` key: what follows the last `node_modules/`, or the
/// entry's own `name` (an alias installs a package under another name).
fn installed_name(path: &str, entry: &Entry) -> Option<String> {
    let (_, tail) = path.rsplit_once("node_modules/")?;
    if entry.link {
        return None;
    }
    Some(entry.name.clone().unwrap_or_else(|| tail.to_string()))
}

fn collect_v1(deps: &BTreeMap<String, V1Entry>, found: &mut BTreeSet<(String, String)>) {
    for (name, entry) in deps {
        let version = entry.version.clone().unwrap_or_default();
        let (name, version) = match version
            .strip_prefix("npm:")
            .and_then(|v| v.rsplit_once('@'))
        {
            Some((real, v)) => (real.to_string(), v.to_string()),
            None => (name.clone(), version),
        };
        found.insert((name, version));
        collect_v1(&entry.dependencies, found);
    }
}

/// Why a version is not a registry version (a URL, a path or a git reference), if it is not.
fn not_registry_version(version: &str) -> Option<&'static str> {
    if version.is_empty() {
        Some("no version in the lockfile")
    } else if version.contains(':') || version.contains('/') {
        Some("not a registry version (git, file or URL dependency)")
    } else {
        None
    }
}

fn to_inventory(found: BTreeSet<(String, String)>, source: &str) -> Inventory {
    let mut inventory = Inventory::default();
    for (name, version) in found {
        match not_registry_version(&version) {
            None => inventory
                .packages
                .push(Package::new("npm", &name, &version, source)),
            Some(reason) => inventory.unscanned.push(Unscanned {
                ecosystem: Some("npm".into()),
                name,
                version,
                source: source.to_string(),
                reason: reason.into(),
            }),
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
        let cases: &[(&[u8], &str)] = &[
            (
                br#"{"lockfileVersion":3,"packages":"x"}"#,
                "p.json:1:35: invalid type: string \"x\", expected a map",
            ),
            (
                br#"{"lockfileVersion":1,"dependencies":[]}"#,
                "p.json:1:36: invalid type: sequence, expected a map",
            ),
            (
                b"{\"packages\":{\n\"node_modules/a\":{\"version\":1}}}",
                "p.json:2:29: invalid type: integer `1`, expected a string",
            ),
            (
                br#"{"lockfileVersion":"3","packages":{}}"#,
                "p.json:1:22: invalid type: string \"3\", expected u64",
            ),
            (
                br#"{"lockfileVersion":3}"#,
                "p.json:1:1: expected \"packages\" (lockfile version 3 lists them there)",
            ),
        ];
        for (bytes, expected) in cases {
            let err = parse("p.json", bytes).unwrap_err().to_string();
            assert_eq!(&err, expected);
        }
    }

    #[test]
    fn lockfiles_without_dependencies_give_no_package() {
        let v3 = br#"{"lockfileVersion":3,"packages":{"":{"name":"me","version":"1.0.0"}}}"#;
        let inv = parse("p.json", v3).unwrap();
        assert!(inv.packages.is_empty() && inv.unscanned.is_empty());
        let v1 = br#"{"name":"me","version":"1.0.0","lockfileVersion":1}"#;
        assert!(parse("p.json", v1).unwrap().packages.is_empty());
        let unversioned = br#"{"lockfileVersion":3,"packages":{"node_modules/a":{}}}"#;
        let inv = parse("p.json", unversioned).unwrap();
        assert_eq!(inv.unscanned[0].reason, "no version in the lockfile");
    }
}
