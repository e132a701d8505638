//! Reading store-path graphs in every shape Nix writes them, detected by shape:
//!
//! - `exportReferencesGraph` (`{"graph": [{path, narSize, closureSize, narHash, references}]}`),
//!   also inside a whole `.attrs.json`;
//! - `nix path-info --json --recursive` as a list (Nix 2.18 and older, Lix), as an object keyed by
//!   store path (2.19 – 2.32, invalid paths as `null`), and as the versioned wrapper of 2.33 and
//!   later (`{"version": 1 | 2, "storeDir": …, "info": {…}}`, where keys and references may be
//!   base names);
//! - a bare list of nodes, as the layering scripts of nixpkgs read them.
//!
//! Hashes, signatures and other fields are not needed and are skipped whatever their type.

use std::fmt;

use anyhow::Result;
use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The store directory assumed when an input names paths by base name and gives none.
pub const DEFAULT_STORE_DIR: &str = "/nix/store";

/// One store path as an input describes it, before the graph is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawNode {
    /// The full store path.
    pub path: String,
    /// The NAR size in bytes, when the input gives one.
    pub nar_size: Option<u64>,
    /// The store paths it references (full paths; may include itself), when given.
    pub references: Option<Vec<String>>,
    /// False when the input says the path is not valid in the store (not built, garbage collected).
    pub valid: bool,
}

/// The fields of one node that layering needs; the rest is skipped.
#[derive(Debug, Deserialize)]
struct Entry {
    path: Option<String>,
    #[serde(rename = "narSize")]
    nar_size: Option<u64>,
    references: Option<Vec<String>>,
    valid: Option<bool>,
}

/// A node with the key it was listed under, if any; `None` as entry marks an invalid path.
type Keyed = (Option<String>, Option<Entry>);

/// One JSON document of any accepted shape, flattened to its nodes.
#[derive(Debug, Default)]
struct Document {
    nodes: Vec<Keyed>,
    store_dir: Option<String>,
}

/// Reads every node of one JSON value (see the module documentation for the shapes).
///
/// `source` names the input in errors, which read `<source>:<line>:<column>: <what was expected>`.
pub fn parse_nodes(source: &str, text: &[u8]) -> Result<Vec<RawNode>> {
    let mut nodes = Vec::new();
    for document in serde_json::Deserializer::from_slice(text).into_iter::<Document>() {
        let document = document.map_err(|e| shared::input::json_error(source, &e))?;
        nodes.extend(document.into_nodes(source)?);
    }
    Ok(nodes)
}

impl Document {
    fn into_nodes(self, source: &str) -> Result<Vec<RawNode>> {
        let store_dir = self
            .store_dir
            .unwrap_or_else(|| DEFAULT_STORE_DIR.to_string());
        let full = |name: String| -> String {
            if name.starts_with('/') {
                name
            } else {
                format!("{}/{name}", store_dir.trim_end_matches('/'))
            }
        };
        let mut out = Vec::with_capacity(self.nodes.len());
        for (key, entry) in self.nodes {
            let Some(path) = key.or_else(|| entry.as_ref().and_then(|e| e.path.clone())) else {
                anyhow::bail!("{source}: a node has no \"path\"");
            };
            let path = full(path);
            let node = match entry {
                None => RawNode {
                    path,
                    nar_size: None,
                    references: None,
                    valid: false,
                },
                Some(entry) => RawNode {
                    path,
                    nar_size: entry.nar_size,
                    references: entry
                        .references
                        .map(|refs| refs.into_iter().map(&full).collect()),
                    valid: entry.valid.unwrap_or(true),
                },
            };
            out.push(node);
        }
        Ok(out)
    }
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DocumentVisitor)
    }
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = Document;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a store-path graph: a list of nodes, {\"graph\": [...]}, or nix path-info JSON",
        )
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Document, A::Error> {
        Ok(Document {
            nodes: entries_of(seq)?,
            store_dir: None,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let mut document = Document::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "graph" => document.nodes.extend(map.next_value::<EntryList>()?.0),
                "info" => document.nodes.extend(map.next_value::<KeyedEntries>()?.0),
                "storeDir" => document.store_dir = Some(map.next_value()?),
                "version" => check_version(map.next_value()?)?,
                path if path.starts_with('/') => {
                    let entry = map.next_value::<Option<Entry>>()?;
                    document.nodes.push((Some(key), entry));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(document)
    }
}

fn check_version<E: de::Error>(version: u64) -> Result<(), E> {
    if version == 1 || version == 2 {
        Ok(())
    } else {
        Err(E::custom(format!(
            "expected \"version\" 1 or 2 of nix path-info JSON, found {version}"
        )))
    }
}

fn entries_of<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<Keyed>, A::Error> {
    let mut nodes = Vec::with_capacity(seq.size_hint().unwrap_or(0));
    while let Some(entry) = seq.next_element::<Entry>()? {
        nodes.push((None, Some(entry)));
    }
    Ok(nodes)
}

/// A list of nodes that carry their own `path`.
struct EntryList(Vec<Keyed>);

impl<'de> Deserialize<'de> for EntryList {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = EntryList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of store-path nodes")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<EntryList, A::Error> {
                Ok(EntryList(entries_of(seq)?))
            }
        }
        deserializer.deserialize_seq(ListVisitor)
    }
}

/// An object of nodes keyed by store path or base name; `null` marks an invalid path.
struct KeyedEntries(Vec<Keyed>);

impl<'de> Deserialize<'de> for KeyedEntries {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyedVisitor;
        impl<'de> Visitor<'de> for KeyedVisitor {
            type Value = KeyedEntries;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of store-path nodes keyed by path")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyedEntries, A::Error> {
                let mut nodes = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let entry = map.next_value::<Option<Entry>>()?;
                    nodes.push((Some(key), entry));
                }
                Ok(KeyedEntries(nodes))
            }
        }
        deserializer.deserialize_map(KeyedVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a-1.0";
    const B: &str = "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-b-1.0";

    fn expected() -> Vec<RawNode> {
        vec![
            RawNode {
                path: A.into(),
                nar_size: Some(10),
                references: Some(vec![A.into(), B.into()]),
                valid: true,
            },
            RawNode {
                path: B.into(),
                nar_size: Some(5),
                references: Some(vec![]),
                valid: true,
            },
        ]
    }

    fn parse(text: &str) -> Vec<RawNode> {
        parse_nodes("in.json", text.as_bytes()).unwrap()
    }

    #[test]
    fn reads_export_references_graph() {
        let text = format!(
            r#"{{"builder": "/bin/sh", "graph": [
                {{"closureSize": 15, "narHash": "sha256:0abc", "narSize": 10, "path": "{A}", "references": ["{A}", "{B}"]}},
                {{"closureSize": 5, "narHash": "sha256:0def", "narSize": 5, "path": "{B}", "references": []}}]}}"#
        );
        assert_eq!(parse(&text), expected());
    }

    #[test]
    fn reads_the_path_info_list_of_old_nix() {
        let text = format!(
            r#"[{{"path": "{A}", "narHash": "sha256-x=", "narSize": 10, "references": ["{A}", "{B}"], "deriver": "/nix/store/x.drv", "ultimate": true}},
                {{"path": "{B}", "narHash": "sha256-y=", "narSize": 5, "references": [], "signatures": ["k:v"]}}]"#
        );
        assert_eq!(parse(&text), expected());
    }

    #[test]
    fn reads_the_path_info_object_of_nix_2_19() {
        let text = format!(
            r#"{{"{A}": {{"narHash": {{"algorithm": "sha256", "format": "base64", "hash": "x"}}, "narSize": 10, "references": ["{A}", "{B}"]}},
                "{B}": {{"narHash": "sha256-y=", "narSize": 5, "references": []}}}}"#
        );
        assert_eq!(parse(&text), expected());
    }

    #[test]
    fn reads_the_versioned_wrapper_with_base_names() {
        let a = A.trim_start_matches("/nix/store/");
        let b = B.trim_start_matches("/nix/store/");
        let text = format!(
            r#"{{"info": {{"{a}": {{"narSize": 10, "references": ["{a}", "{b}"], "ca": null}},
                "{b}": {{"narSize": 5, "references": []}}}}, "version": 2, "storeDir": "/nix/store"}}"#
        );
        assert_eq!(parse(&text), expected());
    }

    #[test]
    fn base_names_use_the_given_store_dir() {
        let nodes = parse(
            r#"{"version": 2, "storeDir": "/gnu/store", "info": {"x-1": {"narSize": 1, "references": []}}}"#,
        );
        assert_eq!(nodes[0].path, "/gnu/store/x-1");
    }

    #[test]
    fn invalid_paths_are_marked() {
        let nodes = parse(&format!(r#"{{"{A}": null}}"#));
        assert!(!nodes[0].valid);
        let nodes = parse(&format!(r#"[{{"path": "{A}", "valid": false}}]"#));
        assert!(!nodes[0].valid);
    }

    #[test]
    fn concatenated_documents_are_all_read() {
        let text = format!(
            r#"[{{"path": "{A}", "narSize": 1, "references": []}}] [{{"path": "{B}", "narSize": 1, "references": []}}]"#
        );
        assert_eq!(parse(&text).len(), 2);
    }

    #[test]
    fn malformed_inputs_name_line_and_column() {
        let cases = [
            (
                "[{\"path\": 1}]",
                "in.json:1:11: invalid type: integer `1`, expected a string",
            ),
            (
                "{\"graph\": 3}",
                "in.json:1:11: invalid type: integer `3`, expected a list of store-path nodes",
            ),
            (
                "{\"version\": 7}",
                "in.json:1:14: expected \"version\" 1 or 2 of nix path-info JSON, found 7",
            ),
            (
                "[{\"narSize\": -1}]",
                "in.json:1:15: invalid value: integer `-1`, expected u64",
            ),
            (
                "\"text\"",
                "in.json:1:6: invalid type: string \"text\", expected a store-path graph: a list of nodes, {\"graph\": [...]}, or nix path-info JSON",
            ),
        ];
        for (text, message) in cases {
            let err = parse_nodes("in.json", text.as_bytes())
                .unwrap_err()
                .to_string();
            assert_eq!(err, message, "for {text}");
        }
    }

    #[test]
    fn truncated_input_is_an_error() {
        let err = parse_nodes("in.json", b"[{\"path\": \"/nix/store/a-b\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unexpected end of input"), "{err}");
    }

    #[test]
    fn a_node_without_path_is_an_error() {
        let err = parse_nodes("in.json", b"[{\"narSize\": 1}]")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "in.json: a node has no \"path\"");
    }
}
