//! The checked store-path graph every algorithm works on: nodes sorted by path (the order of
//! `exportReferencesGraph`), NAR sizes, references without self-references, and a topological
//! order. Building it rejects what would make a layering meaningless: invalid paths, missing
//! sizes, references to paths not in the graph, conflicting duplicates, cycles and emptiness.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use anyhow::{Result, bail};

use crate::parse::RawNode;

/// A validated, acyclic store-path graph.
#[derive(Debug, Clone)]
pub struct Graph {
    paths: Vec<String>,
    nar_size: Vec<u64>,
    refs: Vec<Vec<u32>>,
    users: Vec<Vec<u32>>,
    topo: Vec<u32>,
    index: PathIndex,
}

/// One node as it is kept while sources are merged: where it came from, its size and references.
struct Pending {
    source: String,
    nar_size: u64,
    references: Vec<String>,
}

impl Graph {
    /// Builds the graph from the nodes of one or more sources (`(source name, nodes)`).
    ///
    /// A path listed twice in one source is an error; the same path in two sources is merged
    /// when both say the same, and an error when they disagree.
    pub fn from_sources(sources: Vec<(String, Vec<RawNode>)>) -> Result<Graph> {
        let mut nodes: BTreeMap<String, Pending> = BTreeMap::new();
        for (source, raw_nodes) in sources {
            for raw in raw_nodes {
                add_node(&mut nodes, &source, raw)?;
            }
        }
        if nodes.is_empty() {
            bail!("the input has no store paths: expected a non-empty closure");
        }
        Graph::from_pending(nodes)
    }

    fn from_pending(nodes: BTreeMap<String, Pending>) -> Result<Graph> {
        let index: PathIndex = nodes
            .keys()
            .enumerate()
            .map(|(i, p)| (p.clone(), i as u32))
            .collect();
        let mut refs = Vec::with_capacity(nodes.len());
        for (id, (path, node)) in nodes.iter().enumerate() {
            let mut out = Vec::with_capacity(node.references.len());
            for reference in &node.references {
                let Some(&target) = index.get(reference) else {
                    bail!(
                        "{}: {path} references {reference}, which is not in the graph",
                        node.source
                    );
                };
                if target as usize != id {
                    out.push(target);
                }
            }
            out.sort_unstable();
            out.dedup();
            refs.push(out);
        }
        let nar_size = nodes.values().map(|n| n.nar_size).collect();
        let paths: Vec<String> = nodes.into_keys().collect();
        Graph::assemble(paths, nar_size, refs, index)
    }

    /// Builds a graph from parts that are already consistent (ids in path order, references
    /// without self), checking only for cycles.
    fn assemble(
        paths: Vec<String>,
        nar_size: Vec<u64>,
        refs: Vec<Vec<u32>>,
        index: PathIndex,
    ) -> Result<Graph> {
        let mut users = vec![Vec::new(); paths.len()];
        for (id, targets) in refs.iter().enumerate() {
            for &t in targets {
                users[t as usize].push(id as u32);
            }
        }
        let topo = topological_order(&refs, &users).map_err(|node| {
            anyhow::anyhow!(
                "{} is part of a reference cycle: expected an acyclic closure",
                paths[node as usize]
            )
        })?;
        Ok(Graph {
            paths,
            nar_size,
            refs,
            users,
            topo,
            index,
        })
    }

    /// The number of store paths.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// True when the graph has no paths (never the case for a built graph).
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The store path of a node.
    pub fn path(&self, id: u32) -> &str {
        &self.paths[id as usize]
    }

    /// The NAR size of a node in bytes.
    pub fn nar_size(&self, id: u32) -> u64 {
        self.nar_size[id as usize]
    }

    /// The nodes a node references, itself excluded, in path order.
    pub fn refs(&self, id: u32) -> &[u32] {
        &self.refs[id as usize]
    }

    /// The nodes that reference a node, itself excluded.
    pub fn users(&self, id: u32) -> &[u32] {
        &self.users[id as usize]
    }

    /// Every node with referrers before its references.
    pub fn topo(&self) -> &[u32] {
        &self.topo
    }

    /// The node of a store path, if the graph has it.
    pub fn id(&self, path: &str) -> Option<u32> {
        self.index.get(path).copied()
    }

    /// The sum of the NAR sizes of all nodes.
    pub fn total_nar_size(&self) -> u64 {
        self.nar_size.iter().sum()
    }

    /// The sum of the NAR sizes of the given nodes.
    pub fn size_of(&self, ids: impl IntoIterator<Item = u32>) -> u64 {
        ids.into_iter().map(|id| self.nar_size(id)).sum()
    }

    /// For each group of nodes, the sum of the NAR sizes of its closure (the nodes and everything
    /// they reference, transitively, each counted once). Membership bits of up to 512 groups at a
    /// time are pushed from referrers to references in one topological pass.
    pub fn closure_sizes(&self, groups: &[Vec<u32>]) -> Vec<u64> {
        const GROUPS_PER_PASS: usize = 512;
        let mut sizes = vec![0u64; groups.len()];
        for (pass, chunk) in groups.chunks(GROUPS_PER_PASS).enumerate() {
            let words = chunk.len().div_ceil(64);
            let mut bits = vec![0u64; self.len() * words];
            for (j, group) in chunk.iter().enumerate() {
                for &id in group {
                    bits[id as usize * words + j / 64] |= 1 << (j % 64);
                }
            }
            for &id in &self.topo {
                let row = id as usize * words;
                for &u in self.users(id) {
                    let urow = u as usize * words;
                    for w in 0..words {
                        bits[row + w] |= bits[urow + w];
                    }
                }
                for w in 0..words {
                    let mut word = bits[row + w];
                    while word != 0 {
                        let j = w * 64 + word.trailing_zeros() as usize;
                        word &= word - 1;
                        sizes[pass * GROUPS_PER_PASS + j] += self.nar_size(id);
                    }
                }
            }
        }
        sizes
    }

    /// The subgraph of the closure of `roots`: what `exportReferencesGraph` would give for them.
    pub fn restrict_to(&self, roots: &[String]) -> Result<Graph> {
        let mut marks = Marks::new(self.len());
        marks.next_epoch();
        let mut stack = Vec::new();
        for root in roots {
            let Some(id) = self.id(root) else {
                bail!("--root {root}: not a path of the graph")
            };
            if marks.mark(id) {
                stack.push(id);
            }
        }
        while let Some(id) = stack.pop() {
            for &r in self.refs(id) {
                if marks.mark(r) {
                    stack.push(r);
                }
            }
        }
        let keep: Vec<u32> = (0..self.len() as u32)
            .filter(|&id| marks.is_marked(id))
            .collect();
        let mut renumber = vec![u32::MAX; self.len()];
        for (new, &old) in keep.iter().enumerate() {
            renumber[old as usize] = new as u32;
        }
        let paths: Vec<String> = keep.iter().map(|&id| self.path(id).to_string()).collect();
        let nar_size = keep.iter().map(|&id| self.nar_size(id)).collect();
        let refs = keep
            .iter()
            .map(|&id| {
                self.refs(id)
                    .iter()
                    .map(|&r| renumber[r as usize])
                    .collect()
            })
            .collect();
        let index = paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), i as u32))
            .collect();
        Graph::assemble(paths, nar_size, refs, index)
    }
}

/// Node ids by store path.
type PathIndex = HashMap<String, u32, BuildHasherDefault<PathHasher>>;

/// A fast multiply-rotate hasher (the mix of FxHash) for store paths. The graph is the user's own
/// closure, so resistance to crafted collisions is not needed, and store paths hash eight bytes
/// at a time.
#[derive(Default)]
struct PathHasher(u64);

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

fn add_node(nodes: &mut BTreeMap<String, Pending>, source: &str, raw: RawNode) -> Result<()> {
    let path = raw.path;
    if !path.starts_with('/') || !path.contains('-') {
        bail!("{source}: {path:?}: expected a store path such as /nix/store/<hash>-<name>");
    }
    if !raw.valid {
        bail!("{source}: {path} is not valid in the store: expected a built closure");
    }
    let Some(nar_size) = raw.nar_size else {
        bail!("{source}: {path}: missing \"narSize\"")
    };
    let Some(mut references) = raw.references else {
        bail!("{source}: {path}: missing \"references\"")
    };
    references.sort_unstable();
    references.dedup();
    match nodes.entry(path) {
        Entry::Occupied(entry) => {
            let (path, existing) = (entry.key(), entry.get());
            if existing.source == source {
                bail!("{source}: {path} is listed twice");
            }
            if existing.nar_size != nar_size || existing.references != references {
                bail!(
                    "{source}: {path} differs from its entry in {}",
                    existing.source
                );
            }
        }
        Entry::Vacant(entry) => {
            entry.insert(Pending {
                source: source.to_string(),
                nar_size,
                references,
            });
        }
    }
    Ok(())
}

/// Kahn's algorithm without recursion: referrers first. On a cycle, returns a node in it.
fn topological_order(refs: &[Vec<u32>], users: &[Vec<u32>]) -> Result<Vec<u32>, u32> {
    let mut pending: Vec<usize> = users.iter().map(Vec::len).collect();
    let mut order: Vec<u32> = (0..refs.len() as u32)
        .filter(|&id| pending[id as usize] == 0)
        .collect();
    let mut next = 0;
    while next < order.len() {
        let id = order[next];
        next += 1;
        for &r in &refs[id as usize] {
            pending[r as usize] -= 1;
            if pending[r as usize] == 0 {
                order.push(r);
            }
        }
    }
    if order.len() == refs.len() {
        Ok(order)
    } else {
        let stuck = pending.iter().position(|&p| p > 0).unwrap_or(0);
        Err(stuck as u32)
    }
}

/// A reusable visited-set over node ids, cleared in O(1) by moving to a new epoch.
#[derive(Debug, Clone)]
pub struct Marks {
    epoch: u32,
    seen: Vec<u32>,
}

impl Marks {
    /// Marks for a graph of `len` nodes.
    pub fn new(len: usize) -> Marks {
        Marks {
            epoch: 0,
            seen: vec![0; len],
        }
    }

    /// Forgets every mark.
    pub fn next_epoch(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.seen.fill(0);
            self.epoch = 1;
        }
    }

    /// Marks a node; true when it was not marked yet.
    pub fn mark(&mut self, id: u32) -> bool {
        let slot = &mut self.seen[id as usize];
        if *slot == self.epoch {
            false
        } else {
            *slot = self.epoch;
            true
        }
    }

    /// True when the node is marked in this epoch.
    pub fn is_marked(&self, id: u32) -> bool {
        self.seen[id as usize] == self.epoch
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A graph from `(name, size, references)` triples; names become `/nix/store/<name>-<name>`.
    pub(crate) fn graph(nodes: &[(&str, u64, &[&str])]) -> Graph {
        let raw = nodes
            .iter()
            .map(|(name, size, refs)| RawNode {
                path: store(name),
                nar_size: Some(*size),
                references: Some(refs.iter().map(|r| store(r)).collect()),
                valid: true,
            })
            .collect();
        Graph::from_sources(vec![("test".into(), raw)]).unwrap()
    }

    /// The store path used for a short test name.
    pub(crate) fn store(name: &str) -> String {
        format!("/nix/store/{name}-{name}")
    }

    fn build(raw: Vec<RawNode>) -> Result<Graph> {
        Graph::from_sources(vec![("g.json".into(), raw)])
    }

    fn node(path: &str, size: Option<u64>, refs: &[&str]) -> RawNode {
        RawNode {
            path: path.into(),
            nar_size: size,
            references: Some(refs.iter().map(|r| r.to_string()).collect()),
            valid: true,
        }
    }

    #[test]
    fn nodes_are_sorted_by_path_and_self_references_dropped() {
        let g = graph(&[("b", 2, &["b", "a"]), ("a", 1, &["a"])]);
        assert_eq!(g.path(0), store("a"));
        assert_eq!(g.refs(1), &[0]);
        assert!(g.refs(0).is_empty());
        assert_eq!(g.users(0), &[1]);
        assert_eq!(g.topo(), &[1, 0]);
        assert_eq!(g.total_nar_size(), 3);
    }

    #[test]
    fn closure_sizes_count_each_path_once() {
        let g = graph(&[("a", 1, &["b", "c"]), ("b", 10, &["c"]), ("c", 100, &[])]);
        assert_eq!(
            g.closure_sizes(&[vec![0], vec![1, 2], vec![2], vec![]]),
            vec![111, 110, 100, 0]
        );
        let many: Vec<Vec<u32>> = (0..1100).map(|i| vec![i % 3]).collect();
        let sizes = g.closure_sizes(&many);
        assert_eq!((sizes[0], sizes[1000], sizes[1099]), (111, 110, 110));
    }

    #[test]
    fn restricting_keeps_the_closure_of_the_roots() {
        let g = graph(&[("a", 1, &["b"]), ("b", 10, &[]), ("c", 100, &["b"])]);
        let r = g.restrict_to(&[store("c")]).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r.total_nar_size(), 110);
        assert!(g.restrict_to(&["/nix/store/x-y".into()]).is_err());
    }

    #[test]
    fn malformed_graphs_are_rejected_with_the_path() {
        let cases: Vec<(Vec<RawNode>, &str)> = vec![
            (
                vec![],
                "the input has no store paths: expected a non-empty closure",
            ),
            (
                vec![node("/nix/store/a-a", None, &[])],
                "g.json: /nix/store/a-a: missing \"narSize\"",
            ),
            (
                vec![node("/nix/store/a-a", Some(1), &["/nix/store/z-z"])],
                "g.json: /nix/store/a-a references /nix/store/z-z, which is not in the graph",
            ),
            (
                vec![
                    node("/nix/store/a-a", Some(1), &[]),
                    node("/nix/store/a-a", Some(1), &[]),
                ],
                "g.json: /nix/store/a-a is listed twice",
            ),
            (
                vec![
                    node("/nix/store/a-a", Some(1), &["/nix/store/b-b"]),
                    node("/nix/store/b-b", Some(1), &["/nix/store/a-a"]),
                ],
                "/nix/store/a-a is part of a reference cycle: expected an acyclic closure",
            ),
            (
                vec![node("relative", Some(1), &[])],
                "g.json: \"relative\": expected a store path such as /nix/store/<hash>-<name>",
            ),
            (
                vec![RawNode {
                    path: "/nix/store/a-a".into(),
                    nar_size: None,
                    references: None,
                    valid: false,
                }],
                "g.json: /nix/store/a-a is not valid in the store: expected a built closure",
            ),
            (
                vec![RawNode {
                    path: "/nix/store/a-a".into(),
                    nar_size: Some(1),
                    references: None,
                    valid: true,
                }],
                "g.json: /nix/store/a-a: missing \"references\"",
            ),
        ];
        for (raw, message) in cases {
            assert_eq!(build(raw).unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn the_same_path_in_two_sources_must_agree() {
        let a = || vec![node("/nix/store/a-a", Some(1), &[])];
        let merged = Graph::from_sources(vec![("x".into(), a()), ("y".into(), a())]).unwrap();
        assert_eq!(merged.len(), 1);
        let other = vec![node("/nix/store/a-a", Some(2), &[])];
        let err = Graph::from_sources(vec![("x".into(), a()), ("y".into(), other)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "y: /nix/store/a-a differs from its entry in x"
        );
    }

    #[test]
    fn deep_chains_do_not_recurse() {
        let names: Vec<String> = (0..100_000)
            .map(|i| format!("/nix/store/{i:08}-n"))
            .collect();
        let raw = (0..names.len())
            .map(|i| {
                let refs = if i + 1 < names.len() {
                    vec![names[i + 1].clone()]
                } else {
                    vec![]
                };
                RawNode {
                    path: names[i].clone(),
                    nar_size: Some(1),
                    references: Some(refs),
                    valid: true,
                }
            })
            .collect();
        let g = build(raw).unwrap();
        assert_eq!(g.topo().len(), 100_000);
        assert!(g.users(0).is_empty());
    }
}
