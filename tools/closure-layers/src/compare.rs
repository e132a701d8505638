//! Comparing layerings: what a new version of an image transfers again (`diff`), and what several
//! images share (`share`). A layer is identified by its ordered list of store paths: nixpkgs
//! archives the same paths in the same order with fixed metadata, so equal lists give equal blobs.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::graph::Graph;
use crate::layering::{Layering, PathLayer};

/// One image: its graph and layers.
pub struct Image<'a> {
    /// The name shown in records (the input file).
    pub name: String,
    /// The store-path graph.
    pub graph: &'a Graph,
    /// Its layers.
    pub layering: &'a Layering,
}

impl Image<'_> {
    /// Each layer's path list with its NAR bytes.
    fn layers(&self) -> Vec<PathLayer> {
        self.layering.path_layers(self.graph)
    }

    /// Every store path with its NAR size.
    fn store(&self) -> HashMap<&str, u64> {
        (0..self.graph.len() as u32)
            .map(|id| (self.graph.path(id), self.graph.nar_size(id)))
            .collect()
    }
}

/// The `diff` of two versions of an image under one algorithm.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct DiffRecord {
    /// Always `"diff"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The layering algorithm.
    pub algorithm: &'static str,
    /// Layers of the old version.
    pub old_layers: usize,
    /// Layers of the new version.
    pub new_layers: usize,
    /// New layers identical to an old one (not transferred again).
    pub kept_layers: usize,
    /// Bytes of the kept layers.
    pub kept_bytes: u64,
    /// New layers that are not in the old version.
    pub changed_layers: usize,
    /// Bytes of the changed layers: what a push or pull transfers.
    pub upload_bytes: u64,
    /// Bytes of store paths that are new or changed: what any layering must transfer.
    pub store_delta_bytes: u64,
    /// Leading layers identical in both, in order (shared ChainIDs, reused snapshots).
    pub common_prefix_layers: usize,
    /// Total NAR bytes of the new version.
    pub new_nar_size_bytes: u64,
}

/// Compares the layers of an old and a new version of an image.
pub fn diff(old: &Image, new: &Image) -> DiffRecord {
    let old_layers = old.layers();
    let new_layers = new.layers();
    let old_set: HashSet<&Vec<String>> = old_layers.iter().map(|l| &l.paths).collect();
    let (kept, changed): (Vec<_>, Vec<_>) =
        new_layers.iter().partition(|l| old_set.contains(&l.paths));
    let old_store = old.store();
    let store_delta_bytes = (0..new.graph.len() as u32)
        .filter(|&id| !old_store.contains_key(new.graph.path(id)))
        .map(|id| new.graph.nar_size(id))
        .sum();
    let common_prefix_layers = old_layers
        .iter()
        .zip(&new_layers)
        .take_while(|(a, b)| a.paths == b.paths)
        .count();
    DiffRecord {
        kind: "diff",
        algorithm: new.layering.strategy,
        old_layers: old_layers.len(),
        new_layers: new_layers.len(),
        kept_layers: kept.len(),
        kept_bytes: kept.iter().map(|l| l.nar_size).sum(),
        changed_layers: changed.len(),
        upload_bytes: changed.iter().map(|l| l.nar_size).sum(),
        store_delta_bytes,
        common_prefix_layers,
        new_nar_size_bytes: new.graph.total_nar_size(),
    }
}

/// What two images share.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct SharePair {
    /// Always `"share_pair"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The first image.
    pub a: String,
    /// The second image.
    pub b: String,
    /// Layers present in both (same ordered path list).
    pub shared_layers: usize,
    /// Bytes of those layers.
    pub shared_layer_bytes: u64,
    /// Bytes of store paths present in both, whatever their layers.
    pub shared_store_bytes: u64,
}

/// What one image costs given the others.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ShareImage {
    /// Always `"share_image"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The image.
    pub image: String,
    /// Its layers.
    pub layers: usize,
    /// Bytes of all its layers: a pull onto an empty host.
    pub nar_size_bytes: u64,
    /// Bytes of its layers that no other image has: a pull onto a host holding the others.
    pub pull_bytes_given_others: u64,
    /// Bytes of its store paths that no other image has: the least any layering could pull.
    pub unique_store_bytes: u64,
}

/// The totals over all images.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ShareSummary {
    /// Always `"summary"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The layering algorithm.
    pub algorithm: &'static str,
    /// The number of images.
    pub images: usize,
    /// Bytes of all layers of all images, counted per image.
    pub total_layer_bytes: u64,
    /// Bytes of distinct layers: what a registry stores and a host holding every image pulled.
    pub distinct_layer_bytes: u64,
    /// Bytes of distinct store paths: the least any layering could store.
    pub distinct_store_bytes: u64,
    /// Layers present in every image.
    pub layers_in_all: usize,
}

/// The full sharing report.
pub struct ShareReport {
    /// One record per pair of images.
    pub pairs: Vec<SharePair>,
    /// One record per image.
    pub images: Vec<ShareImage>,
    /// The totals.
    pub summary: ShareSummary,
}

/// Computes what the images share.
pub fn share(images: &[Image]) -> ShareReport {
    let layers: Vec<Vec<PathLayer>> = images.iter().map(Image::layers).collect();
    let stores: Vec<HashMap<&str, u64>> = images.iter().map(Image::store).collect();
    let layer_sets: Vec<HashSet<&Vec<String>>> = layers
        .iter()
        .map(|ls| ls.iter().map(|l| &l.paths).collect())
        .collect();
    let mut pairs = Vec::new();
    for i in 0..images.len() {
        for j in i + 1..images.len() {
            let shared: Vec<&PathLayer> = layers[i]
                .iter()
                .filter(|l| layer_sets[j].contains(&l.paths))
                .collect();
            pairs.push(SharePair {
                kind: "share_pair",
                a: images[i].name.clone(),
                b: images[j].name.clone(),
                shared_layers: shared.len(),
                shared_layer_bytes: shared.iter().map(|l| l.nar_size).sum(),
                shared_store_bytes: stores[i]
                    .iter()
                    .filter(|(p, _)| stores[j].contains_key(*p))
                    .map(|(_, b)| b)
                    .sum(),
            });
        }
    }
    let per_image = (0..images.len())
        .map(|i| {
            let others = |f: &dyn Fn(usize) -> bool| (0..images.len()).filter(|&j| j != i).any(f);
            ShareImage {
                kind: "share_image",
                image: images[i].name.clone(),
                layers: layers[i].len(),
                nar_size_bytes: layers[i].iter().map(|l| l.nar_size).sum(),
                pull_bytes_given_others: layers[i]
                    .iter()
                    .filter(|l| !others(&|j| layer_sets[j].contains(&l.paths)))
                    .map(|l| l.nar_size)
                    .sum(),
                unique_store_bytes: stores[i]
                    .iter()
                    .filter(|(p, _)| !others(&|j| stores[j].contains_key(*p)))
                    .map(|(_, b)| b)
                    .sum(),
            }
        })
        .collect();
    let mut distinct_layers: HashMap<&Vec<String>, u64> = HashMap::new();
    layers.iter().flatten().for_each(|l| {
        distinct_layers.insert(&l.paths, l.nar_size);
    });
    let in_all: BTreeSet<&Vec<String>> = layer_sets
        .first()
        .map(|first| {
            first
                .iter()
                .filter(|l| layer_sets.iter().all(|s| s.contains(*l)))
                .copied()
                .collect()
        })
        .unwrap_or_default();
    let summary = ShareSummary {
        kind: "summary",
        algorithm: images.first().map_or("auto", |i| i.layering.strategy),
        images: images.len(),
        total_layer_bytes: layers.iter().flatten().map(|l| l.nar_size).sum(),
        distinct_layer_bytes: distinct_layers.values().sum(),
        distinct_store_bytes: distinct_store_bytes(images.iter().map(|i| i.graph)),
        layers_in_all: in_all.len(),
    };
    ShareReport {
        pairs,
        images: per_image,
        summary,
    }
}

/// The bytes of the distinct store paths of several graphs: the least any layering of them
/// stores or pulls.
pub fn distinct_store_bytes<'g>(graphs: impl IntoIterator<Item = &'g Graph>) -> u64 {
    let mut store: HashMap<&str, u64> = HashMap::new();
    for graph in graphs {
        for id in 0..graph.len() as u32 {
            store.insert(graph.path(id), graph.nar_size(id));
        }
    }
    store.values().sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::graph;
    use crate::layering::{Budget, Strategy, lay_out};

    fn lay(g: &Graph, strategy: &Strategy) -> Layering {
        lay_out(
            g,
            strategy,
            Budget {
                max_layers: 100,
                from_image_layers: 0,
            },
            &[],
        )
        .unwrap()
    }

    #[test]
    fn diff_counts_kept_and_changed_layers() {
        let old = graph(&[("app1", 10, &["libc"]), ("libc", 1000, &[])]);
        let new = graph(&[("app2", 12, &["libc"]), ("libc", 1000, &[])]);
        let (lo, ln) = (lay(&old, &Strategy::Auto), lay(&new, &Strategy::Auto));
        let record = diff(
            &Image {
                name: "old".into(),
                graph: &old,
                layering: &lo,
            },
            &Image {
                name: "new".into(),
                graph: &new,
                layering: &ln,
            },
        );
        assert_eq!(record.kept_layers, 1);
        assert_eq!(record.kept_bytes, 1000);
        assert_eq!(record.changed_layers, 1);
        assert_eq!(record.upload_bytes, 12);
        assert_eq!(record.store_delta_bytes, 12);
        assert_eq!(record.common_prefix_layers, 1);
        assert_eq!(record.new_nar_size_bytes, 1012);
    }

    #[test]
    fn share_reports_pairs_images_and_totals() {
        let a = graph(&[("web", 10, &["libc"]), ("libc", 1000, &[])]);
        let b = graph(&[("worker", 20, &["libc"]), ("libc", 1000, &[])]);
        let (la, lb) = (lay(&a, &Strategy::Auto), lay(&b, &Strategy::Auto));
        let images = [
            Image {
                name: "a".into(),
                graph: &a,
                layering: &la,
            },
            Image {
                name: "b".into(),
                graph: &b,
                layering: &lb,
            },
        ];
        let report = share(&images);
        assert_eq!(report.pairs.len(), 1);
        assert_eq!(report.pairs[0].shared_layers, 1);
        assert_eq!(report.pairs[0].shared_layer_bytes, 1000);
        assert_eq!(report.pairs[0].shared_store_bytes, 1000);
        assert_eq!(report.images[0].pull_bytes_given_others, 10);
        assert_eq!(report.images[1].unique_store_bytes, 20);
        assert_eq!(report.summary.total_layer_bytes, 2030);
        assert_eq!(report.summary.distinct_layer_bytes, 1030);
        assert_eq!(report.summary.distinct_store_bytes, 1030);
        assert_eq!(report.summary.layers_in_all, 1);
    }
}
