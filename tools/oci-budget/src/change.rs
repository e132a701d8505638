//! One resource as it was before and will be after a run: the common form that plans, states,
//! `oci` CLI listings and `qcow-size` records are read into.

use serde::Serialize;
use serde_json::Value;

/// What a run does to a resource, in OpenTofu's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Exists and stays as it is (also every resource of a state or a listing).
    NoOp,
    /// Is created.
    Create,
    /// Is changed in place.
    Update,
    /// Is destroyed.
    Delete,
    /// Is replaced: destroyed first, then created.
    DeleteCreate,
    /// Is replaced with `create_before_destroy`: both exist for a while.
    CreateDelete,
}

impl Action {
    /// The action of a plan's `change.actions` list, or `None` for one that touches no
    /// resource that costs anything (`read`).
    pub fn from_plan(actions: &[String]) -> Option<Result<Action, String>> {
        let names: Vec<&str> = actions.iter().map(String::as_str).collect();
        let action = match names.as_slice() {
            ["no-op"] | ["forget"] => Action::NoOp,
            ["read"] => return None,
            ["create"] => Action::Create,
            ["update"] => Action::Update,
            ["delete"] => Action::Delete,
            ["delete", "create"] => Action::DeleteCreate,
            ["create", "delete"] => Action::CreateDelete,
            _ => {
                return Some(Err(format!(
                    "expected a known change action, found {actions:?}"
                )));
            }
        };
        Some(Ok(action))
    }
}

/// A resource's attributes at one point, with the attributes unknown until apply.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    /// The known attribute values.
    pub values: Value,
    /// Mirrors `values` with `true` where a value is unknown until apply (`after_unknown`).
    pub unknown: Value,
}

/// What an attribute holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attr<'a> {
    /// A known value (possibly `null`).
    Known(&'a Value),
    /// Unknown until apply.
    Unknown,
    /// Not there at all.
    Absent,
}

/// One step of an attribute path: an object key or a list index.
#[derive(Debug, Clone, Copy)]
pub enum Step<'a> {
    /// An object key.
    Key(&'a str),
    /// A list index (nested blocks are lists).
    Index(usize),
}

impl Side {
    /// A side with every value known.
    pub fn known(values: Value) -> Side {
        Side {
            values,
            unknown: Value::Null,
        }
    }

    /// The attribute at `path`: unknown when the unknown-mirror marks it or a parent `true`.
    pub fn attr(&self, path: &[Step<'_>]) -> Attr<'_> {
        if marked_unknown(&self.unknown, path) {
            return Attr::Unknown;
        }
        let mut at = &self.values;
        for step in path {
            let next = match (step, at) {
                (Step::Key(key), Value::Object(map)) => map.get(*key),
                (Step::Index(i), Value::Array(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(value) => at = value,
                None => return Attr::Absent,
            }
        }
        Attr::Known(at)
    }

    /// A string attribute at the top level, when known and a string.
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.attr(&[Step::Key(key)]) {
            Attr::Known(Value::String(s)) => Some(s),
            _ => None,
        }
    }
}

fn marked_unknown(mirror: &Value, path: &[Step<'_>]) -> bool {
    let mut at = mirror;
    for step in path {
        if at == &Value::Bool(true) {
            return true;
        }
        let next = match (step, at) {
            (Step::Key(key), Value::Object(map)) => map.get(*key),
            (Step::Index(i), Value::Array(items)) => items.get(*i),
            _ => None,
        };
        match next {
            Some(value) => at = value,
            None => return false,
        }
    }
    at == &Value::Bool(true)
}

/// A resource and what the run does to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Where it is declared or found (`module.k8s.oci_core_instance.node["w-0"]`, a file path).
    pub address: String,
    /// The resource type (`oci_core_instance`), or `qcow_image` for a `qcow-size` record.
    pub resource_type: String,
    /// The input it came from.
    pub source: String,
    /// What the run does to it.
    pub action: Action,
    /// Its attributes before the run (none for a create).
    pub before: Option<Side>,
    /// Its attributes after the run (none for a delete).
    pub after: Option<Side>,
}

impl Change {
    /// A resource that exists and stays: from a state, a listing or an image record.
    pub fn existing(address: String, resource_type: &str, source: &str, values: Value) -> Change {
        let side = Side::known(values);
        Change {
            address,
            resource_type: resource_type.to_string(),
            source: source.to_string(),
            action: Action::NoOp,
            before: Some(side.clone()),
            after: Some(side),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn actions(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn plan_actions_map_to_transitions() {
        assert_eq!(
            Action::from_plan(&actions(&["create", "delete"])),
            Some(Ok(Action::CreateDelete))
        );
        assert_eq!(
            Action::from_plan(&actions(&["delete", "create"])),
            Some(Ok(Action::DeleteCreate))
        );
        assert_eq!(
            Action::from_plan(&actions(&["forget"])),
            Some(Ok(Action::NoOp))
        );
        assert_eq!(Action::from_plan(&actions(&["read"])), None);
        assert!(matches!(
            Action::from_plan(&actions(&["explode"])),
            Some(Err(_))
        ));
        assert!(matches!(Action::from_plan(&[]), Some(Err(_))));
    }

    #[test]
    fn attributes_are_known_unknown_or_absent() {
        let side = Side {
            values: json!({"shape_config": [{"ocpus": 2}], "size_in_gbs": "100"}),
            unknown: json!({"shape_config": [{"vcpus": true}], "source_details": true}),
        };
        let ocpus = [
            Step::Key("shape_config"),
            Step::Index(0),
            Step::Key("ocpus"),
        ];
        assert_eq!(side.attr(&ocpus), Attr::Known(&json!(2)));
        let vcpus = [
            Step::Key("shape_config"),
            Step::Index(0),
            Step::Key("vcpus"),
        ];
        assert_eq!(side.attr(&vcpus), Attr::Unknown);
        let size = [
            Step::Key("source_details"),
            Step::Index(0),
            Step::Key("boot_volume_size_in_gbs"),
        ];
        assert_eq!(
            side.attr(&size),
            Attr::Unknown,
            "a parent marked unknown covers its children"
        );
        assert_eq!(side.attr(&[Step::Key("missing")]), Attr::Absent);
        assert_eq!(side.str("size_in_gbs"), Some("100"));
    }
}
