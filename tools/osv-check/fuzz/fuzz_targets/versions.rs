//! Arbitrary version strings in every scheme: parsing never panics, and when both parse the
//! order is antisymmetric (a < b exactly when b > a).
#![no_main]

use libfuzzer_sys::fuzz_target;
use osv_check::version::{Scheme, compare};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (a, b) = text.split_once('\n').unwrap_or((text, "1.0.0"));
    for scheme in Scheme::ALL {
        if let (Ok(forward), Ok(backward)) = (compare(scheme, a, b), compare(scheme, b, a)) {
            assert_eq!(forward, backward.reverse(), "{scheme:?}: {a:?} vs {b:?}");
        }
    }
});
