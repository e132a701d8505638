//! The `package-lock.json` parser on untrusted bytes: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(inventory) = osv_check::inputs::npm_lock::parse("fuzz", data) {
        assert!(inventory.packages.iter().all(|p| p.source == "fuzz"));
    }
});
