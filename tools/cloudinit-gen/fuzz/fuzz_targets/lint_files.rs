//! Any bytes as user-data, meta-data and network-config: the lint checks must return, never panic.
#![no_main]

use cloudinit_gen::lint::Options;
use cloudinit_gen::seedread::SeedFiles;
use libfuzzer_sys::fuzz_target;

/// No shell is started per input: the targets exercise the readers and checks, not `sh -n`.
const OPTIONS: Options = Options { shell_syntax: false };

fuzz_target!(|data: &[u8]| {
    let mut seed = SeedFiles { kind: "directory", ..SeedFiles::default() };
    for name in ["user-data", "meta-data", "network-config"] {
        seed.files.insert(name.to_string(), data.to_vec());
    }
    let _ = cloudinit_gen::lint::lint_seed("fuzz", &seed, OPTIONS);
});
