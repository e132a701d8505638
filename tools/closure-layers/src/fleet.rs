//! A joint layering of several images (`--fleet`): paths that the same set of images contain form
//! one cohort, and a cohort kept as its own layer is the same blob in every image that keeps it,
//! so a registry stores it once and a host pulls it once.
//!
//! Cohorts are ranked by the bytes sharing saves (`NAR bytes × (images containing it - 1)`, then
//! bytes, then paths). Each image keeps its highest-ranked cohorts as layers, in rank order so
//! that images share leading layers too (equal ChainIDs); when it has more cohorts than its layer
//! budget, the first `available - 1` are kept and the rest of its paths form one last layer of
//! its own. Inside a layer paths are sorted by `(name, hash)` as auto-layer sorts them.
//!
//! A tight budget can make the joint layering pull more than laying out each image alone: a
//! cohort split off for a third image lands in the private last layer of the others. The result
//! is therefore never worse than its baseline: starting from the joint layering, an image takes
//! its own per-image layering instead whenever that lowers the bytes a host running every image
//! pulls, and when laying out every image alone pulls fewer bytes still, that is the result.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::auto::path_key;
use crate::compare::distinct_store_bytes;
use crate::graph::Graph;
use crate::layering::{Layering, PathLayer};

/// One image of the fleet.
pub struct FleetImage<'a> {
    /// The name shown in records (the input file).
    pub name: String,
    /// Its store-path graph.
    pub graph: &'a Graph,
}

/// Which layering an image uses in the fleet's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// The joint layering of the fleet.
    Joint,
    /// The image's own layering, as if laid out alone.
    Alone,
}

impl Choice {
    fn other(self) -> Choice {
        match self {
            Choice::Joint => Choice::Alone,
            Choice::Alone => Choice::Joint,
        }
    }
}

/// One layer of one image in the fleet's result.
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
    /// Which layering the image uses: `joint`, or the per-image algorithm (`auto`,
    /// `popularity`, `pipeline`) when laying it out alone pulls fewer bytes.
    pub layering: &'static str,
}

/// A path's cohort: the images that contain it, as a sorted list of image indices.
type Signature = Vec<usize>;

/// The joint layering: for each image, its layers in order.
pub fn joint_layers(images: &[FleetImage], available: usize) -> Vec<Vec<PathLayer>> {
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
    (0..images.len())
        .map(|i| {
            let mine: Vec<&Vec<&str>> = ranked
                .iter()
                .filter(|(s, _)| s.contains(&i))
                .map(|(_, p)| p)
                .collect();
            within_budget(&mine, available)
                .into_iter()
                .map(|paths| PathLayer {
                    nar_size: bytes_of(&paths),
                    paths: paths.iter().map(|p| p.to_string()).collect(),
                })
                .collect()
        })
        .collect()
}

/// An image's cohorts in rank order as at most `available` layers: the first `available - 1`
/// kept, the rest merged into one last layer.
fn within_budget<'p>(cohorts: &[&Vec<&'p str>], available: usize) -> Vec<Vec<&'p str>> {
    if cohorts.len() <= available {
        return cohorts.iter().map(|p| (*p).clone()).collect();
    }
    let mut layers: Vec<Vec<&str>> = cohorts[..available - 1]
        .iter()
        .map(|p| (*p).clone())
        .collect();
    let mut rest: Vec<&str> = cohorts[available - 1..]
        .iter()
        .flat_map(|p| p.iter().copied())
        .collect();
    rest.sort_by(|a, b| path_key(a).cmp(&path_key(b)));
    layers.push(rest);
    layers
}

/// The distinct layers of several images, with how many images hold each, and their bytes:
/// what a registry stores and a host running every image pulls.
#[derive(Default)]
struct Pool<'a> {
    held: HashMap<&'a [String], (usize, u64)>,
    bytes: u64,
}

impl<'a> Pool<'a> {
    /// The pool of these images' layers.
    fn of<'i>(images: impl IntoIterator<Item = &'i [PathLayer]>) -> Pool<'a>
    where
        'i: 'a,
    {
        let mut pool = Pool::default();
        images.into_iter().for_each(|layers| pool.add(layers));
        pool
    }

    /// Adds one image's layers.
    fn add(&mut self, layers: &'a [PathLayer]) {
        for layer in layers {
            let entry = self
                .held
                .entry(layer.paths.as_slice())
                .or_insert((0, layer.nar_size));
            if entry.0 == 0 {
                self.bytes += entry.1;
            }
            entry.0 += 1;
        }
    }

    /// Removes one image's layers, added before.
    fn remove(&mut self, layers: &'a [PathLayer]) {
        for layer in layers {
            if let Some(entry) = self.held.get_mut(layer.paths.as_slice()) {
                entry.0 -= 1;
                if entry.0 == 0 {
                    self.bytes -= entry.1;
                }
            }
        }
    }

    /// How many images hold a layer.
    fn holders(&self, paths: &[String]) -> usize {
        self.held.get(paths).map_or(0, |entry| entry.0)
    }
}

/// The layers of each image under a choice.
fn chosen<'a>(
    joint: &'a [Vec<PathLayer>],
    alone: &'a [Vec<PathLayer>],
    choice: &[Choice],
) -> Vec<&'a [PathLayer]> {
    choice
        .iter()
        .enumerate()
        .map(|(i, &c)| layers_of(joint, alone, i, c))
        .collect()
}

/// The layers of image `i` under choice `c`.
fn layers_of<'a>(
    joint: &'a [Vec<PathLayer>],
    alone: &'a [Vec<PathLayer>],
    i: usize,
    c: Choice,
) -> &'a [PathLayer] {
    match c {
        Choice::Joint => &joint[i],
        Choice::Alone => &alone[i],
    }
}

/// From `start`, switches one image at a time between its joint and its own layering while
/// that lowers the pulled bytes; returns the choice and its bytes.
fn improve(
    joint: &[Vec<PathLayer>],
    alone: &[Vec<PathLayer>],
    mut choice: Vec<Choice>,
) -> (Vec<Choice>, u64) {
    let layers = |i: usize, c: Choice| layers_of(joint, alone, i, c);
    let mut pool = Pool::of(chosen(joint, alone, &choice));
    let mut improved = true;
    while improved {
        improved = false;
        for (i, current) in choice.iter_mut().enumerate() {
            let before = pool.bytes;
            pool.remove(layers(i, *current));
            pool.add(layers(i, current.other()));
            if pool.bytes < before {
                *current = current.other();
                improved = true;
            } else {
                pool.remove(layers(i, current.other()));
                pool.add(layers(i, *current));
            }
        }
    }
    (choice, pool.bytes)
}

/// For each image, the layering it uses: the best of a search from the joint layering and one
/// from every image alone, the joint one on a tie. Never pulls more than every image alone.
pub fn choose(joint: &[Vec<PathLayer>], alone: &[Vec<PathLayer>]) -> Vec<Choice> {
    let (from_joint, joint_bytes) = improve(joint, alone, vec![Choice::Joint; joint.len()]);
    let (from_alone, alone_bytes) = improve(joint, alone, vec![Choice::Alone; alone.len()]);
    if alone_bytes < joint_bytes {
        from_alone
    } else {
        from_joint
    }
}

/// What the fleet's result pulls against laying out each image alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetSummary {
    /// Always `"summary"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The per-image algorithm compared against.
    pub compared_with: &'static str,
    /// The number of images.
    pub images: usize,
    /// The result: `joint` (every image uses the joint layering), `per_image` (every image is
    /// laid out alone, because the joint layering pulls more) or `mixed`.
    pub chosen: &'static str,
    /// The images that use their own layering in the result.
    pub images_laid_out_alone: usize,
    /// Bytes of distinct layers of the result: what a host running every image pulls.
    pub fleet_pull_bytes: u64,
    /// The same with every image on the joint layering, whether chosen or not.
    pub joint_pull_bytes: u64,
    /// The same with each image laid out alone.
    pub per_image_pull_bytes: u64,
    /// `per_image_pull_bytes - fleet_pull_bytes`: never negative, the result is never worse.
    pub saved_bytes: u64,
    /// Bytes of distinct store paths: the least any layering could pull.
    pub distinct_store_bytes: u64,
}

/// The fleet's result: each image's layers, and the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fleet {
    /// For each image, its layers in order.
    pub layers: Vec<Vec<FleetLayer>>,
    /// The totals.
    pub summary: FleetSummary,
}

/// Lays out the fleet within `available` layers per image, against each image laid out
/// `alone` (same order as `images`).
pub fn plan(images: &[FleetImage], available: usize, alone: &[Layering]) -> Fleet {
    let joint = joint_layers(images, available);
    let own: Vec<Vec<PathLayer>> = alone
        .iter()
        .zip(images)
        .map(|(layering, image)| layering.path_layers(image.graph))
        .collect();
    let choice = choose(&joint, &own);
    let result = chosen(&joint, &own, &choice);
    let pool = Pool::of(result.iter().copied());
    let strategy = alone.first().map_or("auto", |l| l.strategy);
    let layers = images
        .iter()
        .zip(&result)
        .zip(&choice)
        .map(|((image, layers), c)| {
            let layering = match c {
                Choice::Joint => "joint",
                Choice::Alone => strategy,
            };
            records(&image.name, layers, &pool, layering)
        })
        .collect();
    let per_image_pull_bytes = Pool::of(own.iter().map(Vec::as_slice)).bytes;
    let laid_out_alone = choice.iter().filter(|&&c| c == Choice::Alone).count();
    let summary = FleetSummary {
        kind: "summary",
        compared_with: strategy,
        images: images.len(),
        chosen: match laid_out_alone {
            0 => "joint",
            n if n == images.len() => "per_image",
            _ => "mixed",
        },
        images_laid_out_alone: laid_out_alone,
        fleet_pull_bytes: pool.bytes,
        joint_pull_bytes: Pool::of(joint.iter().map(Vec::as_slice)).bytes,
        per_image_pull_bytes,
        saved_bytes: per_image_pull_bytes.saturating_sub(pool.bytes),
        distinct_store_bytes: distinct_store_bytes(images.iter().map(|i| i.graph)),
    };
    Fleet { layers, summary }
}

/// The `"fleet_layer"` records of one image.
fn records(
    image: &str,
    layers: &[PathLayer],
    pool: &Pool,
    layering: &'static str,
) -> Vec<FleetLayer> {
    layers
        .iter()
        .enumerate()
        .map(|(index, layer)| FleetLayer {
            kind: "fleet_layer",
            image: image.to_string(),
            index,
            paths: layer.paths.clone(),
            path_count: layer.paths.len(),
            nar_size_bytes: layer.nar_size,
            images_with_layer: pool.holders(&layer.paths),
            layering,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{graph, store};
    use crate::layering::{Budget, Strategy, lay_out};

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

    /// Each image laid out alone with auto-layer and `max_layers`.
    fn alone(images: &[FleetImage], max_layers: usize) -> Vec<Layering> {
        let budget = Budget {
            max_layers,
            from_image_layers: 0,
        };
        images
            .iter()
            .map(|i| lay_out(i.graph, &Strategy::Auto, budget, &[]).unwrap())
            .collect()
    }

    fn layer(paths: &[&str], nar_size: u64) -> PathLayer {
        PathLayer {
            paths: paths.iter().map(|p| p.to_string()).collect(),
            nar_size,
        }
    }

    #[test]
    fn common_paths_become_common_layers() {
        let (a, b, c) = fleet();
        let images = named([&a, &b, &c]);
        let joint = joint_layers(&images, 10);
        let paths = |i: usize| joint[i].iter().map(|l| l.paths.clone()).collect::<Vec<_>>();
        assert_eq!(
            paths(0),
            vec![vec![store("libc")], vec![store("py")], vec![store("web")]]
        );
        assert_eq!(paths(2), vec![vec![store("libc")], vec![store("cron")]]);
        let fleet = plan(&images, 10, &alone(&images, 11));
        assert_eq!(fleet.summary.chosen, "joint");
        assert_eq!(fleet.layers[0][0].images_with_layer, 3);
        assert_eq!(fleet.layers[1][1].images_with_layer, 2);
        assert_eq!(fleet.layers[1][2].images_with_layer, 1);
        assert_eq!(fleet.layers[1][2].layering, "joint");
    }

    #[test]
    fn the_budget_merges_the_least_shared_cohorts() {
        let (a, b, c) = fleet();
        let images = named([&a, &b, &c]);
        let layers = joint_layers(&images, 2);
        for (image, g) in layers.iter().zip([&a, &b, &c]) {
            assert!(image.len() <= 2);
            assert_eq!(
                image.iter().map(|l| l.paths.len()).sum::<usize>(),
                g.len(),
                "every path placed once"
            );
        }
        assert_eq!(layers[0][1].paths, vec![store("py"), store("web")]);
    }

    #[test]
    fn the_summary_compares_with_each_image_alone() {
        let (a, b, c) = fleet();
        let images = named([&a, &b, &c]);
        let fleet = plan(&images, 2, &alone(&images, 3));
        let s = &fleet.summary;
        assert_eq!(s.distinct_store_bytes, 1535);
        assert_eq!(s.joint_pull_bytes, 1000 + 510 + 520 + 5);
        assert!(s.fleet_pull_bytes <= s.per_image_pull_bytes);
        assert!(s.fleet_pull_bytes <= s.joint_pull_bytes);
        assert!(s.per_image_pull_bytes >= s.distinct_store_bytes);
        assert_eq!(s.saved_bytes, s.per_image_pull_bytes - s.fleet_pull_bytes);
    }

    /// Two images share a large pair and all three a small library; with two layers each, the
    /// joint layering splits the library off for the third image and it lands in the private
    /// last layer of the other two, which pulls more than laying out each image alone.
    #[test]
    fn a_worse_joint_layering_falls_back_to_each_image_alone() {
        let a = graph(&[
            ("zlib", 561, &[]),
            ("lib", 602, &[]),
            ("x", 998, &["zlib", "lib"]),
            ("bash0", 582, &[]),
        ]);
        let b = graph(&[
            ("zlib", 561, &[]),
            ("lib", 602, &[]),
            ("x", 998, &["zlib", "lib"]),
            ("bash2", 564, &[]),
        ]);
        let c = graph(&[("zlib", 561, &[])]);
        let images = named([&a, &b, &c]);
        let fleet = plan(&images, 2, &alone(&images, 3));
        let s = &fleet.summary;
        assert!(s.joint_pull_bytes > s.per_image_pull_bytes, "{s:?}");
        assert_eq!(s.fleet_pull_bytes, s.per_image_pull_bytes);
        assert_eq!(s.saved_bytes, 0);
        assert_eq!(s.chosen, "per_image");
        assert_eq!(s.images_laid_out_alone, 3);
        assert!(fleet.layers.iter().flatten().all(|l| l.layering == "auto"));
    }

    #[test]
    fn images_switch_one_by_one_when_that_pulls_less() {
        let joint = vec![
            vec![layer(&["s"], 100)],
            vec![layer(&["s"], 100)],
            vec![layer(&["p"], 60)],
        ];
        let alone = vec![
            vec![layer(&["t"], 100)],
            vec![layer(&["u"], 100)],
            vec![layer(&["s"], 100)],
        ];
        assert_eq!(
            choose(&joint, &alone),
            [Choice::Joint, Choice::Joint, Choice::Alone]
        );
        let same = vec![vec![layer(&["s"], 100)]; 2];
        assert_eq!(
            choose(&same, &same),
            [Choice::Joint; 2],
            "a tie keeps the joint layering"
        );
    }

    #[test]
    fn the_pool_counts_each_layer_once() {
        let x = [layer(&["a"], 5), layer(&["b"], 7)];
        let y = [layer(&["a"], 5)];
        let mut pool = Pool::of([&x[..], &y[..]]);
        assert_eq!(pool.bytes, 12);
        assert_eq!(pool.holders(&["a".to_string()]), 2);
        pool.remove(&x);
        assert_eq!(pool.bytes, 5);
        assert_eq!(pool.holders(&["b".to_string()]), 0);
    }
}
