//! The checked store-path graph every algorithm works on: nodes sorted by path (the order of
//! `exportReferencesGraph`), NAR sizes, references without self-references, and a topological
//! order. Building it rejects what would make a layering meaningless: invalid paths, missing
//! sizes, references to paths not in the graph, conflicting duplicates, cycles and emptiness.
//! Each such error names the input, line and column of the node at fault.

use anyhow::{Result, bail};

use crate::parse::{Nodes, PathMap, RawNode};

/// A validated, acyclic store-path graph.
#[derive(Debug, Clone)]
pub struct Graph {
    names: Names,
    nar_size: Vec<u64>,
    refs: Adjacency,
    users: Adjacency,
    topo: Vec<u32>,
}

/// Store paths in one buffer, in path order.
#[derive(Debug, Clone, Default)]
struct Names {
    text: String,
    ends: Vec<usize>,
}

impl Names {
    fn push(&mut self, path: &str) {
        self.text.push_str(path);
        self.ends.push(self.text.len());
    }

    fn get(&self, id: u32) -> &str {
        let id = id as usize;
        let start = if id == 0 { 0 } else { self.ends[id - 1] };
        &self.text[start..self.ends[id]]
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// The id of a path, by binary search over the sorted paths.
    fn find(&self, path: &str) -> Option<u32> {
        let (mut lo, mut hi) = (0, self.len() as u32);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.get(mid).cmp(path) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }
}

/// Edge lists of every node in one buffer: node `i`'s targets are `targets[start[i]..start[i + 1]]`.
#[derive(Debug, Clone)]
pub(crate) struct Adjacency {
    start: Vec<u32>,
    targets: Vec<u32>,
}

impl Adjacency {
    /// The edges of `nodes` nodes, given node by node; edges from a node to itself are dropped.
    pub(crate) fn from_fn<'r>(nodes: usize, targets: impl Fn(u32) -> &'r [u32]) -> Adjacency {
        let mut adjacency = Adjacency::with_capacity(nodes, nodes * 4);
        for id in 0..nodes as u32 {
            adjacency
                .targets
                .extend(targets(id).iter().filter(|&&t| t != id));
            adjacency.start.push(adjacency.targets.len() as u32);
        }
        adjacency
    }

    /// The number of nodes.
    pub(crate) fn len(&self) -> usize {
        self.start.len() - 1
    }

    /// Adjacency built node by node with [`Adjacency::push_node`].
    fn with_capacity(nodes: usize, edges: usize) -> Adjacency {
        let mut start = Vec::with_capacity(nodes + 1);
        start.push(0);
        Adjacency {
            start,
            targets: Vec::with_capacity(edges),
        }
    }

    fn push_node(&mut self, targets: &[u32]) {
        self.targets.extend_from_slice(targets);
        self.start.push(self.targets.len() as u32);
    }

    /// The targets of a node.
    pub(crate) fn get(&self, id: u32) -> &[u32] {
        let id = id as usize;
        &self.targets[self.start[id] as usize..self.start[id + 1] as usize]
    }

    /// The same edges, reversed.
    pub(crate) fn reversed(&self) -> Adjacency {
        let nodes = self.len();
        let mut start = vec![0u32; nodes + 1];
        for &t in &self.targets {
            start[t as usize + 1] += 1;
        }
        for i in 0..nodes {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut targets = vec![0u32; self.targets.len()];
        for id in 0..nodes as u32 {
            for &t in self.get(id) {
                targets[fill[t as usize] as usize] = id;
                fill[t as usize] += 1;
            }
        }
        Adjacency { start, targets }
    }
}

/// Where a path is described: the index of its input and of the node in that input.
type Place = (u32, u32);

/// The inputs being merged, with every distinct store path numbered once across them.
struct Merge<'s, 'a> {
    sources: &'s [Nodes<'a>],
    /// Store paths, by merged number.
    paths: Vec<&'s str>,
    /// For each input, its name numbers mapped to merged numbers.
    numbers: Vec<Vec<u32>>,
    /// For each merged number, the first node describing it.
    places: Vec<Option<Place>>,
}

impl<'s, 'a> Merge<'s, 'a> {
    fn new(sources: &'s [Nodes<'a>]) -> Merge<'s, 'a> {
        let capacity = sources.iter().map(Nodes::name_count).sum();
        let mut lookup: PathMap<&'s str, u32> =
            PathMap::with_capacity_and_hasher(capacity, Default::default());
        let mut paths = Vec::with_capacity(capacity);
        let numbers = sources
            .iter()
            .map(|source| {
                (0..source.name_count() as u32)
                    .map(|name| {
                        let path = source.name(name);
                        *lookup.entry(path).or_insert_with(|| {
                            paths.push(path);
                            paths.len() as u32 - 1
                        })
                    })
                    .collect()
            })
            .collect();
        let places = vec![None; paths.len()];
        Merge {
            sources,
            paths,
            numbers,
            places,
        }
    }

    /// The merged numbers a node references, sorted, without repeats.
    fn references(&self, (source, node): Place) -> Vec<u32> {
        let nodes = &self.sources[source as usize];
        let numbers = &self.numbers[source as usize];
        let raw = &nodes.nodes()[node as usize];
        let mut refs: Vec<u32> = nodes
            .references(raw)
            .unwrap_or_default()
            .iter()
            .map(|&r| numbers[r as usize])
            .collect();
        refs.sort_unstable();
        refs.dedup();
        refs
    }

    fn node(&self, (source, node): Place) -> (&Nodes<'a>, &RawNode<'a>) {
        let nodes = &self.sources[source as usize];
        (nodes, &nodes.nodes()[node as usize])
    }

    /// Checks every node and records where each path is described.
    fn place_nodes(&mut self) -> Result<()> {
        for (s, nodes) in self.sources.iter().enumerate() {
            for (k, raw) in nodes.nodes().iter().enumerate() {
                check_node(nodes, raw)?;
                let number = self.numbers[s][raw.path as usize];
                let here = (s as u32, k as u32);
                match self.places[number as usize] {
                    None => self.places[number as usize] = Some(here),
                    Some(first) => self.check_duplicate(first, here)?,
                }
            }
        }
        Ok(())
    }

    /// A path described twice: an error within one JSON value, and across values or inputs
    /// (closures that overlap) unless both descriptions agree.
    fn check_duplicate(&self, first: Place, again: Place) -> Result<()> {
        let (nodes, raw) = self.node(again);
        let (first_nodes, first_raw) = self.node(first);
        let path = nodes.name(raw.path);
        if first.0 == again.0 && first_raw.document == raw.document {
            return Err(nodes.error_at(raw, format!("{path} is listed twice")));
        }
        if first_raw.nar_size != raw.nar_size || self.references(first) != self.references(again) {
            return Err(nodes.error_at(
                raw,
                format!(
                    "{path} differs from its entry at {}",
                    first_nodes.location(first_raw)
                ),
            ));
        }
        Ok(())
    }

    /// Fails on the first reference to a path no input describes.
    fn check_references(&self) -> Result<()> {
        for (s, nodes) in self.sources.iter().enumerate() {
            for raw in nodes.nodes() {
                for &r in nodes.references(raw).unwrap_or_default() {
                    if self.places[self.numbers[s][r as usize] as usize].is_none() {
                        return Err(nodes.reference_error(
                            raw,
                            r,
                            format!(
                                "{} references {}, which is not in the graph",
                                nodes.name(raw.path),
                                nodes.name(r)
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The graph, nodes in path order; on a reference cycle, an error at a node on it.
    fn into_graph(self) -> Result<Graph> {
        let order = sorted_by_path(&self.paths);
        let mut rank = vec![0u32; order.len()];
        for (position, &number) in order.iter().enumerate() {
            rank[number as usize] = position as u32;
        }
        let mut names = Names::default();
        let mut nar_size = Vec::with_capacity(order.len());
        let mut refs = Adjacency::with_capacity(order.len(), order.len() * 4);
        let mut places = Vec::with_capacity(order.len());
        let mut scratch = Vec::new();
        for (position, &number) in order.iter().enumerate() {
            let place = self.places[number as usize].unwrap_or_default();
            names.push(self.paths[number as usize]);
            nar_size.push(self.node(place).1.nar_size.unwrap_or_default());
            let (nodes, raw) = self.node(place);
            let numbers = &self.numbers[place.0 as usize];
            scratch.clear();
            scratch.extend(
                nodes
                    .references(raw)
                    .unwrap_or_default()
                    .iter()
                    .map(|&r| rank[numbers[r as usize] as usize])
                    .filter(|&r| r as usize != position),
            );
            scratch.sort_unstable();
            scratch.dedup();
            refs.push_node(&scratch);
            places.push(place);
        }
        Graph::assemble(names, nar_size, refs).map_err(|cycle| {
            let (nodes, raw) = self.node(places[cycle[0] as usize]);
            let paths: Vec<&str> = cycle
                .iter()
                .map(|&id| self.paths[order[id as usize] as usize])
                .collect();
            nodes.error_at(
                raw,
                format!(
                    "reference cycle {}: expected an acyclic closure",
                    cycle_text(&paths)
                ),
            )
        })
    }
}

/// The numbers of `paths` in path order. Store paths share their directory and then differ
/// within a few bytes of their hash, so they are sorted by the eight bytes after the common
/// prefix first, and compared whole only when those are equal.
fn sorted_by_path(paths: &[&str]) -> Vec<u32> {
    let first = paths.first().map_or(&[][..], |p| p.as_bytes());
    let common = paths.iter().fold(first.len(), |common, p| {
        common.min(
            first
                .iter()
                .zip(p.as_bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        )
    });
    let prefix = |p: &str| {
        let mut word = [0u8; 8];
        let rest = &p.as_bytes()[common..];
        let take = rest.len().min(8);
        word[..take].copy_from_slice(&rest[..take]);
        u64::from_be_bytes(word)
    };
    let mut keyed: Vec<(u64, u32)> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (prefix(p), i as u32))
        .collect();
    keyed.sort_unstable_by(|&(ka, a), &(kb, b)| {
        ka.cmp(&kb)
            .then_with(|| paths[a as usize].cmp(paths[b as usize]))
    });
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// A cycle (its first path repeated at the end) as `a -> b -> a`; a long one shows its first
/// three and last paths and how many there are.
fn cycle_text(paths: &[&str]) -> String {
    const SHOWN: usize = 3;
    let distinct = paths.len().saturating_sub(1);
    if distinct <= SHOWN + 2 {
        return paths.join(" -> ");
    }
    let mut shown: Vec<&str> = paths[..SHOWN].to_vec();
    shown.push("...");
    shown.extend_from_slice(&paths[distinct - 1..]);
    format!("{} ({distinct} paths)", shown.join(" -> "))
}

/// Checks what one node must say: a store path, valid, with its NAR size and references.
fn check_node(nodes: &Nodes, raw: &RawNode) -> Result<()> {
    let path = nodes.name(raw.path);
    let base_has_dash = path
        .bytes()
        .rev()
        .take_while(|&b| b != b'/')
        .any(|b| b == b'-');
    if !path.starts_with('/') || !base_has_dash {
        return Err(nodes.error_at(
            raw,
            format!(
                "{:?}: expected a store path such as /nix/store/<hash>-<name>",
                nodes.written(raw.path)
            ),
        ));
    }
    if !raw.valid {
        return Err(nodes.error_at(
            raw,
            format!("{path} is not valid in the store: expected a built closure"),
        ));
    }
    if raw.nar_size.is_none() {
        return Err(nodes.error_at(raw, format!("{path}: missing \"narSize\"")));
    }
    if nodes.references(raw).is_none() {
        return Err(nodes.error_at(raw, format!("{path}: missing \"references\"")));
    }
    Ok(())
}

impl Graph {
    /// Builds the graph from the nodes of one or more inputs.
    ///
    /// A path listed twice in one JSON value is an error; the same path in two values or two
    /// inputs (overlapping closures) is merged when both say the same, and an error when they
    /// disagree.
    pub fn from_sources(sources: &[Nodes]) -> Result<Graph> {
        let mut merge = Merge::new(sources);
        merge.place_nodes()?;
        merge.check_references()?;
        if merge.paths.is_empty() {
            let names: Vec<&str> = sources.iter().map(Nodes::source).collect();
            bail!(
                "{}: no store paths: expected a non-empty closure",
                names.join(", ")
            );
        }
        merge.into_graph()
    }

    /// Builds a graph from parts that are already consistent (ids in path order, references
    /// without self); on a reference cycle, returns the cycle in reference order.
    fn assemble(names: Names, nar_size: Vec<u64>, refs: Adjacency) -> Result<Graph, Vec<u32>> {
        let users = refs.reversed();
        let topo = topological_order(&refs, &users)?;
        Ok(Graph {
            names,
            nar_size,
            refs,
            users,
            topo,
        })
    }

    /// The number of store paths.
    pub fn len(&self) -> usize {
        self.nar_size.len()
    }

    /// True when the graph has no paths (never the case for a built graph).
    pub fn is_empty(&self) -> bool {
        self.nar_size.is_empty()
    }

    /// The store path of a node.
    pub fn path(&self, id: u32) -> &str {
        self.names.get(id)
    }

    /// The NAR size of a node in bytes.
    pub fn nar_size(&self, id: u32) -> u64 {
        self.nar_size[id as usize]
    }

    /// The nodes a node references, itself excluded, in path order.
    pub fn refs(&self, id: u32) -> &[u32] {
        self.refs.get(id)
    }

    /// The nodes that reference a node, itself excluded.
    pub fn users(&self, id: u32) -> &[u32] {
        self.users.get(id)
    }

    /// Every node with referrers before its references.
    pub fn topo(&self) -> &[u32] {
        &self.topo
    }

    /// The node of a store path, if the graph has it.
    pub fn id(&self, path: &str) -> Option<u32> {
        self.names.find(path)
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
        let mut names = Names::default();
        let mut refs = Adjacency::with_capacity(keep.len(), keep.len() * 4);
        let mut scratch = Vec::new();
        for &id in &keep {
            names.push(self.path(id));
            scratch.clear();
            scratch.extend(self.refs(id).iter().map(|&r| renumber[r as usize]));
            refs.push_node(&scratch);
        }
        let nar_size = keep.iter().map(|&id| self.nar_size(id)).collect();
        Graph::assemble(names, nar_size, refs)
            .map_err(|_| anyhow::anyhow!("--root: a part of an acyclic graph has a cycle"))
    }
}

/// Every node in topological order (referrers first); on a cycle, returns one, in reference
/// order, starting at its smallest node.
fn topological_order(refs: &Adjacency, users: &Adjacency) -> Result<Vec<u32>, Vec<u32>> {
    let order = kahn(refs, users);
    if order.len() == refs.len() {
        Ok(order)
    } else {
        Err(find_cycle(users, &order))
    }
}

/// Kahn's algorithm, without recursion: referrers before references. Nodes on a cycle, and
/// those below one, are left out.
pub(crate) fn kahn(refs: &Adjacency, users: &Adjacency) -> Vec<u32> {
    let nodes = refs.len() as u32;
    let mut pending: Vec<u32> = (0..nodes).map(|id| users.get(id).len() as u32).collect();
    let mut order: Vec<u32> = (0..nodes).filter(|&id| pending[id as usize] == 0).collect();
    let mut next = 0;
    while next < order.len() {
        let id = order[next];
        next += 1;
        for &r in refs.get(id) {
            pending[r as usize] -= 1;
            if pending[r as usize] == 0 {
                order.push(r);
            }
        }
    }
    order
}

/// A cycle among the nodes Kahn's algorithm left out. Each of them has a referrer that was left
/// out too, so walking from referrer to referrer must come back to a node already seen.
fn find_cycle(users: &Adjacency, order: &[u32]) -> Vec<u32> {
    let mut left = vec![true; users.len()];
    order.iter().for_each(|&id| left[id as usize] = false);
    let mut seen_at = vec![u32::MAX; users.len()];
    let mut walk: Vec<u32> = Vec::new();
    let mut id = (0..users.len() as u32)
        .find(|&id| left[id as usize])
        .unwrap_or(0);
    while seen_at[id as usize] == u32::MAX {
        seen_at[id as usize] = walk.len() as u32;
        walk.push(id);
        match users.get(id).iter().copied().find(|&u| left[u as usize]) {
            Some(user) => id = user,
            None => break,
        }
    }
    let mut cycle = walk.split_off(seen_at[id as usize].min(walk.len() as u32) as usize);
    cycle.reverse();
    let smallest = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
    cycle.rotate_left(smallest);
    let first = cycle.first().copied();
    cycle.extend(first);
    cycle
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
    use crate::parse::parse_nodes;

    /// A graph from `(name, size, references)` triples; names become `/nix/store/<name>-<name>`.
    pub(crate) fn graph(nodes: &[(&str, u64, &[&str])]) -> Graph {
        let text = serde_json::json!(
            nodes
                .iter()
                .map(|(name, size, refs)| serde_json::json!({
                    "path": store(name),
                    "narSize": size,
                    "references": refs.iter().map(|r| store(r)).collect::<Vec<_>>(),
                }))
                .collect::<Vec<_>>()
        )
        .to_string();
        build(&text).unwrap()
    }

    /// The store path used for a short test name.
    pub(crate) fn store(name: &str) -> String {
        format!("/nix/store/{name}-{name}")
    }

    fn build(text: &str) -> Result<Graph> {
        Graph::from_sources(&[parse_nodes("g.json", text.as_bytes())?])
    }

    #[test]
    fn nodes_are_sorted_by_path_and_self_references_dropped() {
        let g = graph(&[("b", 2, &["b", "a", "a"]), ("a", 1, &["a"])]);
        assert_eq!(g.path(0), store("a"));
        assert_eq!(g.refs(1), &[0]);
        assert!(g.refs(0).is_empty());
        assert_eq!(g.users(0), &[1]);
        assert_eq!(g.topo(), &[1, 0]);
        assert_eq!(g.total_nar_size(), 3);
        assert_eq!(g.id(&store("b")), Some(1));
        assert_eq!(g.id("/nix/store/c-c"), None);
    }

    #[test]
    fn paths_sort_as_strings() {
        let paths = [
            "/nix/store/abcdefghij-x",
            "/nix/store/abcdefgh-y",
            "/nix/store/abcdefghi",
            "/nix/store/abc",
            "/nix/store/b",
            "/nix/store/abcdefghij",
        ];
        let order = sorted_by_path(&paths);
        let sorted: Vec<&str> = order.iter().map(|&i| paths[i as usize]).collect();
        let mut expected = paths.to_vec();
        expected.sort_unstable();
        assert_eq!(sorted, expected);
        assert!(sorted_by_path(&[]).is_empty());
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
        assert_eq!(r.refs(r.id(&store("c")).unwrap()), &[0]);
        assert!(g.restrict_to(&["/nix/store/x-y".into()]).is_err());
    }

    #[test]
    fn malformed_graphs_are_rejected_with_their_place() {
        let cases = [
            ("[]", "g.json: no store paths: expected a non-empty closure"),
            (
                r#"[{"path": "/nix/store/a-a", "references": []}]"#,
                r#"g.json:1:3: /nix/store/a-a: missing "narSize""#,
            ),
            (
                "[{\"path\": \"/nix/store/a-a\", \"narSize\": 1,\n  \"references\": [\"/nix/store/z-z\"]}]",
                "g.json:2:18: /nix/store/a-a references /nix/store/z-z, which is not in the graph",
            ),
            (
                "[{\"path\": \"/nix/store/a-a\", \"narSize\": 1, \"references\": []},\n {\"path\": \"/nix/store/a-a\", \"narSize\": 1, \"references\": []}]",
                "g.json:2:3: /nix/store/a-a is listed twice",
            ),
            (
                r#"[{"path": "relative", "narSize": 1, "references": []}]"#,
                r#"g.json:1:3: "relative": expected a store path such as /nix/store/<hash>-<name>"#,
            ),
            (
                r#"{"version":2,"info":{"nodash":{"narSize":1,"references":[]}}}"#,
                r#"g.json:1:22: "nodash": expected a store path such as /nix/store/<hash>-<name>"#,
            ),
            (
                r#"{"/nix/store/a-a": null}"#,
                "g.json:1:2: /nix/store/a-a is not valid in the store: expected a built closure",
            ),
            (
                r#"[{"path": "/nix/store/a-a", "valid": false, "narSize": 1, "references": []}]"#,
                "g.json:1:3: /nix/store/a-a is not valid in the store: expected a built closure",
            ),
            (
                r#"{"/nix/store/a-a": {"narSize": 1}}"#,
                r#"g.json:1:2: /nix/store/a-a: missing "references""#,
            ),
        ];
        for (text, message) in cases {
            assert_eq!(build(text).unwrap_err().to_string(), message, "{text}");
        }
    }

    #[test]
    fn a_cycle_is_named_whole_even_below_other_nodes() {
        // a is only used by the cycle b -> c -> d -> b, and sorts before it.
        let text = r#"[{"path": "/nix/store/a-a", "narSize": 1, "references": []},
            {"path": "/nix/store/d-d", "narSize": 1, "references": ["/nix/store/b-b"]},
            {"path": "/nix/store/c-c", "narSize": 1, "references": ["/nix/store/d-d", "/nix/store/c-c"]},
            {"path": "/nix/store/b-b", "narSize": 1, "references": ["/nix/store/c-c", "/nix/store/a-a"]},
            {"path": "/nix/store/e-e", "narSize": 1, "references": ["/nix/store/b-b"]}]"#;
        assert_eq!(
            build(text).unwrap_err().to_string(),
            "g.json:4:14: reference cycle /nix/store/b-b -> /nix/store/c-c -> /nix/store/d-d -> /nix/store/b-b: expected an acyclic closure"
        );
    }

    #[test]
    fn the_same_path_in_two_sources_must_agree() {
        let a = r#"[{"path": "/nix/store/a-a", "narSize": 1, "references": ["/nix/store/a-a"]}]"#;
        let same = r#"{"/nix/store/a-a": {"narSize": 1, "references": ["/nix/store/a-a"]}}"#;
        let other = r#"[{"path": "/nix/store/a-a", "narSize": 2, "references": []}]"#;
        let parse = |name, text: &'static str| parse_nodes(name, text.as_bytes()).unwrap();
        let merged = Graph::from_sources(&[parse("x", a), parse("y", same)]).unwrap();
        assert_eq!(merged.len(), 1);
        let err = Graph::from_sources(&[parse("x", a), parse("y", other)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "y:1:3: /nix/store/a-a differs from its entry at x:1:3"
        );
    }

    #[test]
    fn overlapping_closures_in_one_stream_merge() {
        let a = r#"{"/nix/store/h-a": {"narSize": 1, "references": ["/nix/store/h-c"]},
                    "/nix/store/h-c": {"narSize": 3, "references": []}}"#;
        let b = r#"{"/nix/store/h-b": {"narSize": 2, "references": ["/nix/store/h-c"]},
                    "/nix/store/h-c": {"narSize": 3, "references": []}}"#;
        let g = build(&format!("{a}\n{b}")).unwrap();
        assert_eq!((g.len(), g.total_nar_size()), (3, 6));
        let changed = b.replace("\"narSize\": 3", "\"narSize\": 4");
        assert_eq!(
            build(&format!("{a}\n{changed}")).unwrap_err().to_string(),
            "g.json:4:21: /nix/store/h-c differs from its entry at g.json:2:21"
        );
    }

    #[test]
    fn deep_chains_do_not_recurse() {
        let n = 100_000;
        let mut text = String::from("[");
        for i in 0..n {
            let refs = if i + 1 < n {
                format!("\"/nix/store/{:08}-n\"", i + 1)
            } else {
                String::new()
            };
            let sep = if i == 0 { "" } else { "," };
            text.push_str(&format!(
                "{sep}{{\"path\":\"/nix/store/{i:08}-n\",\"narSize\":1,\"references\":[{refs}]}}"
            ));
        }
        text.push(']');
        let g = build(&text).unwrap();
        assert_eq!(g.topo().len(), n);
        assert!(g.users(0).is_empty());
        let mut cyclic = text.clone();
        cyclic.replace_range(text.len() - 3.., "\"/nix/store/00000000-n\"]}]");
        let err = build(&cyclic).unwrap_err().to_string();
        assert_eq!(
            err,
            "g.json:1:3: reference cycle /nix/store/00000000-n -> /nix/store/00000001-n -> \
             /nix/store/00000002-n -> ... -> /nix/store/00099999-n -> /nix/store/00000000-n \
             (100000 paths): expected an acyclic closure"
        );
    }
}
