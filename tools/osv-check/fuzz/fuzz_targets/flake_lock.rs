//! The `flake.lock` reader on any JSON document: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(inventory) = osv_check::inputs::flake_lock::parse(&doc, "fuzz") {
        assert!(inventory.packages.iter().all(|p| p.commit.is_some()));
    }
});
