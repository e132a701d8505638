//! Any bytes as a spec stream: parsing, validation and rendering must return, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(specs) = cloudinit_gen::spec::parse_specs("fuzz.json", data) {
        for spec in specs {
            if spec.users.iter().any(|u| u.password.is_some()) {
                continue;
            }
            if let Ok(seed) = cloudinit_gen::seed::render(&spec) {
                let _ = cloudinit_gen::records::image(&seed, "iso9660", 0);
            }
        }
    }
});
