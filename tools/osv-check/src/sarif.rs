//! SARIF 2.1.0 for code-scanning upload: one rule per OSV id, one result per finding that is
//! not ignored, located at the input file (a URI reference: relative paths stay relative,
//! absolute ones become `file://` URIs; findings read from standard input have no location),
//! with `security-severity` from the base score.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::report::{FindingRecord, Report};

/// The SARIF log of a report.
pub fn render(report: &Report) -> Value {
    let mut rules: BTreeMap<&str, Value> = BTreeMap::new();
    let mut results = Vec::new();
    for f in report.findings.iter().filter(|f| !f.ignored) {
        rules.entry(&f.id).or_insert_with(|| rule(f));
        results.push(result(f));
    }
    json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {
                "name": "osv-check",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.into_values().collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    })
}

fn rule(f: &FindingRecord) -> Value {
    let text = f.summary.clone().unwrap_or_else(|| f.id.clone());
    let mut properties = json!({"tags": ["security", "vulnerability"]});
    if let Some(score) = f.severity.as_ref().and_then(|s| s.base_score) {
        properties["security-severity"] = json!(format!("{score:.1}"));
    }
    json!({
        "id": f.id,
        "shortDescription": {"text": text},
        "helpUri": format!("https://osv.dev/vulnerability/{}", f.id),
        "properties": properties,
    })
}

fn result(f: &FindingRecord) -> Value {
    let version = f.package.commit.as_deref().unwrap_or(&f.package.version);
    let fixed = if f.fixed_versions.is_empty() {
        "no fixed version is known".to_string()
    } else {
        format!("fixed in {}", f.fixed_versions.join(", "))
    };
    let mut result = json!({
        "ruleId": f.id,
        "level": if f.fails { "error" } else { "warning" },
        "message": {"text": format!(
            "{} {} ({}) is affected by {}; {fixed}.",
            f.package.name, version, f.package.ecosystem.0, f.id
        )},
        "partialFingerprints": {"osvPackage/v1": format!(
            "{}/{}/{}/{}", f.package.ecosystem.0, f.package.name, version, f.id
        )},
    });
    if let Some(uri) = artifact_uri(&f.package.source) {
        result["locations"] = json!([{"physicalLocation": {"artifactLocation": {"uri": uri}}}]);
    }
    result
}

/// The URI reference of an input file, or `None` for standard input.
pub fn artifact_uri(source: &str) -> Option<String> {
    if source == STDIN {
        return None;
    }
    let encoded = percent_encode(source);
    Some(if source.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    })
}

/// The name under which standard input is reported.
const STDIN: &str = "<stdin>";

/// Percent-encodes everything but unreserved characters and `/` (RFC 3986), so a path
/// with spaces, `#`, `%` or a `:` in its first segment stays one path.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris_are_uri_references() {
        assert_eq!(artifact_uri("<stdin>"), None);
        assert_eq!(artifact_uri("Cargo.lock").as_deref(), Some("Cargo.lock"));
        assert_eq!(
            artifact_uri("/srv/my app/a#b.lock").as_deref(),
            Some("file:///srv/my%20app/a%23b.lock")
        );
        assert_eq!(artifact_uri("c:d/é").as_deref(), Some("c%3Ad/%C3%A9"));
    }
}
