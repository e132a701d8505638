//! The `requirements.txt` (no includes: no path) parser on untrusted bytes: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(inventory) = osv_check::inputs::requirements::parse("fuzz", text, None) {
        assert!(inventory.packages.iter().all(|p| p.source == "fuzz"));
    }
});
