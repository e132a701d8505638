//! CycloneDX and SPDX JSON SBOMs: each component or package with a purl becomes a package;
//! one without a purl that maps to an OSV ecosystem is listed as unscanned.

use serde_json::Value;

use super::purl;
use crate::package::{Inventory, Package, Unscanned};

/// Reads the components of a CycloneDX document: the described component itself
/// (`metadata.component`) and every component, nested ones included.
pub fn cyclonedx(doc: &Value, source: &str) -> Inventory {
    let mut inventory = Inventory::default();
    if let Some(subject) = doc.pointer("/metadata/component") {
        walk_components(std::slice::from_ref(subject), source, &mut inventory);
    }
    if let Some(components) = doc.get("components").and_then(Value::as_array) {
        walk_components(components, source, &mut inventory);
    }
    inventory
}

fn walk_components(components: &[Value], source: &str, inventory: &mut Inventory) {
    for component in components {
        let name = component.get("name").and_then(Value::as_str).unwrap_or("");
        let version = component
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("");
        let purl = component.get("purl").and_then(Value::as_str);
        add(purl, name, version, source, inventory);
        if let Some(nested) = component.get("components").and_then(Value::as_array) {
            walk_components(nested, source, inventory);
        }
    }
}

/// Reads the packages of an SPDX 2.x JSON document.
pub fn spdx(doc: &Value, source: &str) -> Inventory {
    let mut inventory = Inventory::default();
    for package in doc
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = package.get("name").and_then(Value::as_str).unwrap_or("");
        let version = package
            .get("versionInfo")
            .and_then(Value::as_str)
            .unwrap_or("");
        let purl = package
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|r| r.get("referenceType").and_then(Value::as_str) == Some("purl"))
            .and_then(|r| r.get("referenceLocator").and_then(Value::as_str));
        add(purl, name, version, source, &mut inventory);
    }
    inventory
}

fn add(purl: Option<&str>, name: &str, version: &str, source: &str, inventory: &mut Inventory) {
    let parsed = purl
        .ok_or_else(|| "no purl (a CPE or a name alone names no OSV package)".to_string())
        .and_then(purl::parse);
    let version = match &parsed {
        Ok(p) if !p.version.is_empty() => p.version.clone(),
        _ => version.to_string(),
    };
    match parsed.and_then(|p| p.osv_package()) {
        Ok((ecosystem, package)) => {
            inventory
                .packages
                .push(Package::new(&ecosystem, &package, &version, source));
        }
        Err(reason) => inventory.unscanned.push(Unscanned {
            ecosystem: None,
            name: purl.unwrap_or(name).to_string(),
            version,
            source: source.to_string(),
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclonedx_nested_components() {
        let doc: Value = serde_json::from_str(
            r#"{"bomFormat":"CycloneDX","metadata":{"component":{"name":"app","purl":"pkg:generic/app@1"}},"components":[{"name":"a","purl":"pkg:npm/a@1.0.0",
            "components":[{"name":"b","version":"2","purl":"pkg:pypi/b"}]},{"name":"c","version":"1"}]}"#,
        )
        .unwrap();
        let inv = cyclonedx(&doc, "bom.json");
        assert_eq!(inv.packages.len(), 2);
        assert_eq!(inv.packages[1].version, "2");
        assert_eq!(inv.unscanned.len(), 2);
    }

    #[test]
    fn spdx_external_refs() {
        let doc: Value = serde_json::from_str(
            r#"{"spdxVersion":"SPDX-2.3","packages":[{"name":"x","versionInfo":"1.0","externalRefs":[
            {"referenceType":"cpe23Type","referenceLocator":"cpe:2.3:a:x"},
            {"referenceType":"purl","referenceLocator":"pkg:golang/example.org/x@1.0.0"}]},
            {"name":"y","versionInfo":"2"}]}"#,
        )
        .unwrap();
        let inv = spdx(&doc, "s.json");
        assert_eq!(inv.packages[0].name, "example.org/x");
        assert_eq!(inv.unscanned.len(), 1);
    }
}
