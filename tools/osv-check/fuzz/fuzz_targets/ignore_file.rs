//! Untrusted `osv-scanner.toml` ignore files: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osv_check::ignore::Rules;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Rules::load("fuzz", text);
    }
});
