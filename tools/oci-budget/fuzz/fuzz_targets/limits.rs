//! Any text as a `--limits` file: parsing and picking an edition must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oci_budget::date::Date;
use oci_budget::limits::{Account, LimitsData};

fuzz_target!(|text: &str| {
    if let Ok(data) = LimitsData::parse("fuzz.json", text) {
        let _ = data.in_force(Date::from_days_since_epoch(20_619), Account::Paid);
    }
});
