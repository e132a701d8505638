//! OpenTofu/Terraform JSON (`tofu show -json`): plans with `resource_changes` (or only
//! `planned_values`) and their `prior_state`, states with nested `child_modules`, and `check`
//! blocks that fail or are unknown.

use std::collections::BTreeSet;

use anyhow::{Result, anyhow, bail};
use serde_json::{Map, Value};

use crate::change::{Action, Change, Side};
use crate::finding::{Finding, Kind, Status};

/// The resources and findings one plan or state holds.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Every managed resource and what the run does to it.
    pub changes: Vec<Change>,
    /// Failed or unknown `check` blocks, and an incomplete plan.
    pub findings: Vec<Finding>,
    /// For a plan: what it says about the resources it does not list.
    pub scope: Option<PlanScope>,
}

/// What one plan says about the resources it does not list.
#[derive(Debug, Default)]
pub struct PlanScope {
    /// Every resource address the plan lists, with the previous address of a moved resource.
    /// A `-target` plan lists only what it targets.
    pub listed: BTreeSet<String>,
    /// The resources of its `prior_state`, when it has one (a plan made against an empty
    /// state has none).
    pub prior: Option<Vec<Change>>,
}

/// Checks `format_version`: any 1.x is read (unknown keys are ignored); another major is refused.
pub fn check_format_version(doc: &Map<String, Value>) -> Result<()> {
    let Some(version) = doc.get("format_version") else {
        bail!("expected \"format_version\"");
    };
    let Some(text) = version.as_str() else {
        bail!("format_version: expected a string such as \"1.2\", found {version}");
    };
    if text.split('.').next() != Some("1") {
        bail!("format_version: unsupported version {text:?}, expected 1.x");
    }
    Ok(())
}

/// Reads a plan: its `resource_changes` when present, otherwise its `planned_values`, its
/// `prior_state`, and the findings its checks and completeness raise. A plan that errored is
/// refused: its values are not what apply would do.
pub fn read_plan(mut doc: Map<String, Value>, source: &str) -> Result<Parsed> {
    check_format_version(&doc)?;
    if doc.get("errored") == Some(&Value::Bool(true)) {
        bail!(
            "errored: the plan failed (\"errored\": true), so its values are not what apply would do"
        );
    }
    let mut parsed = Parsed::default();
    let mut listed = BTreeSet::new();
    match doc.remove("resource_changes") {
        Some(Value::Array(items)) => {
            for (i, item) in items.into_iter().enumerate() {
                if let Some(previous) = item.get("previous_address").and_then(Value::as_str) {
                    listed.insert(previous.to_string());
                }
                let change = resource_change(item, source)
                    .map_err(|e| anyhow!("resource_changes[{i}]: {e}"))?;
                parsed.changes.extend(change);
            }
        }
        Some(Value::Null) | None => {
            if let Some(planned) = doc.remove("planned_values") {
                walk_module_values(planned, "planned_values", source, &mut parsed.changes)?;
            }
        }
        Some(other) => bail!(
            "resource_changes: expected an array, found {}",
            kind_of(&other)
        ),
    }
    listed.extend(parsed.changes.iter().map(|c| c.address.clone()));
    parsed.scope = Some(PlanScope {
        listed,
        prior: prior_state(doc.remove("prior_state"), source)?,
    });
    parsed.findings.extend(incomplete(&doc, source));
    if let Some(checks) = doc.get("checks") {
        parsed.findings.extend(unpassed_checks(checks, source)?);
    }
    Ok(parsed)
}

/// The finding of a plan that is not complete (`"complete": false`): it defers changes, so
/// it does not show all that apply will do.
fn incomplete(doc: &Map<String, Value>, source: &str) -> Option<Finding> {
    (doc.get("complete") == Some(&Value::Bool(false))).then(|| {
        Finding::general(
            Kind::IncompletePlan,
            Status::Unknown,
            source,
            "complete: false: the plan defers some changes to a later plan and apply, so it does not show everything apply will do",
        )
    })
}

/// The resources of a plan's `prior_state` (a state document), when it has one.
fn prior_state(value: Option<Value>, source: &str) -> Result<Option<Vec<Change>>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(state)) => {
            let parsed = read_state(state, source).map_err(|e| anyhow!("prior_state: {e}"))?;
            Ok(Some(parsed.changes))
        }
        Some(other) => bail!("prior_state: expected an object, found {}", kind_of(&other)),
    }
}

/// Reads a state: every managed resource in `values.root_module` and its child modules.
pub fn read_state(mut doc: Map<String, Value>, source: &str) -> Result<Parsed> {
    check_format_version(&doc)?;
    let mut parsed = Parsed::default();
    if let Some(values) = doc.remove("values").filter(|v| !v.is_null()) {
        walk_module_values(values, "values", source, &mut parsed.changes)?;
    }
    Ok(parsed)
}

/// Walks `{root_module: {resources, child_modules}}` (state `values` or `planned_values`).
fn walk_module_values(
    values: Value,
    path: &str,
    source: &str,
    out: &mut Vec<Change>,
) -> Result<()> {
    let Value::Object(mut object) = values else {
        bail!("{path}: expected an object, found {}", kind_of(&values));
    };
    match object.remove("root_module") {
        Some(root) => walk_module(root, &format!("{path}.root_module"), source, out),
        None => Ok(()),
    }
}

fn walk_module(module: Value, path: &str, source: &str, out: &mut Vec<Change>) -> Result<()> {
    let Value::Object(mut module) = module else {
        bail!(
            "{path}: expected a module object, found {}",
            kind_of(&module)
        );
    };
    for (i, resource) in array_field(&mut module, "resources", path)?
        .into_iter()
        .enumerate()
    {
        let at = format!("{path}.resources[{i}]");
        let Value::Object(mut object) = resource else {
            bail!("{at}: expected an object");
        };
        if !is_managed(&object, &at)? {
            continue;
        }
        let mut address = string_field(&object, "address", &at)?.to_string();
        if let Some(deposed) = object.get("deposed_key").and_then(Value::as_str) {
            address = deposed_address(&address, deposed);
        }
        let resource_type = string_field(&object, "type", &at)?.to_string();
        let values = object.remove("values").unwrap_or(Value::Null);
        out.push(Change::existing(address, &resource_type, source, values));
    }
    for (i, child) in array_field(&mut module, "child_modules", path)?
        .into_iter()
        .enumerate()
    {
        walk_module(child, &format!("{path}.child_modules[{i}]"), source, out)?;
    }
    Ok(())
}

/// One `resource_changes` entry, or `None` for a data source or a `read`.
fn resource_change(item: Value, source: &str) -> Result<Option<Change>> {
    let Value::Object(mut object) = item else {
        bail!("expected an object, found {}", kind_of(&item));
    };
    if !is_managed(&object, "")? {
        return Ok(None);
    }
    let mut address = string_field(&object, "address", "")?.to_string();
    let resource_type = string_field(&object, "type", "")?.to_string();
    let Some(Value::Object(mut change)) = object.remove("change") else {
        bail!("expected \"change\" object");
    };
    let actions = string_list(change.get("actions"))
        .ok_or_else(|| anyhow!("change.actions: expected a list of strings"))?;
    let Some(action) = Action::from_plan(&actions) else {
        return Ok(None);
    };
    let action = action.map_err(|e| anyhow!("change.actions: {e}"))?;
    if let Some(deposed) = object.get("deposed").and_then(Value::as_str) {
        address = deposed_address(&address, deposed);
    }
    let before = side(change.remove("before"), None);
    let after = side(change.remove("after"), change.remove("after_unknown"));
    let (before, after) = match action {
        Action::Create => (None, after.or_else(|| Some(Side::known(Value::Null)))),
        Action::Delete => (before, None),
        _ => (before, after),
    };
    Ok(Some(Change {
        address,
        resource_type,
        source: source.to_string(),
        action,
        before,
        after,
    }))
}

/// The address of a deposed object (one a `create_before_destroy` replacement left behind), as
/// both a plan's `deposed` and a state's `deposed_key` name it.
fn deposed_address(address: &str, key: &str) -> String {
    format!("{address} (deposed {key})")
}

fn side(values: Option<Value>, unknown: Option<Value>) -> Option<Side> {
    let values = values.filter(|v| !v.is_null())?;
    Some(Side {
        values,
        unknown: unknown.unwrap_or(Value::Null),
    })
}

/// `check` blocks (and resource conditions reported with them) that did not pass: failed or
/// errored ones fail the run; unknown ones (their condition depends on values unknown until
/// apply, or the status is missing) make it unknown.
fn unpassed_checks(checks: &Value, source: &str) -> Result<Vec<Finding>> {
    let Some(items) = checks.as_array() else {
        bail!("checks: expected an array, found {}", kind_of(checks));
    };
    let mut findings = Vec::new();
    for check in items {
        let status = check
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let (kind, verdict) = match status {
            "pass" => continue,
            "fail" | "error" => (Kind::CheckFailed, Status::Failed),
            _ => (Kind::CheckUnknown, Status::Unknown),
        };
        let address = check
            .pointer("/address/to_display")
            .and_then(Value::as_str)
            .unwrap_or("check");
        findings.push(Finding::new(
            kind,
            verdict,
            address,
            source,
            check_message(check, status),
        ));
    }
    Ok(findings)
}

fn check_message(check: &Value, status: &str) -> String {
    let problems: Vec<&str> = check
        .get("instances")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|instance| instance.get("problems").and_then(Value::as_array))
        .flatten()
        .filter_map(|problem| problem.get("message").and_then(Value::as_str))
        .collect();
    if problems.is_empty() {
        format!("check status {status}")
    } else {
        format!("check status {status}: {}", problems.join("; "))
    }
}

fn is_managed(object: &Map<String, Value>, at: &str) -> Result<bool> {
    match object.get("mode") {
        None => Ok(true),
        Some(Value::String(mode)) => Ok(mode == "managed"),
        Some(other) => bail!(
            "{}mode: expected \"managed\" or \"data\", found {other}",
            prefix(at)
        ),
    }
}

fn string_field<'a>(object: &'a Map<String, Value>, key: &str, at: &str) -> Result<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("{}expected \"{key}\" as a string", prefix(at)))
}

fn array_field(object: &mut Map<String, Value>, key: &str, at: &str) -> Result<Vec<Value>> {
    match object.remove(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => bail!("{at}.{key}: expected an array, found {}", kind_of(&other)),
    }
}

fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    value?
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn prefix(at: &str) -> String {
    if at.is_empty() {
        String::new()
    } else {
        format!("{at}: ")
    }
}

/// A JSON value's kind, for messages.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn instance(address: &str) -> Value {
        json!({"address": address, "mode": "managed", "type": "oci_core_instance", "name": "n", "values": {"shape": "x"}})
    }

    #[test]
    fn state_modules_are_walked_three_deep() {
        let doc = object(json!({
            "format_version": "1.0",
            "values": {"root_module": {
                "resources": [instance("oci_core_instance.a")],
                "child_modules": [{"address": "module.a", "resources": [], "child_modules": [
                    {"address": "module.a.module.b", "resources": [], "child_modules": [
                        {"address": "module.a.module.b.module.c", "resources": [
                            instance("module.a.module.b.module.c.oci_core_instance.n[\"w-0\"]"),
                            {"address": "data.oci_x.y", "mode": "data", "type": "oci_x", "values": {}}
                        ]}
                    ]}
                ]}]
            }}
        }));
        let parsed = read_state(doc, "s.json").unwrap();
        let addresses: Vec<&str> = parsed.changes.iter().map(|c| c.address.as_str()).collect();
        assert_eq!(
            addresses,
            [
                "oci_core_instance.a",
                "module.a.module.b.module.c.oci_core_instance.n[\"w-0\"]"
            ]
        );
        assert!(parsed.changes.iter().all(|c| c.action == Action::NoOp));
    }

    #[test]
    fn resource_changes_keep_both_sides_and_unknowns() {
        let doc = object(json!({
            "format_version": "1.2",
            "resource_changes": [
                {"address": "oci_core_volume.v", "mode": "managed", "type": "oci_core_volume",
                 "change": {"actions": ["create", "delete"], "before": {"size_in_gbs": "50"},
                            "after": {}, "after_unknown": {"size_in_gbs": true}}},
                {"address": "oci_core_volume.v", "mode": "managed", "type": "oci_core_volume", "deposed": "abcd",
                 "change": {"actions": ["delete"], "before": {"size_in_gbs": "60"}, "after": null}},
                {"address": "data.oci_x.y", "mode": "data", "type": "oci_x", "change": {"actions": ["read"]}}
            ]
        }));
        let parsed = read_plan(doc, "p.json").unwrap();
        assert_eq!(parsed.changes.len(), 2);
        assert_eq!(parsed.changes[0].action, Action::CreateDelete);
        assert_eq!(
            parsed.changes[0].after.as_ref().unwrap().unknown,
            json!({"size_in_gbs": true})
        );
        assert_eq!(
            parsed.changes[1].address,
            "oci_core_volume.v (deposed abcd)"
        );
        assert!(parsed.changes[1].after.is_none());
    }

    #[test]
    fn plans_without_changes_fall_back_to_planned_values() {
        let doc = object(json!({"format_version": "1.2",
            "planned_values": {"root_module": {"resources": [instance("oci_core_instance.a")]}}}));
        assert_eq!(read_plan(doc, "p.json").unwrap().changes.len(), 1);
    }

    #[test]
    fn failed_checks_become_findings() {
        let doc = object(
            json!({"format_version": "1.2", "resource_changes": [], "checks": [
                {"address": {"kind": "check", "to_display": "check.ocpu"}, "status": "fail",
                 "instances": [{"status": "fail", "problems": [{"message": "too many OCPUs"}]}]},
                {"address": {"kind": "check", "to_display": "check.ok"}, "status": "pass"}
            ]}),
        );
        let findings = read_plan(doc, "p.json").unwrap().findings;
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].address.as_deref(), Some("check.ocpu"));
        assert!(findings[0].message.contains("too many OCPUs"));
    }

    #[test]
    fn prior_state_and_listed_addresses_are_kept() {
        let doc = object(json!({
            "format_version": "1.2",
            "resource_changes": [
                {"address": "oci_core_instance.b", "previous_address": "oci_core_instance.old_b",
                 "mode": "managed", "type": "oci_core_instance",
                 "change": {"actions": ["no-op"], "before": {"shape": "x"}, "after": {"shape": "x"}}},
                {"address": "oci_core_volume.v", "mode": "managed", "type": "oci_core_volume", "deposed": "abcd",
                 "change": {"actions": ["delete"], "before": {"size_in_gbs": "60"}, "after": null}}
            ],
            "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": [
                instance("oci_core_instance.a"),
                instance("oci_core_instance.old_b"),
                {"address": "oci_core_volume.v", "mode": "managed", "type": "oci_core_volume",
                 "deposed_key": "abcd", "values": {"size_in_gbs": "60"}},
                {"address": "data.oci_x.y", "mode": "data", "type": "oci_x", "values": {}}
            ]}}}
        }));
        let scope = read_plan(doc, "p.json").unwrap().scope.unwrap();
        let listed: Vec<&str> = scope.listed.iter().map(String::as_str).collect();
        assert_eq!(
            listed,
            [
                "oci_core_instance.b",
                "oci_core_instance.old_b",
                "oci_core_volume.v (deposed abcd)"
            ]
        );
        let prior: Vec<String> = scope
            .prior
            .unwrap()
            .into_iter()
            .map(|c| c.address)
            .collect();
        assert_eq!(
            prior,
            [
                "oci_core_instance.a",
                "oci_core_instance.old_b",
                "oci_core_volume.v (deposed abcd)"
            ]
        );
        let empty = object(json!({"format_version": "1.2", "resource_changes": []}));
        let scope = read_plan(empty, "p.json").unwrap().scope.unwrap();
        assert!(scope.prior.is_none());
    }

    #[test]
    fn errored_plans_are_refused_and_incomplete_ones_are_unknown() {
        let errored =
            object(json!({"format_version": "1.2", "resource_changes": [], "errored": true}));
        let err = read_plan(errored, "p.json").unwrap_err().to_string();
        assert!(err.starts_with("errored: the plan failed"), "{err}");
        let incomplete = object(
            json!({"format_version": "1.2", "resource_changes": [], "complete": false, "errored": false}),
        );
        let findings = read_plan(incomplete, "p.json").unwrap().findings;
        assert_eq!(
            (
                findings[0].kind,
                findings[0].status,
                findings[0].address.as_deref()
            ),
            (Kind::IncompletePlan, Status::Unknown, None)
        );
    }

    #[test]
    fn unknown_checks_are_findings() {
        let doc = object(
            json!({"format_version": "1.2", "resource_changes": [], "checks": [
                {"address": {"kind": "check", "to_display": "check.later"}, "status": "unknown"},
                {"address": {"kind": "check", "to_display": "check.bare"}}
            ]}),
        );
        let findings = read_plan(doc, "p.json").unwrap().findings;
        let found: Vec<(Kind, Status, Option<&str>)> = findings
            .iter()
            .map(|f| (f.kind, f.status, f.address.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                (Kind::CheckUnknown, Status::Unknown, Some("check.later")),
                (Kind::CheckUnknown, Status::Unknown, Some("check.bare"))
            ]
        );
    }

    #[test]
    fn malformed_plans_say_what_was_expected() {
        let cases = [
            (json!({"format_version": "2.0"}), "unsupported version"),
            (json!({"format_version": 1}), "expected a string"),
            (json!({"planned_values": {}}), "expected \"format_version\""),
            (
                json!({"format_version": "1.2", "resource_changes": {}}),
                "expected an array",
            ),
            (
                json!({"format_version": "1.2", "resource_changes": [{"type": "t", "change": {"actions": ["create"]}}]}),
                "resource_changes[0]: expected \"address\"",
            ),
            (
                json!({"format_version": "1.2", "resource_changes": [{"address": "a", "type": "t", "change": {"actions": "create"}}]}),
                "change.actions: expected a list",
            ),
            (
                json!({"format_version": "1.2", "resource_changes": [{"address": "a", "type": "t", "change": {"actions": ["boom"]}}]}),
                "expected a known change action",
            ),
            (
                json!({"format_version": "1.2", "resource_changes": [{"address": "a", "type": "t"}]}),
                "expected \"change\" object",
            ),
            (
                json!({"format_version": "1.2", "checks": 3}),
                "checks: expected an array",
            ),
            (
                json!({"format_version": "1.2", "prior_state": []}),
                "prior_state: expected an object",
            ),
            (
                json!({"format_version": "1.2", "prior_state": {"format_version": "3.0"}}),
                "prior_state: format_version: unsupported version",
            ),
        ];
        for (doc, expected) in cases {
            let err = read_plan(object(doc.clone()), "p.json")
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{doc}: {err}");
        }
        let state = object(
            json!({"format_version": "1.0", "values": {"root_module": {"resources": [{"mode": "managed"}]}}}),
        );
        let err = read_state(state, "s.json").unwrap_err().to_string();
        assert_eq!(
            err,
            "values.root_module.resources[0]: expected \"address\" as a string"
        );
    }
}
