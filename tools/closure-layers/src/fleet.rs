//! A joint layering of several images (`--fleet`): paths that the same set of images contain form
//! one cohort, and a cohort kept as its own layer is the same blob in every image that keeps it,
//! so a registry stores it once and a host pulls it once.
//!
//! Cohorts are ranked by the bytes sharing saves (`NAR bytes × (images containing it - 1)`, then
//! bytes, then paths). Each image keeps its highest-ranked cohorts as layers, in rank order so
//! that images share leading layers too (equal ChainIDs); when it has more cohorts than its layer
//! budget, the first `available - 1` are kept and the rest of its paths form one last layer of
//! its own. Inside a layer paths are sorted by `(name, hash)` as auto-layer sorts them.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::auto::path_key;
use crate::graph::Graph;
use crate::layering::Layering;

/// One image of the fleet.
pub struct FleetImage<'a> {
    /// The name shown in records (the input file).
    pub name: String,
    /// Its store-path graph.
    pub graph: &'a Graph,
}

/// One layer of one image in the joint layering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetLayer {
    /// Always `"fleet_layer"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The image.
    pub image: String,
    /// The position of the layer in the image, from 0.
    pub index: usize,
    /// Store paths, in archive order.
    pub paths: Vec<String>,
    /// The number of paths.
    pub path_count: usize,
    /// The sum of the paths' NAR sizes.
    pub nar_size_bytes: u64,
    /// How many images of the fleet have this exact layer.
    pub images_with_layer: usize,
}

/// A path's cohort: the images that contain it, as a sorted list of image indices.
type Signature = Vec<usize>;

/// The joint layering: for each image, its layers in order.
pub fn fleet_layers(images: &[FleetImage], available: usize) -> Vec<Vec<FleetLayer>> {
    let mut sizes: HashMap<&str, u64> = HashMap::new();
    let mut holders: BTreeMap<&str, Signature> = BTreeMap::new();
    for (i, image) in images.iter().enumerate() {
        for id in 0..image.graph.len() as u32 {
            let path = image.graph.path(id);
            sizes.insert(path, image.graph.nar_size(id));
            holders.entry(path).or_default().push(i);
        }
    }
    let mut cohorts: BTreeMap<Signature, Vec<&str>> = BTreeMap::new();
    for (path, signature) in holders {
        cohorts.entry(signature).or_default().push(path);
    }
    let bytes_of = |paths: &[&str]| paths.iter().map(|p| sizes[p]).sum::<u64>();
    let mut ranked: Vec<(Signature, Vec<&str>)> = cohorts.into_iter().collect();
    for (_, paths) in &mut ranked {
        paths.sort_by(|a, b| path_key(a).cmp(&path_key(b)));
    }
    ranked.sort_by(|(sa, pa), (sb, pb)| {
        let saved = |s: &Signature, p: &[&str]| bytes_of(p) * (s.len() as u64 - 1);
        saved(sb, pb)
            .cmp(&saved(sa, pa))
            .then(bytes_of(pb).cmp(&bytes_of(pa)))
            .then(pa.cmp(pb))
    });
    let per_image: Vec<Vec<Vec<&str>>> = (0..images.len())
        .map(|i| {
            let mine: Vec<&Vec<&str>> = ranked
                .iter()
                .filter(|(s, _)| s.contains(&i))
                .map(|(_, p)| p)
                .collect();
            if mine.len() <= available {
                return mine.into_iter().cloned().collect();
            }
            let mut layers: Vec<Vec<&str>> =
                mine[..available - 1].iter().map(|p| (*p).clone()).collect();
            let mut rest: Vec<&str> = mine[available - 1..]
                .iter()
                .flat_map(|p| p.iter().copied())
                .collect();
            rest.sort_by(|a, b| path_key(a).cmp(&path_key(b)));
            layers.push(rest);
            layers
        })
        .collect();
    let mut count: HashMap<&Vec<&str>, usize> = HashMap::new();
    per_image
        .iter()
        .flatten()
        .for_each(|l| *count.entry(l).or_default() += 1);
    per_image
        .iter()
        .zip(images)
        .map(|(layers, image)| {
            layers
                .iter()
                .enumerate()
                .map(|(index, paths)| FleetLayer {
                    kind: "fleet_layer",
                    image: image.name.clone(),
                    index,
                    paths: paths.iter().map(|p| p.to_string()).collect(),
                    path_count: paths.len(),
                    nar_size_bytes: bytes_of(paths),
                    images_with_layer: count[paths],
                })
                .collect()
        })
        .collect()
}

/// What the joint layering saves against laying out each image alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetSummary {
    /// Always `"summary"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The per-image algorithm compared against.
    pub compared_with: &'static str,
    /// The number of images.
    pub images: usize,
    /// Bytes of distinct layers with the joint layering: what a host running every image pulls.
    pub fleet_pull_bytes: u64,
    /// The same with each image laid out alone.
    pub per_image_pull_bytes: u64,
    /// `per_image_pull_bytes - fleet_pull_bytes` (negative when the joint layering is worse).
    pub saved_bytes: i128,
    /// Bytes of distinct store paths: the least any layering could pull.
    pub distinct_store_bytes: u64,
}

/// The bytes of distinct layers (by ordered path list) over all images.
fn distinct_bytes<'a>(layers: impl IntoIterator<Item = (&'a [String], u64)>) -> u64 {
    let mut seen: HashMap<&[String], u64> = HashMap::new();
    for (paths, bytes) in layers {
        seen.insert(paths, bytes);
    }
    seen.values().sum()
}

/// Compares the joint layering with each image laid out `alone` (same order as `images`).
pub fn summarize(
    images: &[FleetImage],
    joint: &[Vec<FleetLayer>],
    alone: &[Layering],
) -> FleetSummary {
    let alone_lists: Vec<(Vec<Vec<String>>, Vec<u64>)> = alone
        .iter()
        .zip(images)
        .map(|(l, image)| {
            (
                l.path_lists(image.graph),
                l.layers.iter().map(|x| x.nar_size).collect(),
            )
        })
        .collect();
    let per_image_pull_bytes = distinct_bytes(
        alone_lists
            .iter()
            .flat_map(|(lists, sizes)| lists.iter().map(Vec::as_slice).zip(sizes.iter().copied())),
    );
    let fleet_pull_bytes = distinct_bytes(
        joint
            .iter()
            .flatten()
            .map(|l| (l.paths.as_slice(), l.nar_size_bytes)),
    );
    let mut store: HashMap<&str, u64> = HashMap::new();
    for image in images {
        for id in 0..image.graph.len() as u32 {
            store.insert(image.graph.path(id), image.graph.nar_size(id));
        }
    }
    FleetSummary {
        kind: "summary",
        compared_with: alone.first().map_or("auto", |l| l.strategy),
        images: images.len(),
        fleet_pull_bytes,
        per_image_pull_bytes,
        saved_bytes: i128::from(per_image_pull_bytes) - i128::from(fleet_pull_bytes),
        distinct_store_bytes: store.values().sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{graph, store};

    fn fleet() -> (Graph, Graph, Graph) {
        let a = graph(&[
            ("web", 10, &["py", "libc"]),
            ("py", 500, &["libc"]),
            ("libc", 1000, &[]),
        ]);
        let b = graph(&[
            ("worker", 20, &["py"]),
            ("py", 500, &["libc"]),
            ("libc", 1000, &[]),
        ]);
        let c = graph(&[("cron", 5, &["libc"]), ("libc", 1000, &[])]);
        (a, b, c)
    }

    /// The three fleet graphs as images named `a`, `b` and `c`.
    fn named<'g>(graphs: [&'g Graph; 3]) -> [FleetImage<'g>; 3] {
        let [a, b, c] = graphs;
        [("a", a), ("b", b), ("c", c)].map(|(name, graph)| FleetImage {
            name: name.into(),
            graph,
        })
    }

    #[test]
    fn common_paths_become_common_layers() {
        let (a, b, c) = fleet();
        let images = named([&a, &b, &c]);
        let layers = fleet_layers(&images, 10);
        let paths = |i: usize| {
            layers[i]
                .iter()
                .map(|l| l.paths.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            paths(0),
            vec![vec![store("libc")], vec![store("py")], vec![store("web")]]
        );
        assert_eq!(paths(2), vec![vec![store("libc")], vec![store("cron")]]);
        assert_eq!(layers[0][0].images_with_layer, 3);
        assert_eq!(layers[1][1].images_with_layer, 2);
        assert_eq!(layers[1][2].images_with_layer, 1);
    }

    #[test]
    fn the_budget_merges_the_least_shared_cohorts() {
        let (a, b, c) = fleet();
        let images = named([&a, &b, &c]);
        let layers = fleet_layers(&images, 2);
        for (image, g) in layers.iter().zip([&a, &b, &c]) {
            assert!(image.len() <= 2);
            assert_eq!(
                image.iter().map(|l| l.path_count).sum::<usize>(),
                g.len(),
                "every path placed once"
            );
        }
        assert_eq!(layers[0][1].paths, vec![store("py"), store("web")]);
    }

    #[test]
    fn the_summary_compares_with_each_image_alone() {
        use crate::layering::{Budget, Strategy, lay_out};
        let (a, b, c) = fleet();
        let images = named([&a, &b, &c]);
        let budget = Budget {
            max_layers: 3,
            from_image_layers: 0,
        };
        let alone: Vec<Layering> = [&a, &b, &c]
            .iter()
            .map(|g| lay_out(g, &Strategy::Auto, budget, &[]).unwrap())
            .collect();
        let joint = fleet_layers(&images, 2);
        let summary = summarize(&images, &joint, &alone);
        assert_eq!(summary.distinct_store_bytes, 1535);
        assert_eq!(summary.fleet_pull_bytes, 1000 + 510 + 520 + 5);
        assert!(summary.per_image_pull_bytes >= summary.distinct_store_bytes);
        assert_eq!(
            summary.saved_bytes,
            i128::from(summary.per_image_pull_bytes) - i128::from(summary.fleet_pull_bytes)
        );
    }

    #[test]
    fn distinct_bytes_count_each_layer_once() {
        let x = ["a".to_string()];
        let y = ["b".to_string()];
        assert_eq!(distinct_bytes([(&x[..], 5), (&x[..], 5), (&y[..], 7)]), 12);
    }
}
