//! API server answers: node lists and the readiness rules, etcd health and `--check` values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use talos_wait::objects::{List, Node};
use talos_wait::readiness::{self, Expect};

fuzz_target!(|data: &[u8]| {
    if let Ok(nodes) = serde_json::from_slice::<List<Node>>(data) {
        let expect = Expect { control_planes: Some(1), workers: Some(2), nodes: vec!["10.0.0.1".parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST.into())] };
        let _ = readiness::registered(&nodes.items, &expect);
        let _ = readiness::nodes_ready(&nodes.items);
        let _ = readiness::kubelets_posting(&nodes.items);
    }
    let _ = talos_wait::extra::etcd_health(200, data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = talos_wait::extra::parse(text);
    }
});
