//! Kubeconfig text: parsing, merging and resolving the current context never panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use talos_wait::kubeconfig::Kubeconfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(config) = Kubeconfig::parse("fuzz", text, Path::new("/nonexistent")) {
        let _ = config.target(None);
    }
});
