//! Untrusted inputs of every kind (the first byte picks the file name, so each lockfile
//! parser, the SBOM readers, flake locks, Nix closures and JSON records are reached): errors
//! are fine, panics are not, and every package read has a name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osv_check::inputs::parse_named;

const NAMES: &[&str] = &[
    "",
    "Cargo.lock",
    "package-lock.json",
    "requirements.txt",
    "uv.lock",
    "poetry.lock",
    "go.mod",
    "flake.lock",
    "bom.cdx.json",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let file_name = NAMES[usize::from(selector) % NAMES.len()];
    if let Ok(inventory) = parse_named("fuzz", file_name, bytes, None) {
        for package in &inventory.packages {
            assert_eq!(package.source, "fuzz");
        }
    }
});
