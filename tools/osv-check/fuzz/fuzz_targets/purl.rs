//! Package URLs: parsing never panics, and a parsed purl maps to an ecosystem or says why not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(purl) = osv_check::inputs::purl::parse(text) {
        let _ = purl.osv_package();
    }
});
