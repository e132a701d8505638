//! Judges a generated 5,000-resource plan (instances, volumes, objects and networking spread
//! over nested modules) in process and through the binary, and prints the medians against
//! the 200 ms target, which is for the whole binary; that median is the headline recorded for
//! `make bench`. No other tool judges OCI plans, so there is no peer to compare with. Run with
//! `cargo bench -p oci-budget`.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use oci_budget::budget::Settings;
use oci_budget::document::{Inputs, read_bytes};
use oci_budget::limits::{Account, LimitsData};
use oci_budget::report::{summarize, write};
use serde_json::{Value, json};
use shared::output::RecordWriter;

const RESOURCES: usize = 5_000;
const RUNS: usize = 9;
const TARGET_MS: f64 = 200.0;

fn resource(i: usize) -> Value {
    let module = format!("module.env[\"e{}\"].module.pool[{}]", i % 7, i % 3);
    let (resource_type, after, unknown) = match i % 5 {
        0 => (
            "oci_core_instance",
            json!({"shape": "VM.Standard.A1.Flex", "shape_config": [{"ocpus": 1, "memory_in_gbs": 6}],
                   "source_details": [{"source_type": "image", "boot_volume_size_in_gbs": "50", "source_id": "ocid1.image.oc1..x"}],
                   "availability_domain": "Uocm:EU-FRANKFURT-1-AD-1", "display_name": format!("node-{i}")}),
            json!({"id": true, "shape_config": [{"vcpus": true}], "state": true}),
        ),
        1 => (
            "oci_core_volume",
            json!({"size_in_gbs": "50", "vpus_per_gb": "10", "display_name": format!("v-{i}")}),
            json!({"id": true}),
        ),
        2 => (
            "oci_objectstorage_object",
            json!({"content_length": "1048576", "object": format!("o-{i}"), "storage_tier": "Standard"}),
            json!({"id": true}),
        ),
        3 => (
            "oci_core_subnet",
            json!({"cidr_block": "10.0.1.0/24"}),
            json!({"id": true}),
        ),
        _ => (
            "oci_core_volume_backup",
            json!({"type": "FULL"}),
            json!({"id": true, "size_in_gbs": true}),
        ),
    };
    let address = format!("{module}.{resource_type}.r[{i}]");
    json!({"address": address, "module_address": module, "mode": "managed", "type": resource_type, "name": "r", "index": i,
           "change": {"actions": ["create"], "before": null, "after": after, "after_unknown": unknown,
                      "before_sensitive": false, "after_sensitive": {}}})
}

fn generated_plan() -> Vec<u8> {
    let changes: Vec<Value> = (0..RESOURCES).map(resource).collect();
    let plan = json!({"format_version": "1.2", "terraform_version": "1.8.0", "planned_values": {"root_module": {}},
                      "resource_changes": changes, "complete": true, "errored": false});
    serde_json::to_vec(&plan).unwrap_or_default()
}

fn judge_in_process(bytes: &[u8], data: &LimitsData, settings: &Settings) -> usize {
    let mut inputs = Inputs::default();
    if let Err(err) = read_bytes("bench.json", bytes, &mut inputs) {
        panic!("the generated plan is invalid: {err}");
    }
    let budget = oci_budget::judge_inputs(data, settings, inputs, None);
    let summary = summarize(&budget, settings, &data.compiled);
    let mut out = RecordWriter::new(Vec::new(), false, false);
    if let Err(err) = write(&budget, &summary, None, &mut out) {
        panic!("writing to memory failed: {err}");
    }
    out.finish().map_or(0, |v| v.len())
}

fn run_binary(path: &std::path::Path) -> Duration {
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_oci-budget"))
        .arg(path)
        .args(["--as-of", "2026-11-22"])
        .stdout(Stdio::null())
        .status();
    let elapsed = start.elapsed();
    match status {
        Ok(s) if s.code() == Some(0) || s.code() == Some(1) => elapsed,
        other => panic!("oci-budget failed on the generated plan: {other:?}"),
    }
}

/// Time this thread has spent on a CPU, from Linux's scheduler statistics: unlike wall time it
/// does not grow when other processes share the machine. `None` where it is not available.
fn on_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = text.split_whitespace().next()?.parse::<u64>().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn median_ms(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

fn main() {
    let bytes = generated_plan();
    let data = match LimitsData::embedded() {
        Ok(data) => data,
        Err(err) => panic!("embedded limits: {err}"),
    };
    let settings = Settings {
        as_of: "2026-11-22"
            .parse()
            .unwrap_or_else(|_| oci_budget::date::Date::today()),
        account: Account::Free,
        hours_per_month: 744.0,
        home_region: None,
        source_dir: std::path::PathBuf::from("."),
    };
    let mut cpu = Vec::new();
    let in_process: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let (start, cpu_start) = (Instant::now(), on_cpu());
            let written = judge_in_process(&bytes, &data, &settings);
            assert!(written > 0);
            if let (Some(before), Some(after)) = (cpu_start, on_cpu()) {
                cpu.push(after.saturating_sub(before));
            }
            start.elapsed()
        })
        .collect();
    let mut file = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("temp file: {e}"));
    file.write_all(&bytes)
        .unwrap_or_else(|e| panic!("temp file: {e}"));
    let binary: Vec<Duration> = (0..RUNS).map(|_| run_binary(file.path())).collect();
    println!(
        "oci-budget: generated plan of {RESOURCES} resources ({} KiB), {RUNS} runs each",
        bytes.len() / 1024
    );
    println!(
        "  library (parse + judge + JSON Lines): median {:.1} ms",
        median_ms(in_process)
    );
    if cpu.len() == RUNS {
        println!(
            "  library, time on CPU (load-independent): median {:.1} ms",
            median_ms(cpu)
        );
    }
    let binary_ms = median_ms(binary);
    println!("  binary end to end:                    median {binary_ms:.1} ms");
    println!("  target: under {TARGET_MS} ms; peers: none (no other tool judges OCI plans)");
    let measure = format!("{RESOURCES}-resource plan, binary end to end");
    shared::bench::record(
        "oci-budget",
        &measure,
        format!("{binary_ms:.1} ms"),
        &format!("< {TARGET_MS} ms"),
        binary_ms < TARGET_MS,
    )
    .unwrap_or_else(|e| panic!("write the bench results: {e}"));
}
