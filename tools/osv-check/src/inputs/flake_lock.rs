//! `flake.lock`: each locked input with a revision is a commit of a Git repository (checked
//! with commit queries); inputs without one (tarballs, paths) are listed as unscanned.

use anyhow::{Result, bail};
use serde_json::Value;

use crate::package::{Inventory, Package, Unscanned};

/// Reads the locked inputs of a flake lock (any version with a `nodes` map).
pub fn parse(doc: &Value, source: &str) -> Result<Inventory> {
    let mut inventory = Inventory::default();
    let root = doc.get("root").and_then(Value::as_str).unwrap_or("root");
    let Some(nodes) = doc.get("nodes").and_then(Value::as_object) else {
        bail!("{source}:1:1: expected a flake lock with a \"nodes\" object");
    };
    for (name, node) in nodes {
        if name == root {
            continue;
        }
        let Some(locked) = node.get("locked") else {
            continue;
        };
        let text = |key: &str| locked.get(key).and_then(Value::as_str).unwrap_or("");
        let repo = match text("type") {
            "github" => format!("https://github.com/{}/{}", text("owner"), text("repo")),
            "gitlab" => format!("https://gitlab.com/{}/{}", text("owner"), text("repo")),
            "sourcehut" => format!("https://git.sr.ht/{}/{}", text("owner"), text("repo")),
            "git" => text("url").trim_start_matches("git+").to_string(),
            _ => String::new(),
        };
        let rev = text("rev");
        if repo.is_empty() || rev.is_empty() {
            inventory.unscanned.push(Unscanned {
                ecosystem: None,
                name: name.clone(),
                version: String::new(),
                source: source.to_string(),
                reason: format!("flake input of type {:?} has no Git revision", text("type")),
            });
        } else {
            inventory.packages.push(Package::commit(&repo, rev, source));
        }
    }
    Ok(inventory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_and_git_inputs_become_commits() {
        let doc: Value = serde_json::from_str(
            r#"{"version":7,"root":"root","nodes":{"root":{"inputs":{"a":"a"}},
            "a":{"locked":{"type":"github","owner":"o","repo":"r","rev":"0123"}},
            "b":{"locked":{"type":"git","url":"git+https://example.org/b.git","rev":"4567"}},
            "c":{"locked":{"type":"tarball","url":"https://example.org/c.tar.gz"}}}}"#,
        )
        .unwrap();
        let inv = parse(&doc, "flake.lock").unwrap();
        assert_eq!(inv.packages.len(), 2);
        assert_eq!(inv.packages[0].name, "https://github.com/o/r");
        assert_eq!(inv.packages[1].name, "https://example.org/b.git");
        assert_eq!(inv.unscanned.len(), 1);
    }

    #[test]
    fn a_document_without_nodes_is_an_error() {
        let err = parse(&serde_json::json!({"version": 7}), "flake.lock").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("flake.lock:1:1: expected a flake lock")
        );
    }
}
