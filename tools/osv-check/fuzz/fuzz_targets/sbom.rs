//! The CycloneDX and SPDX readers and the Nix closure reader on any JSON document: they
//! never panic, and what they cannot map is listed, not dropped.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osv_check::inputs::{nix_closure, sbom};

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = sbom::cyclonedx(&doc, "fuzz");
    let _ = sbom::spdx(&doc, "fuzz");
    if nix_closure::is_closure(&doc) {
        let inventory = nix_closure::parse(&doc, "fuzz");
        assert!(!inventory.packages.is_empty() || !inventory.unscanned.is_empty());
    }
});
