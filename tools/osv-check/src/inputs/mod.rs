//! Reading what to scan: lockfiles, SBOMs, flake locks, Nix closures and JSON package records,
//! recognised by file name first and by content otherwise.

pub mod cargo_lock;
pub mod flake_lock;
pub mod go_mod;
pub mod nix_closure;
pub mod npm_lock;
pub mod purl;
pub mod python_lock;
pub mod records;
pub mod requirements;
pub mod sbom;

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use serde::de::DeserializeOwned;
use serde_json::Value;
use shared::input::{Source, line_column};

use crate::package::Inventory;

/// The kinds of input, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    CargoLock,
    NpmLock,
    Requirements,
    PythonLock,
    GoMod,
    FlakeLock,
    Json,
}

fn kind_of(path: &Path) -> Kind {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    match name {
        "Cargo.lock" => Kind::CargoLock,
        "package-lock.json" | "npm-shrinkwrap.json" => Kind::NpmLock,
        "uv.lock" | "poetry.lock" => Kind::PythonLock,
        "go.mod" => Kind::GoMod,
        "flake.lock" => Kind::FlakeLock,
        n if n.ends_with(".txt") && n.contains("requirements") => Kind::Requirements,
        _ => Kind::Json,
    }
}

/// Reads one input into the packages it names.
pub fn read(source: &Source) -> Result<Inventory> {
    let bytes = source.read_bytes()?;
    match source {
        Source::File(path) => {
            let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            parse_named(&source.name(), file_name, &bytes, Some(path))
        }
        Source::Stdin => parse_named(&source.name(), "", &bytes, None),
    }
}

/// Parses the bytes of an input whose file name is `file_name` (empty for standard input);
/// `name` is used in records and errors, `path` resolves `-r` includes of requirements.
/// An input with nothing in it (empty, or only whitespace) is an error, not an input without
/// packages: an empty pipe must not pass as a clean project.
pub fn parse_named(
    name: &str,
    file_name: &str,
    bytes: &[u8],
    path: Option<&Path>,
) -> Result<Inventory> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        bail!("{name}: no packages: the input is empty");
    }
    let mut inventory = match kind_of(Path::new(file_name)) {
        Kind::CargoLock => cargo_lock::parse(name, text(name, bytes)?)?,
        Kind::PythonLock => python_lock::parse(name, text(name, bytes)?)?,
        Kind::GoMod => go_mod::parse(name, text(name, bytes)?)?,
        Kind::Requirements => requirements::parse(name, text(name, bytes)?, path)?,
        Kind::NpmLock => npm_lock::parse(name, bytes)?,
        Kind::FlakeLock => {
            let doc: Value = shared::input::parse_json(name, bytes)?;
            flake_lock::parse(&doc, name)?
        }
        Kind::Json => by_shape(name, bytes)?,
    };
    inventory.dedup();
    Ok(inventory)
}

fn text<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_column(bytes, e.valid_up_to());
        anyhow!("{name}:{line}:{column}: expected UTF-8 text")
    })
}

/// Recognises a JSON input by its shape: an SBOM, an npm or flake lock, a Nix closure,
/// osv-scanner's custom input (`{"results": [{"packages": [{"package": …}]}]}`), or a
/// stream of package records.
fn by_shape(name: &str, bytes: &[u8]) -> Result<Inventory> {
    let single: Option<Value> = serde_json::from_slice(bytes).ok();
    let Some(doc) = single else {
        return records::parse(name, bytes);
    };
    if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        expect_array(&doc, "components", name)?;
        Ok(sbom::cyclonedx(&doc, name))
    } else if doc.get("spdxVersion").is_some() {
        expect_array(&doc, "packages", name)?;
        Ok(sbom::spdx(&doc, name))
    } else if doc.get("lockfileVersion").is_some() {
        npm_lock::parse(name, bytes)
    } else if doc.get("nodes").is_some() && doc.get("root").is_some() {
        flake_lock::parse(&doc, name)
    } else if nix_closure::is_closure(&doc) {
        Ok(nix_closure::parse(&doc, name))
    } else if doc.get("results").is_some_and(Value::is_array) {
        records::osv_scanner(&doc, name)
    } else if doc.is_array() {
        records::parse_array(name, bytes)
    } else {
        records::parse(name, bytes)
    }
}

/// An SBOM whose list of components is not a list cannot be read as empty.
fn expect_array(doc: &Value, key: &str, name: &str) -> Result<()> {
    match doc.get(key) {
        None | Some(Value::Array(_)) => Ok(()),
        Some(_) => Err(anyhow!("{name}:1:1: expected \"{key}\" to be an array")),
    }
}

/// Parses a TOML document; an error names the source, line and column.
pub fn parse_toml<T: DeserializeOwned>(source: &str, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let (line, column) = line_column(text.as_bytes(), offset);
        anyhow!("{source}:{line}:{column}: {}", e.message())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_pick_the_parser() {
        assert_eq!(kind_of(Path::new("a/Cargo.lock")), Kind::CargoLock);
        assert_eq!(
            kind_of(Path::new("requirements-dev.txt")),
            Kind::Requirements
        );
        assert_eq!(kind_of(Path::new("x.cdx.json")), Kind::Json);
    }

    #[test]
    fn shapes_are_recognised() {
        let cdx = br#"{"bomFormat":"CycloneDX","components":[{"purl":"pkg:npm/a@1.0.0"}]}"#;
        assert_eq!(by_shape("s", cdx).unwrap().packages.len(), 1);
        let bad = br#"{"bomFormat":"CycloneDX","components":{"purl":"pkg:npm/a@1.0.0"}}"#;
        let err = by_shape("s", bad).unwrap_err().to_string();
        assert_eq!(err, "s:1:1: expected \"components\" to be an array");
        let spdx = br#"{"spdxVersion":"SPDX-2.3","packages":3}"#;
        assert!(by_shape("s", spdx).is_err());
        let list = br#"[{"ecosystem":"npm","name":"a","version":"1"},{"purl":"pkg:npm/b@2"}]"#;
        assert_eq!(by_shape("s", list).unwrap().packages.len(), 2);
        let lines =
            b"{\"ecosystem\":\"npm\",\"name\":\"a\"}\n{\"ecosystem\":\"npm\",\"name\":\"b\"}\n";
        assert_eq!(by_shape("s", lines).unwrap().packages.len(), 2);
        let err = by_shape("s", br#"[{"x":1}]"#).unwrap_err().to_string();
        assert!(err.starts_with("s:1:2: expected"), "{err}");
    }

    #[test]
    fn empty_inputs_are_errors_whatever_their_name() {
        for file_name in [
            "",
            "Cargo.lock",
            "package-lock.json",
            "requirements.txt",
            "go.mod",
        ] {
            for bytes in [&b""[..], b" \n\t\n"] {
                let err = parse_named("in", file_name, bytes, None).unwrap_err();
                assert_eq!(err.to_string(), "in: no packages: the input is empty");
            }
        }
    }
}
