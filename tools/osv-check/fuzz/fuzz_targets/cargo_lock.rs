//! The `Cargo.lock` parser on untrusted bytes: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(inventory) = osv_check::inputs::cargo_lock::parse("fuzz", text) {
        assert!(inventory.packages.iter().all(|p| p.source == "fuzz"));
    }
});
