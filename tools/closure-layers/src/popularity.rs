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

use num_bigint::BigUint;

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
struct Dag<'a> {
    refs: &'a [Vec<u32>],
    users: Vec<Vec<u32>>,
    topo: Vec<u32>,
}

impl<'a> Dag<'a> {
    fn new(refs: &'a [Vec<u32>]) -> Dag<'a> {
        let mut users = vec![Vec::new(); refs.len()];
        for (id, targets) in refs.iter().enumerate() {
            for &t in targets {
                if t as usize != id {
                    users[t as usize].push(id as u32);
                }
            }
        }
        let topo = kahn(refs, &users);
        Dag { refs, users, topo }
    }
}

/// Referrers before references; nodes on a cycle (impossible in a checked graph) are left out.
fn kahn(refs: &[Vec<u32>], users: &[Vec<u32>]) -> Vec<u32> {
    let mut pending: Vec<usize> = users.iter().map(Vec::len).collect();
    let mut order: Vec<u32> = (0..refs.len() as u32)
        .filter(|&i| pending[i as usize] == 0)
        .collect();
    let mut next = 0;
    while next < order.len() {
        let id = order[next] as usize;
        next += 1;
        for &r in &refs[id] {
            if r as usize == id {
                continue;
            }
            pending[r as usize] -= 1;
            if pending[r as usize] == 0 {
                order.push(r);
            }
        }
    }
    order
}

/// The number of reference paths from any root to each node; `None` on overflow.
fn path_counts<T: Count>(dag: &Dag) -> Option<Vec<T>> {
    let mut counts = vec![T::zero(); dag.refs.len()];
    for &id in &dag.topo {
        if dag.users[id as usize].is_empty() {
            counts[id as usize] = T::one();
        }
        let own = counts[id as usize].clone();
        for &r in &dag.refs[id as usize] {
            if r != id && !counts[r as usize].add(&own) {
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

/// [`popularity`] with at most `budget` words of ancestor bits at once.
fn popularity_with<T: Count>(dag: &Dag, budget: usize) -> Option<Vec<T>> {
    let counts = path_counts::<T>(dag)?;
    let n = dag.topo.len();
    let mut position = vec![u32::MAX; dag.refs.len()];
    for (pos, &id) in dag.topo.iter().enumerate() {
        position[id as usize] = pos as u32;
    }
    let mut pop = vec![T::zero(); dag.refs.len()];
    let blocks = n.div_ceil((budget / n.max(1)).max(1) * 64).max(1);
    let words = n.div_ceil(blocks).div_ceil(64).max(1);
    let block = words * 64;
    let mut bits = vec![0u64; 0];
    // The words of each row that may be non-zero, `lo..hi` (empty when `lo >= hi`): most rows
    // past the block have few ancestors in it, and within the block a node's ancestors come
    // before it in topological order.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    while start < n {
        let end = (start + block).min(n);
        bits.clear();
        bits.resize((n - start) * words, 0);
        spans.clear();
        spans.resize(n - start, (words, 0));
        let tables = subset_sums(&counts, &dag.topo[start..end], words * 8)?;
        for pos in start..n {
            let id = dag.topo[pos] as usize;
            let row = (pos - start) * words;
            let (mut lo, mut hi) = (words, 0);
            if pos < end {
                let own = (pos - start) / 64;
                bits[row + own] |= 1 << ((pos - start) % 64);
                (lo, hi) = (own, own + 1);
            }
            for &u in &dag.users[id] {
                let upos = position[u as usize] as usize;
                if upos < start {
                    continue;
                }
                let (ulo, uhi) = spans[upos - start];
                let urow = (upos - start) * words;
                for w in ulo..uhi {
                    bits[row + w] |= bits[urow + w];
                }
                if ulo < uhi {
                    (lo, hi) = (lo.min(ulo), hi.max(uhi));
                }
            }
            spans[pos - start] = (lo, hi);
            for w in lo..hi {
                let word = bits[row + w];
                if word == 0 {
                    continue;
                }
                for byte in 0..8 {
                    let pattern = ((word >> (byte * 8)) & 0xff) as usize;
                    if pattern != 0 && !pop[id].add(&tables[(w * 8 + byte) * 256 + pattern]) {
                        return None;
                    }
                }
            }
        }
        start = end;
    }
    Some(pop)
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

/// The key paths are ordered by among equal popularity (see the module documentation).
pub fn package_name(path: &str) -> String {
    match path.split_once('-') {
        Some((first, rest)) => format!("{rest}-{first}"),
        None => path.to_string(),
    }
}

fn order_by<T: Ord>(pop: &[T], names: &[&str], reached: &[u32]) -> Vec<u32> {
    let keys: Vec<String> = names.iter().map(|n| package_name(n)).collect();
    let mut order = reached.to_vec();
    order.sort_by(|&a, &b| {
        pop[b as usize]
            .cmp(&pop[a as usize])
            .then_with(|| keys[a as usize].cmp(&keys[b as usize]))
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
/// `refs[i]` are the local indices node `i` references (a self-reference is ignored) and
/// `names[i]` its store path.
pub fn popularity_order(refs: &[Vec<u32>], names: &[&str]) -> Vec<u32> {
    let dag = Dag::new(refs);
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

    fn pops(refs: &[Vec<u32>]) -> Vec<u128> {
        popularity::<u128>(&Dag::new(refs)).unwrap()
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
        let order = popularity_order(&header_graph(), &names);
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
        let dag = Dag::new(&refs);
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
        assert!(popularity::<u64>(&Dag::new(&refs)).is_none());
        assert!(popularity::<u128>(&Dag::new(&refs)).is_none());
        let big = popularity::<BigUint>(&Dag::new(&refs)).unwrap();
        assert!(big[n - 1].bits() > 128);
        // The bottom of the ladder is the most popular path; the order comes from the big values.
        let names: Vec<String> = (0..n).map(|i| format!("/nix/store/{i:04}-n")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(popularity_order(&refs, &names)[0], n as u32 - 1);
        // Path counts along a two-step ladder are Fibonacci numbers: R(i) = F(i + 1).
        let counts = path_counts::<BigUint>(&Dag::new(&refs)).unwrap();
        assert_eq!(counts[10], BigUint::from(89u32));
    }

    #[test]
    fn package_name_moves_the_hash_to_the_end() {
        assert_eq!(
            package_name("/nix/store/abc-glibc-2.40"),
            "glibc-2.40-/nix/store/abc"
        );
        assert_eq!(package_name("nodash"), "nodash");
    }

    #[test]
    fn ties_are_ordered_by_package_name() {
        let refs = vec![vec![], vec![]];
        let order = popularity_order(&refs, &["/nix/store/a-zlib", "/nix/store/b-bash"]);
        assert_eq!(order, vec![1, 0]);
    }
}
