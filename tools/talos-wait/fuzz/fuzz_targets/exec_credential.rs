//! Exec plugin output: an `ExecCredential` is read without panicking, whatever the plugin prints.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = talos_wait::exec::parse_credential(data);
});
