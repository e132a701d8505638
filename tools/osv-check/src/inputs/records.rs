//! JSON records on standard input or in a file, so other tools and `jq` can feed packages:
//! `{"type": "package", "ecosystem", "name", "version"}`, `{"purl": …}` or `{"commit", "repo"}`.

use anyhow::{Result, anyhow};
use serde_json::Value;
use shared::input::{Located, json_error, json_values_located, located};

use super::purl;
use crate::package::{Inventory, Package, Unscanned};

/// Reads every record of a JSON stream (one document, JSON Lines or concatenated values).
pub fn parse(source: &str, bytes: &[u8]) -> Result<Inventory> {
    let mut inventory = Inventory::default();
    for item in json_values_located::<Value>(source, bytes) {
        let Located { start, value, .. } = item?;
        read_record(&value, source, &mut inventory)
            .map_err(|e| located(source, bytes, start, e))?;
    }
    Ok(inventory)
}

/// Reads the records of a JSON array document, each error located at its element. An empty
/// list names no package and is an error, like an empty input.
pub fn parse_array(source: &str, bytes: &[u8]) -> Result<Inventory> {
    let items: Vec<&serde_json::value::RawValue> =
        serde_json::from_slice(bytes).map_err(|e| json_error(source, &e))?;
    if items.is_empty() {
        let at = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
        return Err(located(source, bytes, at, "no packages: the list is empty"));
    }
    let mut inventory = Inventory::default();
    for item in items {
        let at = (item.get().as_ptr() as usize).saturating_sub(bytes.as_ptr() as usize);
        let value: Value = serde_json::from_str(item.get()).map_err(|e| json_error(source, &e))?;
        read_record(&value, source, &mut inventory).map_err(|e| located(source, bytes, at, e))?;
    }
    Ok(inventory)
}

/// Reads osv-scanner's custom input: `results[].packages[].package` objects with
/// `name`, `version` and `ecosystem`, or a repository `name` and a `commit`.
pub fn osv_scanner(doc: &Value, source: &str) -> Result<Inventory> {
    let mut inventory = Inventory::default();
    let results = doc
        .get("results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for (r, result) in results.enumerate() {
        let packages = result
            .get("packages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for (p, entry) in packages.enumerate() {
            let package = entry.get("package").unwrap_or(&Value::Null);
            let mut record = package.clone();
            if let Some(object) = record.as_object_mut() {
                if object.contains_key("commit") {
                    object.remove("version");
                    object.remove("ecosystem");
                }
            }
            read_record(&record, source, &mut inventory)
                .map_err(|e| anyhow!("{source}: results[{r}].packages[{p}].package: {e}"))?;
        }
    }
    Ok(inventory)
}

fn field<'a>(value: &'a Value, key: &str) -> Result<Option<&'a str>, String> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("expected {key:?} to be a string")),
    }
}

fn read_record(value: &Value, source: &str, inventory: &mut Inventory) -> Result<(), String> {
    if !value.is_object() {
        return Err("expected a package record (a JSON object)".into());
    }
    match field(value, "type")? {
        None | Some("package") => {}
        Some(other) => {
            return Err(format!(
                "expected a record of type \"package\", found {other:?}"
            ));
        }
    }
    if let Some(text) = field(value, "purl")? {
        let purl = purl::parse(text)?;
        match purl.osv_package() {
            Ok((ecosystem, name)) => {
                let version = field(value, "version")?.unwrap_or(&purl.version);
                inventory
                    .packages
                    .push(Package::new(&ecosystem, &name, version, source));
            }
            Err(reason) => inventory.unscanned.push(Unscanned {
                ecosystem: None,
                name: text.to_string(),
                version: purl.version.clone(),
                source: source.to_string(),
                reason,
            }),
        }
        return Ok(());
    }
    if let Some(commit) = field(value, "commit")? {
        let repo = field(value, "repo")?
            .or(field(value, "name")?)
            .unwrap_or("");
        inventory
            .packages
            .push(Package::commit(repo, commit, source));
        return Ok(());
    }
    let ecosystem = field(value, "ecosystem")?
        .ok_or("expected \"ecosystem\" and \"name\", \"purl\", or \"commit\"")?;
    let name = field(value, "name")?.ok_or("expected \"name\"")?;
    let version = field(value, "version")?.unwrap_or("");
    inventory
        .packages
        .push(Package::new(ecosystem, name, version, source));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_shapes() {
        let text = r#"{"type":"package","ecosystem":"npm","name":"a","version":"1.0.0"}
{"purl":"pkg:pypi/Django@3.2"}
{"commit":"abc","repo":"https://example.org/r.git"}
{"purl":"pkg:generic/zlib@1.3"}"#;
        let inv = parse("in", text.as_bytes()).unwrap();
        assert_eq!(inv.packages.len(), 3);
        assert_eq!(inv.packages[1].name, "Django");
        assert_eq!(inv.packages[2].commit.as_deref(), Some("abc"));
        assert_eq!(inv.unscanned.len(), 1);
    }

    #[test]
    fn osv_scanner_custom_input() {
        let doc = serde_json::json!({"results": [{"packages": [
            {"package": {"name": "stdlib", "version": "1.24.4", "ecosystem": "Go"}},
            {"package": {"name": "https://example.org/r", "commit": "abc", "version": "v1"}}]}]});
        let inv = osv_scanner(&doc, "in").unwrap();
        assert_eq!(inv.packages.len(), 2);
        assert_eq!(inv.packages[1].commit.as_deref(), Some("abc"));
        let bad = serde_json::json!({"results": [{"packages": [{"package": {"name": "x"}}]}]});
        let err = osv_scanner(&bad, "in").unwrap_err().to_string();
        assert!(
            err.starts_with("in: results[0].packages[0].package: expected"),
            "{err}"
        );
    }

    #[test]
    fn array_elements_are_located() {
        let text = b"[\n  {\"ecosystem\":\"npm\",\"name\":\"a\"},\n  {\"x\":1}\n]";
        let err = parse_array("in", text).unwrap_err().to_string();
        assert!(err.starts_with("in:3:3: expected"), "{err}");
        let err = parse_array("in", b"\n [ ]").unwrap_err().to_string();
        assert_eq!(err, "in:2:2: no packages: the list is empty");
    }

    #[test]
    fn errors_name_the_record_position() {
        let err = parse(
            "in",
            b"{\"ecosystem\":\"npm\",\"name\":\"a\"}\n  {\"name\":\"b\"}",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("in:2:3: expected \"ecosystem\""), "{err}");
        let err = parse("in", b"{\"type\":\"finding\"}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("type \"package\""), "{err}");
        let err = parse("in", b"[1]").unwrap_err().to_string();
        assert!(err.contains("JSON object"), "{err}");
        let err = parse("in", b"{\"a\":").unwrap_err().to_string();
        assert!(err.starts_with("in:1:"), "{err}");
    }
}
