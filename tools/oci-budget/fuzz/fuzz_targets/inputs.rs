//! Any bytes as an input stream (plans, states, listings, image records): reading and judging
//! them must end in records or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oci_budget::budget::Settings;
use oci_budget::date::Date;
use oci_budget::document::{Inputs, read_bytes};
use oci_budget::limits::{Account, LimitsData};

fuzz_target!(|bytes: &[u8]| {
    let mut inputs = Inputs::default();
    if read_bytes("fuzz.json", bytes, &mut inputs).is_err() {
        return;
    }
    let Ok(data) = LimitsData::embedded() else { return };
    let settings = Settings {
        as_of: Date::from_days_since_epoch(20_619),
        account: Account::Free,
        hours_per_month: 744.0,
        home_region: Some("eu-frankfurt-1".to_string()),
        source_dir: std::path::PathBuf::from("."),
    };
    let budget = oci_budget::judge_inputs(&data, &settings, inputs, None);
    let _ = oci_budget::report::summarize(&budget, &settings, &data.compiled);
});
