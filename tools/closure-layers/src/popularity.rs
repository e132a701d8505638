//! Graham Christensen's popularity contest (nixpkgs `closure-graph.py`, and `popularity_contest`
//! of `flatten-references-graph`), computed in closed form instead of by expanding the graph into
//! a tree.
//!
//! The script expands every root into a tree (shared references duplicated) and merges counters
//! upwards. Unrolled, the popularity of a path `s` is
//! `pop(s) = Σ R(c)` over `c` in the ancestors of `s` and `s` itself, where `R(c)` is the number
//! of distinct reference paths from any root to `c` (`R(root) = 1`). `R` comes from one pass in
//! topological order; the ancestor sums from bit sets of ancestors, built in blocks so that memory
//! stays bounded. The values grow exponentially with depth (past 64 bits on real closures), so
//! they are computed in `u128` with overflow checks and again with big integers if that overflows.
//!
//! Order: popularity descending, then the "package name" ascending: the path split on `-`, the
//! first part (`/nix/store/<hash>`) moved to the end (`glibc-2.40-/nix/store/<hash>`), compared
//! by code point as Python compares strings.

use std::ops::Range;

use num_bigint::BigUint;

use crate::graph::{Adjacency, kahn};

/// The number of 64-bit words the ancestor bit sets may use at once (16 MiB).
const BITSET_WORDS: usize = 2 << 20;

/// An exact counter: `u64` or `u128` that report overflow, or an unbounded integer.
trait Count: Clone + Ord {
    fn zero() -> Self;
    fn one() -> Self;
    /// Adds `other`; false when the result does not fit.
    fn add(&mut self, other: &Self) -> bool;
}

impl Count for u64 {
    fn zero() -> Self {
        0
    }
    fn one() -> Self {
        1
    }
    fn add(&mut self, other: &Self) -> bool {
        match self.checked_add(*other) {
            Some(sum) => {
                *self = sum;
                true
            }
            None => false,
        }
    }
}

impl Count for u128 {
    fn zero() -> Self {
        0
    }
    fn one() -> Self {
        1
    }
    fn add(&mut self, other: &Self) -> bool {
        match self.checked_add(*other) {
            Some(sum) => {
                *self = sum;
                true
            }
            None => false,
        }
    }
}

impl Count for BigUint {
    fn zero() -> Self {
        BigUint::ZERO
    }
    fn one() -> Self {
        BigUint::from(1u8)
    }
    fn add(&mut self, other: &Self) -> bool {
        *self += other;
        true
    }
}

/// A DAG given by its references (local indices), with the derived users and topological order.
struct Dag {
    refs: Adjacency,
    users: Adjacency,
    topo: Vec<u32>,
}

impl Dag {
    /// The DAG of `nodes` nodes whose references `refs` gives (a self-reference is ignored).
    fn new<'r>(nodes: usize, refs: impl Fn(u32) -> &'r [u32]) -> Dag {
        let refs = Adjacency::from_fn(nodes, refs);
        let users = refs.reversed();
        let topo = kahn(&refs, &users);
        Dag { refs, users, topo }
    }

    fn len(&self) -> usize {
        self.refs.len()
    }
}

/// The number of reference paths from any root to each node; `None` on overflow.
fn path_counts<T: Count>(dag: &Dag) -> Option<Vec<T>> {
    let mut counts = vec![T::zero(); dag.len()];
    for &id in &dag.topo {
        if dag.users.get(id).is_empty() {
            counts[id as usize] = T::one();
        }
        let own = counts[id as usize].clone();
        for &r in dag.refs.get(id) {
            if !counts[r as usize].add(&own) {
                return None;
            }
        }
    }
    Some(counts)
}

/// `pop(s) = Σ R(c)` over the ancestors of `s` and `s` itself; `None` on overflow.
fn popularity<T: Count>(dag: &Dag) -> Option<Vec<T>> {
    popularity_with(dag, BITSET_WORDS)
}

/// [`popularity`] with at most `budget` words of ancestor bits at once: the columns (ancestors,
/// by topological position) are taken a block at a time, and each node's sums over the blocks
/// added up.
fn popularity_with<T: Count>(dag: &Dag, budget: usize) -> Option<Vec<T>> {
    let counts = path_counts::<T>(dag)?;
    let n = dag.topo.len();
    let mut position = vec![u32::MAX; dag.len()];
    for (pos, &id) in dag.topo.iter().enumerate() {
        position[id as usize] = pos as u32;
    }
    let mut pop = vec![T::zero(); dag.len()];
    let blocks = n.div_ceil((budget / n.max(1)).max(1) * 64).max(1);
    let words = n.div_ceil(blocks).div_ceil(64).max(1);
    let mut rows = Rows::default();
    let mut start = 0;
    while start < n {
        let columns = start..(start + words * 64).min(n);
        let sums = block_sums(dag, &position, &counts, columns.clone(), &mut rows)?;
        for (&id, sum) in dag.topo[start..].iter().zip(sums) {
            if !pop[id as usize].add(&sum) {
                return None;
            }
        }
        start = columns.end;
    }
    Some(pop)
}

/// Ancestor bits of the nodes of one block, one row per node: only the words from the first to
/// the last that may be non-zero are stored, and a row equal to another shares its words.
#[derive(Default)]
struct Rows {
    words: Vec<u64>,
    /// Per row: the first word index, the end word index, and where its words start.
    spans: Vec<(usize, usize, usize)>,
}

impl Rows {
    fn clear(&mut self) {
        self.words.clear();
        self.spans.clear();
    }

    /// True when row `j` has a bit set somewhere.
    fn is_set(&self, j: usize) -> bool {
        self.spans[j].0 < self.spans[j].1
    }

    /// Adds a row equal to row `j`, sharing its words.
    fn push_same_as(&mut self, j: usize) {
        self.spans.push(self.spans[j]);
    }

    /// Adds the row holding bit `own` (when given) and the bits of rows `others`.
    fn push_union(&mut self, own: Option<usize>, others: &[usize]) {
        let own_word = own.map(|bit| bit / 64);
        let spans = &self.spans;
        let lo = others.iter().map(|&j| spans[j].0).chain(own_word).min();
        let hi = others
            .iter()
            .map(|&j| spans[j].1)
            .chain(own_word.map(|w| w + 1))
            .max();
        let (lo, hi) = (lo.unwrap_or(0), hi.unwrap_or(0));
        let at = self.words.len();
        self.words.resize(at + hi.saturating_sub(lo), 0);
        let (done, row) = self.words.split_at_mut(at);
        if let Some(bit) = own {
            row[bit / 64 - lo] |= 1 << (bit % 64);
        }
        for &j in others {
            let (jlo, jhi, jat) = spans[j];
            for (bits, &more) in row[jlo - lo..jhi - lo].iter_mut().zip(&done[jat..]) {
                *bits |= more;
            }
        }
        self.spans.push((lo, hi, at));
    }

    /// Adds to `sum` the path counts of the bits of row `i` that row `base` lacks; false on
    /// overflow.
    fn add_missing<T: Count>(&self, i: usize, base: usize, tables: &[T], sum: &mut T) -> bool {
        let (lo, hi, at) = self.spans[i];
        let (blo, bhi, bat) = self.spans[base];
        for (k, &bits) in self.words[at..at + hi - lo].iter().enumerate() {
            let w = lo + k;
            let known = if (blo..bhi).contains(&w) {
                self.words[bat + w - blo]
            } else {
                0
            };
            let word = bits & !known;
            if word == 0 {
                continue;
            }
            for byte in 0..8 {
                let pattern = ((word >> (byte * 8)) & 0xff) as usize;
                if pattern != 0 && !sum.add(&tables[(w * 8 + byte) * 256 + pattern]) {
                    return false;
                }
            }
        }
        true
    }
}

/// For every node from topological position `columns.start` on, the sum of the path counts of
/// its ancestors-or-self whose position lies in `columns`; `None` on overflow.
///
/// A node's ancestor bits are its own and the union of its referrers'. Its sum starts from the
/// sum of the referrer with the largest one and adds only the bits that referrer lacks, which are
/// few: a path's referrers share most of their ancestors. A node with one referrer needs no
/// scan, and past the block, where it has no bit of its own, not even a row of its own.
fn block_sums<T: Count>(
    dag: &Dag,
    position: &[u32],
    counts: &[T],
    columns: Range<usize>,
    rows: &mut Rows,
) -> Option<Vec<T>> {
    let start = columns.start;
    let tables = subset_sums(
        counts,
        &dag.topo[columns.clone()],
        columns.len().div_ceil(64) * 8,
    )?;
    rows.clear();
    let mut sums: Vec<T> = Vec::with_capacity(dag.topo.len() - start);
    let mut in_block: Vec<usize> = Vec::new();
    for i in 0..dag.topo.len() - start {
        let id = dag.topo[start + i];
        in_block.clear();
        in_block.extend(
            dag.users
                .get(id)
                .iter()
                .filter_map(|&u| (position[u as usize] as usize).checked_sub(start))
                .filter(|&j| rows.is_set(j)),
        );
        let own = (start + i < columns.end).then_some(i);
        let base = in_block
            .iter()
            .copied()
            .reduce(|b, j| if sums[j] > sums[b] { j } else { b });
        if let (None, [j]) = (own, in_block.as_slice()) {
            rows.push_same_as(*j);
            sums.push(sums[*j].clone());
            continue;
        }
        rows.push_union(own, &in_block);
        let mut sum = base.map_or_else(T::zero, |b| sums[b].clone());
        let complete = match (own, base) {
            (_, Some(b)) if in_block.len() > 1 => rows.add_missing(i, b, &tables, &mut sum),
            (Some(_), _) => sum.add(&counts[id as usize]),
            (None, _) => true,
        };
        if !complete {
            return None;
        }
        sums.push(sum);
    }
    Some(sums)
}

/// For each run of 8 ancestors (in topological position order), the sum of their path counts for
/// every subset (a byte of ancestor bits), so that a row of bits is summed a byte at a time.
fn subset_sums<T: Count>(counts: &[T], block: &[u32], bytes: usize) -> Option<Vec<T>> {
    let mut tables = vec![T::zero(); bytes * 256];
    for (k, run) in block.chunks(8).enumerate() {
        let table = &mut tables[k * 256..(k + 1) * 256];
        for pattern in 1..256usize {
            let low = pattern.trailing_zeros() as usize;
            if low >= run.len() {
                continue;
            }
            let mut sum = table[pattern & (pattern - 1)].clone();
            if !sum.add(&counts[run[low] as usize]) {
                return None;
            }
            table[pattern] = sum;
        }
    }
    Some(tables)
}

/// Appends a path's "package name" (see the module documentation): the part after the first
/// `-`, then `-`, then the part before it. Compared as byte strings, names sort in code point
/// order, as Python compares strings.
fn push_package_name(out: &mut String, path: &str) {
    match path.split_once('-') {
        Some((first, rest)) => {
            out.push_str(rest);
            out.push('-');
            out.push_str(first);
        }
        None => out.push_str(path),
    }
}

fn order_by<T: Ord>(pop: &[T], names: &[&str], reached: &[u32]) -> Vec<u32> {
    let mut keys = String::with_capacity(names.iter().map(|n| n.len() + 1).sum());
    let mut ends = Vec::with_capacity(names.len() + 1);
    ends.push(0);
    for name in names {
        push_package_name(&mut keys, name);
        ends.push(keys.len());
    }
    let key = |id: u32| &keys[ends[id as usize]..ends[id as usize + 1]];
    // The first eight bytes of each name, as a number that sorts like them, settle most ties.
    let head = |id: u32| {
        let mut word = [0u8; 8];
        let name = key(id).as_bytes();
        word[..name.len().min(8)].copy_from_slice(&name[..name.len().min(8)]);
        u64::from_be_bytes(word)
    };
    let heads: Vec<u64> = (0..names.len() as u32).map(head).collect();
    let mut order = reached.to_vec();
    order.sort_unstable_by(|&a, &b| {
        pop[b as usize]
            .cmp(&pop[a as usize])
            .then(heads[a as usize].cmp(&heads[b as usize]))
            .then_with(|| key(a).cmp(key(b)))
    });
    let mut in_order = vec![false; names.len()];
    for &id in &order {
        in_order[id as usize] = true;
    }
    order.extend((0..names.len() as u32).filter(|&id| !in_order[id as usize]));
    order
}

/// The popularity-contest order of the nodes of a DAG, most popular first.
///
/// `names[i]` is the store path of node `i` and `refs(i)` the nodes it references (a
/// self-reference is ignored).
pub fn popularity_order<'r>(names: &[&str], refs: impl Fn(u32) -> &'r [u32]) -> Vec<u32> {
    let dag = Dag::new(names.len(), refs);
    if let Some(pop) = popularity::<u64>(&dag) {
        return order_by(&pop, names, &dag.topo);
    }
    if let Some(pop) = popularity::<u128>(&dag) {
        return order_by(&pop, names, &dag.topo);
    }
    let pop = popularity::<BigUint>(&dag).unwrap_or_default();
    order_by(&pop, names, &dag.topo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The script's tree expansion and counter merge, literally, as an oracle for small graphs.
    fn tree_contest(refs: &[Vec<u32>]) -> Vec<u128> {
        fn contest(
            node: usize,
            refs: &[Vec<u32>],
            cache: &mut HashMap<usize, HashMap<usize, u128>>,
        ) -> HashMap<usize, u128> {
            let mut result: HashMap<usize, u128> = HashMap::new();
            for &child in &refs[node] {
                let child = child as usize;
                *result.entry(child).or_default() += 1;
                if !cache.contains_key(&child) {
                    let sub = contest(child, refs, cache);
                    cache.insert(child, sub);
                }
                for (&s, &p) in &cache[&child] {
                    *result.entry(s).or_default() += p + 1;
                }
            }
            result
        }
        let n = refs.len();
        let mut with_root = refs.to_vec();
        let roots: Vec<u32> = (0..n as u32)
            .filter(|&i| !refs.iter().any(|r| r.contains(&i)))
            .collect();
        with_root.push(roots);
        let all = contest(n, &with_root, &mut HashMap::new());
        (0..n).map(|i| all.get(&i).copied().unwrap_or(0)).collect()
    }

    fn dag(refs: &[Vec<u32>]) -> Dag {
        Dag::new(refs.len(), |i| &refs[i as usize])
    }

    fn pops(refs: &[Vec<u32>]) -> Vec<u128> {
        popularity::<u128>(&dag(refs)).unwrap()
    }

    /// The example of the script's header: A→B,G; B→C,E; C→D,E; D→F; E→F.
    fn header_graph() -> Vec<Vec<u32>> {
        vec![
            vec![1, 6],
            vec![2, 4],
            vec![3, 4],
            vec![5],
            vec![5],
            vec![],
            vec![],
        ]
    }

    #[test]
    fn header_example_has_the_documented_popularity() {
        assert_eq!(pops(&header_graph()), vec![1, 2, 3, 4, 5, 9, 2]);
    }

    #[test]
    fn header_example_has_the_documented_order() {
        let names: Vec<String> = "ABCDEFG"
            .chars()
            .map(|c| format!("/nix/store/h{c}-{c}"))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let refs = header_graph();
        let order = popularity_order(&names, |i| &refs[i as usize]);
        let letters: String = order.iter().map(|&i| (b'A' + i as u8) as char).collect();
        assert_eq!(letters, "FEDCBGA");
    }

    #[test]
    fn closed_form_equals_the_tree_merge_on_random_dags() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200 {
            let n = (next() % 14 + 1) as usize;
            let refs: Vec<Vec<u32>> = (0..n)
                .map(|i| {
                    (i + 1..n)
                        .filter(|_| next() % 3 == 0)
                        .map(|j| j as u32)
                        .collect()
                })
                .collect();
            assert_eq!(pops(&refs), tree_contest(&refs), "{refs:?}");
        }
    }

    #[test]
    fn small_blocks_give_the_same_sums() {
        let n = 150u32;
        let refs: Vec<Vec<u32>> = (0..n)
            .map(|i| {
                (i + 1..n.min(i + 3))
                    .chain((i + 7..n).step_by(31))
                    .collect()
            })
            .collect();
        let dag = dag(&refs);
        let one_block = popularity_with::<u128>(&dag, BITSET_WORDS).unwrap();
        let many_blocks = popularity_with::<u128>(&dag, n as usize).unwrap();
        assert_eq!(one_block, many_blocks);
        assert_eq!(one_block, tree_contest(&refs));
        let big = popularity_with::<BigUint>(&dag, n as usize).unwrap();
        assert_eq!(
            big,
            one_block.into_iter().map(BigUint::from).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_ladder_overflows_u128_and_stays_exact() {
        let n = 300;
        let refs: Vec<Vec<u32>> = (0..n)
            .map(|i| ((i + 1)..n.min(i + 3)).map(|j| j as u32).collect())
            .collect();
        assert!(popularity::<u64>(&dag(&refs)).is_none());
        assert!(popularity::<u128>(&dag(&refs)).is_none());
        let big = popularity::<BigUint>(&dag(&refs)).unwrap();
        assert!(big[n - 1].bits() > 128);
        // The bottom of the ladder is the most popular path; the order comes from the big values.
        let names: Vec<String> = (0..n).map(|i| format!("/nix/store/{i:04}-n")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(
            popularity_order(&names, |i| &refs[i as usize])[0],
            n as u32 - 1
        );
        // Path counts along a two-step ladder are Fibonacci numbers: R(i) = F(i + 1).
        let counts = path_counts::<BigUint>(&dag(&refs)).unwrap();
        assert_eq!(counts[10], BigUint::from(89u32));
    }

    fn package_name(path: &str) -> String {
        let mut name = String::new();
        push_package_name(&mut name, path);
        name
    }

    #[test]
    fn package_names_move_the_hash_to_the_end() {
        assert_eq!(
            package_name("/nix/store/abc-glibc-2.40"),
            "glibc-2.40-/nix/store/abc"
        );
        assert_eq!(package_name("nodash"), "nodash");
        // "a-/nix…" against "a-b-/nix…": '/' sorts before 'b' once the names are joined.
        assert!(package_name("/nix/store/z-a") < package_name("/nix/store/y-a-b"));
        assert!(
            package_name("/nix/store/h-é") > package_name("/nix/store/h-z"),
            "code point order"
        );
    }

    #[test]
    fn ties_are_ordered_by_package_name() {
        let order = popularity_order(&["/nix/store/a-zlib", "/nix/store/b-bash"], |_| &[]);
        assert_eq!(order, vec![1, 0]);
    }
}
