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
//! In an object keyed by store path, a key that is not one (does not start with `/`) is an
//! error: Nix writes none, so it is a mistake that would otherwise drop a path unseen. Only
//! objects that hold their nodes under `"graph"` (whose other keys are the attributes of the
//! derivation, in a `.attrs.json`) or `"info"` (whose other keys are the wrapper's own fields)
//! have other keys, and those are skipped.
//!
//! Hashes, signatures and other fields are not needed and are skipped whatever their type.
//!
//! Store paths are borrowed from the input text where they need no unescaping, and each distinct
//! path is named once: nodes and references refer to it by number. A path's place in the text is
//! known from where its borrowed string lies, so errors found later, when the graph is checked,
//! still name the line and column.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

use anyhow::Result;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The store directory assumed when an input names paths by base name and gives none.
pub const DEFAULT_STORE_DIR: &str = "/nix/store";

/// The nodes of one input, as read: each store path it mentions is named once, and nodes and
/// references refer to names by number.
#[derive(Debug, Clone)]
pub struct Nodes<'a> {
    source: String,
    text: &'a [u8],
    names: Vec<Cow<'a, str>>,
    /// For each name, the bytes of store directory joined to the base name the input wrote.
    joined: Vec<u32>,
    nodes: Vec<RawNode<'a>>,
    refs: Vec<u32>,
    documents: u32,
}

/// One store path as an input describes it, before the graph is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawNode<'a> {
    /// The node's store path, as a name number of its [`Nodes`].
    pub path: u32,
    /// The NAR size in bytes, when the input gives one.
    pub nar_size: Option<u64>,
    /// Where in [`Nodes`]' reference list its references lie, when the input gives them.
    references: Option<Range<u32>>,
    /// False when the input says the path is not valid in the store (not built, garbage collected).
    pub valid: bool,
    /// Text of the input where the node is described (its key, or its first field name), used to
    /// place errors; `None` when that text had escapes.
    anchor: Option<&'a str>,
    /// Which JSON value of the input, counted from 0, describes the node.
    pub(crate) document: u32,
}

impl<'a> Nodes<'a> {
    /// The name of the input in errors (a file name or `<stdin>`).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The nodes, in input order.
    pub fn nodes(&self) -> &[RawNode<'a>] {
        &self.nodes
    }

    /// The number of distinct names (a path named both in full and by base name counts twice).
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// The full store path of a name number.
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// A name as the input wrote it: a base name without the store directory joined to it.
    pub fn written(&self, id: u32) -> &str {
        &self.names[id as usize][self.joined[id as usize] as usize..]
    }

    /// The name numbers a node references, self-references included, when the input gives them.
    pub fn references(&self, node: &RawNode) -> Option<&[u32]> {
        node.references
            .as_ref()
            .map(|r| &self.refs[r.start as usize..r.end as usize])
    }

    /// An error about a node: `<source>:<line>:<column>: <cause>`, at the node's place in the
    /// input (the opening quote of its key or first field) when it is known.
    pub fn error_at(&self, node: &RawNode, cause: impl fmt::Display) -> anyhow::Error {
        anyhow::anyhow!("{}: {cause}", self.location(node))
    }

    /// Where a node is described: `<source>:<line>:<column>`, or `<source>` when unknown.
    pub fn location(&self, node: &RawNode) -> String {
        match node.anchor.and_then(|a| self.offset_of(a)) {
            Some(offset) => {
                let (line, column) = shared::input::line_column(self.text, offset);
                format!("{}:{line}:{column}", self.source)
            }
            None => self.source.clone(),
        }
    }

    /// An error about one reference of a node, placed where the reference is written after the
    /// node's own place (or at the node when the text cannot be found).
    pub fn reference_error(
        &self,
        node: &RawNode,
        reference: u32,
        cause: impl fmt::Display,
    ) -> anyhow::Error {
        let Some(from) = node.anchor.and_then(|a| self.offset_of(a)) else {
            return self.error_at(node, cause);
        };
        let name = self.name(reference);
        let base = name.rsplit('/').next().unwrap_or(name);
        let found = [name, base].into_iter().find_map(|written| {
            let quoted = format!("\"{written}\"");
            find(&self.text[from..], quoted.as_bytes()).map(|at| from + at)
        });
        shared::input::located(&self.source, self.text, found.unwrap_or(from), cause)
    }

    /// Where the JSON string holding a string borrowed from the input starts: its opening quote.
    fn offset_of(&self, part: &str) -> Option<usize> {
        offset_in(self.text, part)
    }

    /// Appends a parsed document, renumbering its names after the ones already held.
    fn append(&mut self, document: Document<'a>) {
        let names = self.names.len() as u32;
        let refs = self.refs.len() as u32;
        let Document {
            names: raw_names,
            nodes,
            refs: raw_refs,
            store_dir,
            ..
        } = document;
        for (name, joined) in resolve(raw_names, store_dir) {
            self.names.push(name);
            self.joined.push(joined);
        }
        self.refs.extend(raw_refs.iter().map(|&r| r + names));
        let document = self.documents;
        self.nodes.extend(nodes.into_iter().map(|node| RawNode {
            path: node.path + names,
            references: node.references.map(|r| r.start + refs..r.end + refs),
            document,
            ..node
        }));
        self.documents += 1;
    }
}

/// Where the JSON string holding `part`, a string borrowed from `text`, starts: its opening
/// quote.
fn offset_in(text: &[u8], part: &str) -> Option<usize> {
    let start = text.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    (at > start && at + part.len() <= start + text.len()).then(|| at - start - 1)
}

/// The first place `needle` occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads every node of a JSON text (see the module documentation for the shapes); the text may
/// hold several JSON values, one after the other.
///
/// `source` names the input in errors, which read `<source>:<line>:<column>: <what was expected>`.
pub fn parse_nodes<'a>(source: &str, text: &'a [u8]) -> Result<Nodes<'a>> {
    let mut nodes = Nodes {
        source: source.to_string(),
        text,
        names: Vec::new(),
        joined: Vec::new(),
        nodes: Vec::new(),
        refs: Vec::new(),
        documents: 0,
    };
    // Checked once here, the text need not be checked string by string while it is parsed.
    let checked = std::str::from_utf8(text).map_err(|e| {
        shared::input::located(source, text, e.valid_up_to(), "expected UTF-8 text")
    })?;
    let mut documents = serde_json::Deserializer::from_str(checked).into_iter::<Document>();
    while let Some(document) = documents.next() {
        let document = document.map_err(|e| shared::input::json_error(source, &e))?;
        if let Some(key) = document.stray.as_deref() {
            let at = offset_in(text, key).unwrap_or(documents.byte_offset());
            return Err(shared::input::located(
                source,
                text,
                at,
                format!(
                    "{key:?}: expected a store path such as {DEFAULT_STORE_DIR}/<hash>-<name> as key of nix path-info JSON (or a \"graph\" of exportReferencesGraph)"
                ),
            ));
        }
        nodes.append(document);
    }
    Ok(nodes)
}

/// A fast multiply-rotate hasher (the mix of FxHash) for store paths. Graphs are the user's own
/// closures, so resistance to crafted collisions is not needed, and paths hash eight bytes at a
/// time.
#[derive(Debug, Default, Clone, Copy)]
pub struct PathHasher(u64);

impl PathHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for PathHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by store path, hashed with [`PathHasher`].
pub type PathMap<K, V> = HashMap<K, V, BuildHasherDefault<PathHasher>>;

/// One JSON value of the input, with names as written (full paths or base names).
#[derive(Debug, Default)]
struct Document<'a> {
    names: Vec<Cow<'a, str>>,
    lookup: PathMap<Cow<'a, str>, u32>,
    nodes: Vec<RawNode<'a>>,
    refs: Vec<u32>,
    store_dir: Option<Cow<'a, str>>,
    /// The first key of an object keyed by store path that is not a store path: a key that
    /// makes no sense where it is written.
    stray: Option<Cow<'a, str>>,
}

impl<'a> Document<'a> {
    /// The number of a name, adding it when new.
    fn intern(&mut self, name: Cow<'a, str>) -> u32 {
        if let Some(&id) = self.lookup.get(&name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.clone());
        self.lookup.insert(name, id);
        id
    }
}

/// Names as full store paths: base names joined to the store directory, with the bytes that
/// joining added.
fn resolve<'a>(
    names: Vec<Cow<'a, str>>,
    store_dir: Option<Cow<'a, str>>,
) -> impl Iterator<Item = (Cow<'a, str>, u32)> {
    let dir = store_dir
        .unwrap_or(Cow::Borrowed(DEFAULT_STORE_DIR))
        .trim_end_matches('/')
        .to_string();
    names.into_iter().map(move |name| {
        if name.starts_with('/') {
            (name, 0)
        } else {
            (Cow::Owned(format!("{dir}/{name}")), dir.len() as u32 + 1)
        }
    })
}

/// A JSON string, borrowed from the input when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

impl<'a> Text<'a> {
    /// The string when it is borrowed from the input.
    fn borrowed(&self) -> Option<&'a str> {
        match self.0 {
            Cow::Borrowed(s) => Some(s),
            Cow::Owned(_) => None,
        }
    }
}

impl<'de> Deserialize<'de> for Document<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut document = Document::default();
        deserializer.deserialize_any(DocumentVisitor(&mut document))?;
        Ok(document)
    }
}

struct DocumentVisitor<'d, 'a>(&'d mut Document<'a>);

impl<'de> Visitor<'de> for DocumentVisitor<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a store-path graph: a list of nodes, {\"graph\": [...]}, or nix path-info JSON",
        )
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        entries_of(self.0, seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let document = self.0;
        // True when the object holds its nodes under `"graph"` (an `exportReferencesGraph`
        // file, maybe a whole `.attrs.json`, whose other keys are the derivation's attributes)
        // or `"info"` (the versioned wrapper, whose other keys are its own fields).
        let mut nested = false;
        let mut stray = None;
        while let Some(key) = map.next_key::<Text>()? {
            match key.0.as_ref() {
                "graph" => {
                    nested = true;
                    map.next_value_seed(ListSeed(&mut *document))?
                }
                "info" => {
                    nested = true;
                    map.next_value_seed(KeyedSeed(&mut *document))?
                }
                "storeDir" => document.store_dir = Some(map.next_value::<Text>()?.0),
                "version" => check_version(map.next_value()?)?,
                path if !path.starts_with('/') => {
                    stray.get_or_insert(key.0);
                    map.next_value::<IgnoredAny>()?;
                }
                _ => map.next_value_seed(EntrySeed {
                    document: &mut *document,
                    key: Some(key),
                })?,
            }
        }
        document.stray = stray.filter(|_| !nested);
        Ok(())
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

fn entries_of<'de, A: SeqAccess<'de>>(
    document: &mut Document<'de>,
    mut seq: A,
) -> Result<(), A::Error> {
    while seq
        .next_element_seed(EntrySeed {
            document: &mut *document,
            key: None,
        })?
        .is_some()
    {}
    Ok(())
}

/// A list of nodes that carry their own `path`.
struct ListSeed<'d, 'a>(&'d mut Document<'a>);

impl<'de> DeserializeSeed<'de> for ListSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of store-path nodes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        entries_of(self.0, seq)
    }
}

/// An object of nodes keyed by store path or base name; `null` marks an invalid path.
struct KeyedSeed<'d, 'a>(&'d mut Document<'a>);

impl<'de> DeserializeSeed<'de> for KeyedSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for KeyedSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of store-path nodes keyed by path")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Text>()? {
            map.next_value_seed(EntrySeed {
                document: &mut *self.0,
                key: Some(key),
            })?;
        }
        Ok(())
    }
}

/// One node: an object of fields, or `null` (an invalid path) where it is listed under its key.
struct EntrySeed<'d, 'a> {
    document: &'d mut Document<'a>,
    key: Option<Text<'a>>,
}

impl<'de> DeserializeSeed<'de> for EntrySeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for EntrySeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a store-path node (an object with \"path\", \"narSize\", \"references\")")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        let Some(key) = self.key else {
            return Err(E::invalid_type(de::Unexpected::Option, &self));
        };
        let anchor = key.borrowed();
        let path = self.document.intern(key.0);
        self.document.nodes.push(RawNode {
            path,
            nar_size: None,
            references: None,
            valid: false,
            anchor,
            document: 0,
        });
        Ok(())
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let document = self.document;
        let keyed = self.key.is_some();
        let mut anchor = self.key.as_ref().and_then(Text::borrowed);
        let mut path = self.key.map(|key| document.intern(key.0));
        let mut fields = Fields::default();
        let mut first = true;
        while let Some(field) = map.next_key::<Text>()? {
            if first && !keyed {
                anchor = field.borrowed();
            }
            first = false;
            match field.0.as_ref() {
                "path" => {
                    let name = map.next_value::<Text>()?.0;
                    let id = document.intern(name);
                    path.get_or_insert(id);
                }
                "narSize" => fields.nar_size = map.next_value()?,
                "valid" => fields.valid = map.next_value()?,
                "references" => fields.references = map.next_value_seed(RefsSeed(document))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let Some(path) = path else {
            return Err(de::Error::missing_field("path"));
        };
        document.nodes.push(RawNode {
            path,
            nar_size: fields.nar_size,
            references: fields.references,
            valid: fields.valid.unwrap_or(true),
            anchor,
            document: 0,
        });
        Ok(())
    }
}

/// The fields of a node other than its path.
#[derive(Default)]
struct Fields {
    nar_size: Option<u64>,
    references: Option<Range<u32>>,
    valid: Option<bool>,
}

/// A node's `references` (or `null`): its names are interned and appended to the document's
/// reference list.
struct RefsSeed<'d, 'a>(&'d mut Document<'a>);

impl<'de> DeserializeSeed<'de> for RefsSeed<'_, 'de> {
    type Value = Option<Range<u32>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for RefsSeed<'_, 'de> {
    type Value = Option<Range<u32>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of store paths")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let document = self.0;
        let start = document.refs.len() as u32;
        while let Some(name) = seq.next_element::<Text>()? {
            let id = document.intern(name.0);
            document.refs.push(id);
        }
        Ok(Some(start..document.refs.len() as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a-1.0";
    const B: &str = "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-b-1.0";

    /// A node as plain values: path, NAR size, references, validity.
    type Plain = (String, Option<u64>, Option<Vec<String>>, bool);

    fn plain(nodes: &Nodes) -> Vec<Plain> {
        nodes
            .nodes()
            .iter()
            .map(|n| {
                (
                    nodes.name(n.path).to_string(),
                    n.nar_size,
                    nodes
                        .references(n)
                        .map(|refs| refs.iter().map(|&r| nodes.name(r).to_string()).collect()),
                    n.valid,
                )
            })
            .collect()
    }

    fn expected() -> Vec<Plain> {
        vec![
            (A.into(), Some(10), Some(vec![A.into(), B.into()]), true),
            (B.into(), Some(5), Some(vec![]), true),
        ]
    }

    fn parse(text: &str) -> Vec<Plain> {
        plain(&parse_nodes("in.json", text.as_bytes()).unwrap())
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
    fn reads_json_format_1_of_nix_2_33() {
        let text = format!(
            r#"{{"version": 1, "storeDir": "/nix/store",
                "{A}": {{"narHash": "sha256-x=", "narSize": 10, "references": ["{A}", "{B}"], "ca": {{"method": "nar", "hash": "sha256-z="}}}},
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
            r#"{"version": 2, "storeDir": "/gnu/store/", "info": {"x-1": {"narSize": 1, "references": []}}}"#,
        );
        assert_eq!(nodes[0].0, "/gnu/store/x-1");
    }

    #[test]
    fn escaped_paths_are_unescaped() {
        let nodes = parse(
            r#"[{"path": "/nix/store/h-\u0061", "narSize": 1, "references": ["/nix/store/h-a"]}]"#,
        );
        assert_eq!(nodes[0].0, "/nix/store/h-a");
        assert_eq!(nodes[0].2, Some(vec!["/nix/store/h-a".to_string()]));
    }

    #[test]
    fn invalid_paths_are_marked() {
        let nodes = parse(&format!(r#"{{"{A}": null}}"#));
        assert!(!nodes[0].3);
        let nodes = parse(&format!(r#"[{{"path": "{A}", "valid": false}}]"#));
        assert!(!nodes[0].3);
    }

    #[test]
    fn missing_fields_are_kept_as_missing() {
        let nodes = parse(&format!(
            r#"[{{"path": "{A}", "narSize": null, "references": null}}]"#
        ));
        assert_eq!(nodes, vec![(A.to_string(), None, None, true)]);
    }

    #[test]
    fn concatenated_documents_are_all_read() {
        let text = format!(
            r#"[{{"path": "{A}", "narSize": 1, "references": ["{B}"]}}] [{{"path": "{B}", "narSize": 1, "references": []}}]"#
        );
        let nodes = parse_nodes("in.json", text.as_bytes()).unwrap();
        assert_eq!(nodes.nodes().len(), 2);
        let a = &nodes.nodes()[0];
        let b = &nodes.nodes()[1];
        assert_eq!(nodes.name(nodes.references(a).unwrap()[0]), B);
        assert_eq!(nodes.name(b.path), B);
    }

    #[test]
    fn errors_about_nodes_name_their_place() {
        let text = format!("[\n  {{\"path\": \"{A}\",\n   \"references\": [\"{B}\"]}}]");
        let nodes = parse_nodes("in.json", text.as_bytes()).unwrap();
        let node = &nodes.nodes()[0];
        assert_eq!(nodes.error_at(node, "x").to_string(), "in.json:2:4: x");
        let reference = nodes.references(node).unwrap()[0];
        assert_eq!(
            nodes.reference_error(node, reference, "y").to_string(),
            "in.json:3:19: y"
        );
        let keyed = format!("{{\n\"{A}\": null}}");
        let nodes = parse_nodes("in.json", keyed.as_bytes()).unwrap();
        assert_eq!(
            nodes.error_at(&nodes.nodes()[0], "z").to_string(),
            "in.json:2:1: z"
        );
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
                "[null]",
                "in.json:1:6: invalid type: Option value, expected a store-path node (an object with \"path\", \"narSize\", \"references\")",
            ),
            ("[{\"narSize\": 1}]", "in.json:1:15: missing field `path`"),
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
    fn text_that_is_not_utf8_is_an_error() {
        let err = parse_nodes("in.json", b"[\n {\"path\": \"/nix/store/h-\xff\"}]")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "in.json:2:25: expected UTF-8 text");
    }

    #[test]
    fn truncated_input_is_an_error() {
        let err = parse_nodes("in.json", b"[{\"path\": \"/nix/store/a-b\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unexpected end of input"), "{err}");
    }
}
