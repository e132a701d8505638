//! Talosconfig text: parsing, base64 and PEM decoding and key checks never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = talos_wait::talosconfig::parse("fuzz", text, None);
});
