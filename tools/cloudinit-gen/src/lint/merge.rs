//! How cloud-init merges the cloud-config parts of a multipart user-data: each part by its own
//! rule (`merge_how`/`merge_type` in the document, then the `Merge-Type`/`X-Merge-Type`
//! header), or by the default rule, which replaces lists. Only `users` is followed, to judge
//! whether the default user survives the merge.

use serde_yaml_ng::Value;

/// A merge rule: `(merger name, settings)` pairs, such as `("list", ["append"])`.
pub type Rule = Vec<(String, Vec<String>)>;

/// A part's merge rule as `(merger name, settings)` pairs, document first, then header.
pub fn rule(doc: &Value, header: Option<&str>) -> Rule {
    let mut rule = Vec::new();
    for key in ["merge_how", "merge_type"] {
        match doc.get(key) {
            Some(Value::String(text)) => rule.extend(parse(text)),
            Some(Value::Sequence(items)) => rule.extend(items.iter().filter_map(named)),
            _ => {}
        }
    }
    rule.extend(header.map(parse).unwrap_or_default());
    rule
}

/// True when the document itself says how it merges.
pub fn in_document(doc: &Value) -> bool {
    doc.get("merge_how").is_some() || doc.get("merge_type").is_some()
}

/// `list(append)+dict(no_replace,recurse_list)+str()` as pairs.
fn parse(text: &str) -> Rule {
    text.split('+')
        .filter_map(|item| {
            let (name, rest) = item.trim().split_once('(').unwrap_or((item.trim(), ""));
            let settings = rest.trim_end_matches(')').split(',');
            let settings = settings
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            (!name.is_empty()).then(|| (name.to_string(), settings.collect()))
        })
        .collect()
}

/// `{name: list, settings: [append]}` as a pair.
fn named(item: &Value) -> Option<(String, Vec<String>)> {
    let name = item.get("name")?.as_str()?.to_string();
    let settings = item
        .get("settings")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    Some((name, settings))
}

/// True when a rule makes an existing top-level list grow: the dict merger recurses into lists
/// and the list merger appends or prepends. The first rule given for a merger wins.
pub fn extends_lists(rule: &[(String, Vec<String>)]) -> bool {
    let settings = |name: &str| rule.iter().find(|(n, _)| n == name).map(|(_, s)| s);
    let has = |name: &str, wanted: &[&str]| {
        settings(name).is_some_and(|s| s.iter().any(|x| wanted.contains(&x.as_str())))
    };
    has("list", &["append", "prepend"]) && has("dict", &["recurse_list"])
}

/// `users` after merging the parts in order: a part that extends lists adds its users to the
/// earlier ones, any other part replaces them. `None` when no part sets `users`.
pub fn merged_users(parts: &[(Value, Rule)]) -> Option<Vec<Value>> {
    let mut merged: Option<Vec<Value>> = None;
    for (doc, rule) in parts {
        let Some(users) = doc.get("users").and_then(Value::as_sequence) else {
            continue;
        };
        match &mut merged {
            Some(list) if extends_lists(rule) => list.extend(users.iter().cloned()),
            _ => merged = Some(users.clone()),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Value {
        serde_yaml_ng::from_str(text).unwrap()
    }

    #[test]
    fn rules_come_from_the_document_and_the_header() {
        let appending = doc(
            "merge_how:\n- {name: list, settings: [append]}\n- {name: dict, settings: [no_replace, recurse_list]}\n",
        );
        assert!(extends_lists(&rule(&appending, None)));
        let header = Some("list(append)+dict(no_replace,recurse_list)+str()");
        assert!(extends_lists(&rule(&doc("a: 1"), header)));
        assert!(!extends_lists(&rule(&doc("a: 1"), Some("list(append)"))));
        assert!(!extends_lists(&rule(
            &doc("merge_type: 'dict(replace)+list()'"),
            header
        )));
    }

    #[test]
    fn users_append_or_replace() {
        let header = Some("list(append)+dict(no_replace,recurse_list)+str()");
        let first = doc("users: [default, {name: a}]");
        let second = doc("users: [{name: b}]");
        let appended = merged_users(&[
            (first.clone(), rule(&first, header)),
            (second.clone(), rule(&second, header)),
        ])
        .unwrap();
        assert_eq!(appended.len(), 3);
        let replaced =
            merged_users(&[(first.clone(), Vec::new()), (second.clone(), Vec::new())]).unwrap();
        assert_eq!(replaced, second["users"].as_sequence().unwrap().clone());
    }
}
