//! Untrusted `layeringPipeline` JSON run on a small fixed graph: errors are fine, panics are not.
#![no_main]

use closure_layers::graph::Graph;
use closure_layers::layering::{Budget, Strategy, lay_out};
use closure_layers::parse::parse_nodes;
use closure_layers::pipeline::parse_pipeline;
use libfuzzer_sys::fuzz_target;

const GRAPH: &str = r#"[
  {"path": "/nix/store/a-app", "narSize": 50, "references": ["/nix/store/l-lib", "/nix/store/t-tool"]},
  {"path": "/nix/store/d-docs", "narSize": 5, "references": []},
  {"path": "/nix/store/l-lib", "narSize": 30, "references": ["/nix/store/c-libc"]},
  {"path": "/nix/store/c-libc", "narSize": 100, "references": []},
  {"path": "/nix/store/t-tool", "narSize": 20, "references": ["/nix/store/l-lib", "/nix/store/t-tool"]}
]"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(steps) = parse_pipeline(text) else { return };
    let Ok(nodes) = parse_nodes("graph", GRAPH.as_bytes()) else { return };
    let Ok(graph) = Graph::from_sources(&[nodes]) else { return };
    let _ = lay_out(&graph, &Strategy::Pipeline(steps), Budget { max_layers: 100, from_image_layers: 0 }, &[]);
});
