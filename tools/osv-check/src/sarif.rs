//! SARIF 2.1.0 for code-scanning upload: one rule per OSV id, one result per finding that is
//! not ignored, located at the input file, with `security-severity` from the base score.

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
    json!({
        "ruleId": f.id,
        "level": if f.fails { "error" } else { "warning" },
        "message": {"text": format!(
            "{} {} ({}) is affected by {}; {fixed}.",
            f.package.name, version, f.package.ecosystem.0, f.id
        )},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.package.source}}}],
        "partialFingerprints": {"osvPackage/v1": format!(
            "{}/{}/{}/{}", f.package.ecosystem.0, f.package.name, version, f.id
        )},
    })
}
