//! Choosing layers: the layer budget of `streamLayeredImage`, the three strategies, and the
//! layers with their sizes.

use anyhow::{Result, bail};

use crate::auto::auto_layers;
use crate::graph::Graph;
use crate::pipeline::{Step, run_pipeline};
use crate::popularity::popularity_order;

/// How store paths are grouped into layers.
#[derive(Debug, Clone, PartialEq)]
pub enum Strategy {
    /// nixpkgs' default since late 2024 (`auto-layer.py`).
    Auto,
    /// The popularity contest with the legacy `maxLayers` split (first paths one per layer,
    /// the rest in the last layer).
    Popularity,
    /// A `layeringPipeline`.
    Pipeline(Vec<Step>),
}

impl Strategy {
    /// The name used in records: `auto`, `popularity` or `pipeline`.
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::Auto => "auto",
            Strategy::Popularity => "popularity",
            Strategy::Pipeline(_) => "pipeline",
        }
    }
}

/// The layer budget of an image, as `streamLayeredImage` counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// `maxLayers`: every layer of the image, the base image's and the customisation layer included.
    pub max_layers: usize,
    /// The layers of `fromImage`.
    pub from_image_layers: usize,
}

impl Budget {
    /// The layers left for store paths: `maxLayers - 1 - fromImageLayers` (the customisation layer
    /// takes one). nixpkgs asserts `maxLayers > 1` and fails when nothing is left.
    pub fn available(&self) -> Result<usize> {
        if self.max_layers < 2 {
            bail!(
                "--max-layers {}: expected more than 1 (one layer is the customisation layer)",
                self.max_layers
            );
        }
        let used = 1 + self.from_image_layers;
        if used >= self.max_layers {
            bail!(
                "--max-layers {} leaves no layer for store paths: the customisation layer and {} base-image layer(s) use {used}",
                self.max_layers,
                self.from_image_layers
            );
        }
        Ok(self.max_layers - used)
    }
}

/// One layer: its paths in archive order, and sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// Graph node ids, in the order nixpkgs lists them.
    pub paths: Vec<u32>,
    /// The sum of the NAR sizes of the layer's paths.
    pub nar_size: u64,
    /// The NAR size of the layer's paths and everything they reference.
    pub closure_size: u64,
}

/// One layer as its ordered list of store paths (equal lists are equal blobs) and NAR bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathLayer {
    /// Store paths, in archive order.
    pub paths: Vec<String>,
    /// The sum of the paths' NAR sizes.
    pub nar_size: u64,
}

/// The layers of one image.
#[derive(Debug, Clone)]
pub struct Layering {
    /// The strategy that chose them.
    pub strategy: &'static str,
    /// The layer budget counted; `None` for a pipeline, which ignores it.
    pub budget: Option<Budget>,
    /// The layers the budget left for store paths; `None` for a pipeline, which ignores it.
    pub available_layers: Option<usize>,
    /// Layers in image order.
    pub layers: Vec<Layer>,
}

impl Layering {
    /// The layers as lists of store paths, the form `streamLayeredImage` reads as `store_layers`.
    pub fn path_lists(&self, graph: &Graph) -> Vec<Vec<String>> {
        self.layers
            .iter()
            .map(|l| {
                l.paths
                    .iter()
                    .map(|&id| graph.path(id).to_string())
                    .collect()
            })
            .collect()
    }

    /// The layers as lists of store paths with their NAR bytes: what identifies a layer's blob
    /// and what pulling it costs.
    pub fn path_layers(&self, graph: &Graph) -> Vec<PathLayer> {
        self.path_lists(graph)
            .into_iter()
            .zip(&self.layers)
            .map(|(paths, layer)| PathLayer {
                paths,
                nar_size: layer.nar_size,
            })
            .collect()
    }
}

/// Lays out `graph` with `strategy` within `budget`; `exclude` names paths left out of the layers
/// (the image's own config and customisation layer, in nixpkgs). Unknown excluded paths are
/// ignored, as nixpkgs ignores them. A pipeline ignores the budget, as `streamLayeredImage` does
/// when given a `layeringPipeline`: the pipeline's own steps (`limit_layers`) bound the layers.
pub fn lay_out(
    graph: &Graph,
    strategy: &Strategy,
    budget: Budget,
    exclude: &[String],
) -> Result<Layering> {
    let mut excluded = vec![false; graph.len()];
    for id in exclude.iter().filter_map(|p| graph.id(p)) {
        excluded[id as usize] = true;
    }
    let (lists, available_layers) = match strategy {
        Strategy::Pipeline(steps) => (run_pipeline(graph, steps, &excluded)?, None),
        Strategy::Auto => {
            let available = budget.available()?;
            (auto_layers(graph, available, &excluded), Some(available))
        }
        Strategy::Popularity => {
            let available = budget.available()?;
            (
                popularity_layers(graph, available, &excluded),
                Some(available),
            )
        }
    };
    let closure_sizes = graph.closure_sizes(&lists);
    let layers = lists
        .into_iter()
        .zip(closure_sizes)
        .map(|(paths, closure_size)| Layer {
            nar_size: graph.size_of(paths.iter().copied()),
            closure_size,
            paths,
        })
        .collect();
    Ok(Layering {
        strategy: strategy.name(),
        budget: available_layers.map(|_| budget),
        available_layers,
        layers,
    })
}

/// The popularity order of the whole graph (excluded paths ranked, then dropped, as the legacy
/// `streamLayeredImage` did), split into `available` layers: the first `available - 1` paths one
/// per layer, the rest in the last.
fn popularity_layers(graph: &Graph, available: usize, excluded: &[bool]) -> Vec<Vec<u32>> {
    let names: Vec<&str> = (0..graph.len() as u32).map(|id| graph.path(id)).collect();
    let ranked: Vec<u32> = popularity_order(&names, |id| graph.refs(id))
        .into_iter()
        .filter(|&id| !excluded[id as usize])
        .collect();
    let singles = available - 1;
    let mut layers: Vec<Vec<u32>> = ranked.iter().take(singles).map(|&id| vec![id]).collect();
    if ranked.len() > singles {
        layers.push(ranked[singles..].to_vec());
    }
    layers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{graph, store};

    #[test]
    fn budget_follows_stream_layered_image() {
        assert_eq!(
            Budget {
                max_layers: 100,
                from_image_layers: 0
            }
            .available()
            .unwrap(),
            99
        );
        assert_eq!(
            Budget {
                max_layers: 100,
                from_image_layers: 10
            }
            .available()
            .unwrap(),
            89
        );
        assert_eq!(
            Budget {
                max_layers: 2,
                from_image_layers: 0
            }
            .available()
            .unwrap(),
            1
        );
        let err = Budget {
            max_layers: 1,
            from_image_layers: 0,
        }
        .available()
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "--max-layers 1: expected more than 1 (one layer is the customisation layer)"
        );
        let err = Budget {
            max_layers: 5,
            from_image_layers: 4,
        }
        .available()
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "--max-layers 5 leaves no layer for store paths: the customisation layer and 4 base-image layer(s) use 5"
        );
    }

    fn chain() -> Graph {
        graph(&[
            ("a", 1, &["b"]),
            ("b", 2, &["c"]),
            ("c", 4, &["d"]),
            ("d", 8, &[]),
        ])
    }

    #[test]
    fn popularity_puts_the_tail_in_the_last_layer() {
        let g = chain();
        let budget = Budget {
            max_layers: 3,
            from_image_layers: 0,
        };
        let layering = lay_out(&g, &Strategy::Popularity, budget, &[]).unwrap();
        let lists = layering.path_lists(&g);
        assert_eq!(
            lists,
            vec![vec![store("d")], vec![store("c"), store("b"), store("a")]]
        );
        assert_eq!(layering.layers[1].nar_size, 7);
        assert_eq!(layering.layers[1].closure_size, 15);
        assert_eq!(layering.layers[0].closure_size, 8);
    }

    #[test]
    fn popularity_ranks_before_excluding() {
        let g = chain();
        let budget = Budget {
            max_layers: 3,
            from_image_layers: 0,
        };
        let layering = lay_out(
            &g,
            &Strategy::Popularity,
            budget,
            &[store("d"), "/nix/store/x-unknown".into()],
        )
        .unwrap();
        assert_eq!(
            layering.path_lists(&g),
            vec![vec![store("c")], vec![store("b"), store("a")]]
        );
    }

    #[test]
    fn a_budget_error_stops_the_algorithms_but_not_a_pipeline() {
        let g = chain();
        let budget = Budget {
            max_layers: 2,
            from_image_layers: 1,
        };
        for strategy in [Strategy::Auto, Strategy::Popularity] {
            assert!(lay_out(&g, &strategy, budget, &[]).is_err());
        }
        let pipeline = Strategy::Pipeline(vec![Step::PopularityContest]);
        let layering = lay_out(&g, &pipeline, budget, &[]).unwrap();
        assert_eq!(
            layering.layers.len(),
            4,
            "one layer per path, whatever maxLayers says"
        );
    }
}
