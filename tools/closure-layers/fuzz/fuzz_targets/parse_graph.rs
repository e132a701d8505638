//! Untrusted graph JSON: parsing and checking must never panic, and a graph that passes the
//! checks must lay out with every algorithm.
#![no_main]

use closure_layers::graph::Graph;
use closure_layers::layering::{Budget, Strategy, lay_out};
use closure_layers::parse::parse_nodes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(nodes) = parse_nodes("fuzz", data) else { return };
    let Ok(graph) = Graph::from_sources(&[nodes]) else { return };
    for strategy in [Strategy::Auto, Strategy::Popularity] {
        for max_layers in [2, 4, 100] {
            let layering = lay_out(&graph, &strategy, Budget { max_layers, from_image_layers: 0 }, &[]);
            let layers = layering.map(|l| l.layers).unwrap_or_default();
            let placed: usize = layers.iter().map(|l| l.paths.len()).sum();
            assert_eq!(placed, graph.len(), "every path lands in exactly one layer");
        }
    }
});
