//! The size-cohort layering nixpkgs uses by default (`pkgs/build-support/docker/auto-layer.py`).
//!
//! Every path is labelled with the set of "primary" paths whose layer it belongs to; paths with
//! the same label form one layer. Candidates are taken largest NAR first (equal sizes: the later
//! path in path order first). A new primary `c` labels itself `{c}`; each dependency `d` of `c`
//! loses the primaries that use `c`, and gains `c` unless its label still holds a dependency of
//! `c`. The first candidate that would make more distinct labels than the limit ends the loop
//! (its change is dropped), which is why fewer layers than the limit are common.
//!
//! Inside a layer paths are sorted by `(name, "/nix/store/<hash>")`, splitting each path at its
//! first `-`. Layers are ordered by closure size (NAR bytes of the layer and everything it
//! references). nixpkgs breaks ties in closure size by Python's set iteration order, which depends
//! on the hash seed; here ties are ordered by the layers' path lists (each sorted as in the
//! layer), compared path by path with the same `(name, hash)` key, not as whole path strings, so
//! the output is the same on every run.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::graph::{Graph, Marks};

/// The sort key of a path inside a layer: `(name, hash part)` split at the first `-`.
pub fn path_key(path: &str) -> (&str, &str) {
    match path.split_once('-') {
        Some((hash, name)) => (name, hash),
        None => ("", path),
    }
}

/// Labels (sets of primary paths), interned, with how many paths carry each.
struct Labels {
    sets: Vec<Vec<u32>>,
    lookup: HashMap<Vec<u32>, u32>,
    count: Vec<usize>,
    distinct: usize,
}

impl Labels {
    fn new(paths: usize) -> Labels {
        Labels {
            sets: vec![Vec::new()],
            lookup: HashMap::from([(Vec::new(), 0)]),
            count: vec![paths],
            distinct: 1,
        }
    }

    fn intern(&mut self, set: Vec<u32>) -> u32 {
        if let Some(&id) = self.lookup.get(&set) {
            return id;
        }
        let id = self.sets.len() as u32;
        self.sets.push(set.clone());
        self.lookup.insert(set, id);
        self.count.push(0);
        id
    }

    fn relabel(&mut self, from: u32, to: u32) {
        self.count[from as usize] -= 1;
        if self.count[from as usize] == 0 {
            self.distinct -= 1;
        }
        if self.count[to as usize] == 0 {
            self.distinct += 1;
        }
        self.count[to as usize] += 1;
    }
}

/// Everything reachable from `start` along `next`, `start` excluded, marked in `marks`.
fn reach<'g>(start: u32, next: impl Fn(u32) -> &'g [u32], marks: &mut Marks) -> Vec<u32> {
    marks.next_epoch();
    marks.mark(start);
    let mut found = Vec::new();
    let mut stack = vec![start];
    while let Some(id) = stack.pop() {
        for &n in next(id) {
            if marks.mark(n) {
                found.push(n);
                stack.push(n);
            }
        }
    }
    found
}

/// The label of every path after the main loop, as indices into `Labels::sets`.
fn assign_labels(graph: &Graph, limit: usize) -> Vec<u32> {
    let n = graph.len();
    let mut candidates: Vec<u32> = (0..n as u32).collect();
    candidates.sort_by_key(|&id| graph.nar_size(id));
    let mut labels = Labels::new(n);
    let mut assign = vec![0u32; n];
    let mut deps_marks = Marks::new(n);
    let mut users_marks = Marks::new(n);
    let mut changes: Vec<(u32, u32)> = Vec::new();
    let mut memo: HashMap<u32, u32> = HashMap::new();
    for &c in candidates.iter().rev() {
        let deps = reach(c, |id| graph.refs(id), &mut deps_marks);
        reach(c, |id| graph.users(id), &mut users_marks);
        deps_marks.mark(c);
        changes.clear();
        memo.clear();
        let own = labels.intern(vec![c]);
        changes.push((c, assign[c as usize]));
        labels.relabel(assign[c as usize], own);
        assign[c as usize] = own;
        for &d in &deps {
            let old = assign[d as usize];
            let new = match memo.get(&old) {
                Some(&new) => new,
                None => {
                    let new = relabelled(&labels.sets[old as usize], c, &deps_marks, &users_marks);
                    let new = labels.intern(new);
                    memo.insert(old, new);
                    new
                }
            };
            changes.push((d, old));
            labels.relabel(old, new);
            assign[d as usize] = new;
        }
        if labels.distinct > limit {
            for &(id, old) in changes.iter().rev() {
                labels.relabel(assign[id as usize], old);
                assign[id as usize] = old;
            }
            break;
        }
    }
    assign
}

/// A dependency's new label: the old one without users of `c`, plus `c` unless it still holds a
/// dependency of `c`. Both mark sets also hold `c` itself, which no old label contains.
fn relabelled(old: &[u32], c: u32, deps_marks: &Marks, users_marks: &Marks) -> Vec<u32> {
    let mut set: Vec<u32> = old
        .iter()
        .copied()
        .filter(|&p| !users_marks.is_marked(p))
        .collect();
    if !set.iter().any(|&p| deps_marks.is_marked(p) && p != c) {
        if let Err(at) = set.binary_search(&c) {
            set.insert(at, c);
        }
    }
    set
}

/// Orders two layers' sorted path lists by `(name, hash)`, path by path.
fn compare_paths(graph: &Graph, a: &[u32], b: &[u32]) -> Ordering {
    let keys = |l: &[u32]| {
        l.iter()
            .map(|&id| path_key(graph.path(id)))
            .collect::<Vec<_>>()
    };
    keys(a).cmp(&keys(b))
}

/// The layers of `auto-layer.py` for `limit` available layers, with `ignored` paths dropped
/// afterwards (they still count while the layers are chosen, as in nixpkgs).
pub fn auto_layers(graph: &Graph, limit: usize, ignored: &[bool]) -> Vec<Vec<u32>> {
    let assign = assign_labels(graph, limit);
    let mut groups: HashMap<u32, Vec<u32>> = HashMap::new();
    for (id, &label) in assign.iter().enumerate() {
        groups.entry(label).or_default().push(id as u32);
    }
    let mut lists: Vec<Vec<u32>> = groups.into_values().collect();
    for paths in &mut lists {
        paths.sort_by_cached_key(|&id| path_key(graph.path(id)));
    }
    let mut layers: Vec<(u64, Vec<u32>)> =
        graph.closure_sizes(&lists).into_iter().zip(lists).collect();
    layers.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| compare_paths(graph, &a.1, &b.1)));
    layers
        .into_iter()
        .map(|(_, paths)| {
            paths
                .into_iter()
                .filter(|&id| !ignored[id as usize])
                .collect::<Vec<u32>>()
        })
        .filter(|paths| !paths.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{graph, store};

    fn names(g: &Graph, layers: &[Vec<u32>]) -> Vec<Vec<String>> {
        layers
            .iter()
            .map(|l| {
                l.iter()
                    .map(|&id| {
                        g.path(id)
                            .trim_start_matches("/nix/store/")
                            .split('-')
                            .next()
                            .unwrap_or("")
                            .to_string()
                    })
                    .collect()
            })
            .collect()
    }

    /// Two apps over a shared library over libc: the worked case of the script's comments.
    fn two_apps() -> Graph {
        graph(&[
            ("app1", 500, &["lib", "libc"]),
            ("app2", 400, &["lib"]),
            ("lib", 300, &["libc"]),
            ("libc", 1000, &[]),
            ("top", 1, &["app1", "app2"]),
        ])
    }

    #[test]
    fn everything_gets_a_layer_when_the_limit_allows() {
        let g = two_apps();
        let layers = auto_layers(&g, 100, &[false; 5]);
        assert_eq!(
            names(&g, &layers),
            [
                vec!["libc"],
                vec!["lib"],
                vec!["app2"],
                vec!["app1"],
                vec!["top"]
            ]
        );
    }

    #[test]
    fn the_first_candidate_over_the_limit_stops_the_loop() {
        let g = two_apps();
        // libc (its own layer + the rest) = 2 labels; app1 would make 3.
        let layers = auto_layers(&g, 2, &[false; 5]);
        assert_eq!(
            names(&g, &layers),
            [vec!["libc"], vec!["app1", "app2", "lib", "top"]]
        );
        let layers = auto_layers(&g, 1, &[false; 5]);
        assert_eq!(
            names(&g, &layers),
            [vec!["app1", "app2", "lib", "libc", "top"]]
        );
    }

    #[test]
    fn dependencies_used_only_by_a_primary_join_its_layer() {
        let g = graph(&[
            ("app", 1000, &["dep"]),
            ("dep", 10, &[]),
            ("other", 500, &[]),
        ]);
        // app → {app, dep}; other → {other}; nothing left for the empty label.
        let layers = auto_layers(&g, 2, &[false; 3]);
        assert_eq!(names(&g, &layers), [vec!["other"], vec!["app", "dep"]]);
    }

    #[test]
    fn ignored_paths_count_but_are_dropped() {
        let g = two_apps();
        let mut ignored = [false; 5];
        ignored[g.id(&store("top")).unwrap() as usize] = true;
        let layers = auto_layers(&g, 100, &ignored);
        assert_eq!(layers.len(), 4);
        assert!(
            layers
                .iter()
                .flatten()
                .all(|&id| g.path(id) != store("top"))
        );
    }

    #[test]
    fn every_path_is_in_exactly_one_layer() {
        let g = two_apps();
        for limit in 1..7 {
            let layers = auto_layers(&g, limit, &[false; 5]);
            assert!(layers.len() <= limit);
            let mut all: Vec<u32> = layers.concat();
            all.sort_unstable();
            assert_eq!(all, (0..5).collect::<Vec<u32>>());
        }
    }

    #[test]
    fn ties_in_closure_size_are_ordered_by_name_then_hash() {
        // Whole paths would put hash `a` first; names put `aaa-…` (hash `b`) first.
        let g = graph(&[
            ("a-zzz", 10, &[]),
            ("b-aaa", 10, &[]),
            ("top", 1, &["a-zzz", "b-aaa"]),
        ]);
        let layers = auto_layers(&g, 100, &[false; 3]);
        assert_eq!(names(&g, &layers), [vec!["b"], vec!["a"], vec!["top"]]);
    }

    #[test]
    fn path_key_splits_at_the_first_dash() {
        assert_eq!(
            path_key("/nix/store/abc-glibc-2.40"),
            ("glibc-2.40", "/nix/store/abc")
        );
    }
}
