//! Any bytes as a seed image or OCI metadata: the readers and checks must return, never panic.
#![no_main]

use cloudinit_gen::lint::Options;
use libfuzzer_sys::fuzz_target;

/// No shell is started per input: the targets exercise the readers and checks, not `sh -n`.
const OPTIONS: Options = Options { shell_syntax: false };

fuzz_target!(|data: &[u8]| {
    if let Ok(seed) = cloudinit_gen::seedread::read_iso(data) {
        let _ = cloudinit_gen::lint::lint_seed("fuzz.iso", &seed, OPTIONS);
    }
    if let Ok(seed) = cloudinit_gen::seedread::read_bytes(data.to_vec()) {
        let _ = cloudinit_gen::lint::lint_seed("fuzz", &seed, OPTIONS);
    }
});
