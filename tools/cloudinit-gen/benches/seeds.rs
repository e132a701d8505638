//! 1,000 machine specs (JSON Lines) to seeds: parse + validate + render the three files, and
//! the same plus an ISO 9660 or FAT image per machine. Targets: each under one second for the
//! 1,000 (1 ms per machine, spec to image), and an ISO seed at least 50 times faster than the
//! peer, `cloud-localds` (genisoimage; about 58 ms per ISO on a 2-core machine), which is timed
//! here when installed. Run with `cargo bench -p cloudinit-gen`; the headlines also go to the
//! `make bench` table.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use cloudinit_gen::{records, seed, spec};

const MACHINES: usize = 1_000;
const RUNS: usize = 5;
/// The target for 1,000 machines, in milliseconds.
const TARGET_MS: u32 = 1_000;
/// How many times faster than `cloud-localds` an ISO seed must be made.
const PEER_FACTOR: f64 = 50.0;
const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEmKTJ0/KN+UcKDAmJL4xKVRNDJNBqUWl4OCyVGgh8SP me@laptop";

fn specs() -> String {
    (0..MACHINES)
        .map(|i| {
            serde_json::json!({
                "hostname": format!("node-{i}"),
                "ssh_authorized_keys": [KEY],
                "users": [{"name": "ops", "groups": ["wheel"], "ssh_authorized_keys": [KEY]}],
                "packages": ["qemu-guest-agent", "curl"],
                "write_files": [{"path": "/etc/motd", "content": format!("node {i}\n")}],
                "runcmd": ["systemctl enable --now qemu-guest-agent"],
                "network": {"interfaces": [{"name": "eth0", "mac": format!("52:54:00:00:{:02x}:{:02x}", i / 256, i % 256),
                    "addresses": [format!("10.1.{}.{}/16", i / 250, i % 250 + 1)], "gateway4": "10.1.0.1",
                    "nameservers": ["10.1.0.1"]}]}
            })
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Median wall time of `RUNS` runs of `body`, printed with the target.
fn measure(label: &str, mut body: impl FnMut()) -> Duration {
    let samples: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            body();
            start.elapsed()
        })
        .collect();
    let m = median(samples);
    println!(
        "{label}: median {:.1} ms over {RUNS} runs (target < {TARGET_MS} ms)",
        ms(m)
    );
    m
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Appends one headline to the `make bench` table.
fn record(measure: &str, value: String, target: &str, met: bool) {
    shared::bench::record("cloudinit-gen", measure, value, target, met)
        .expect("write the bench results");
}

/// Records a 1,000-machine figure against the one-second target.
fn record_thousand(measure: &str, elapsed: Duration) {
    record(
        measure,
        format!("{:.0} ms", ms(elapsed)),
        "< 1000 ms",
        ms(elapsed) < TARGET_MS as f64,
    );
}

fn seeds(text: &[u8]) -> Vec<seed::Seed> {
    let specs = spec::parse_specs("bench.jsonl", text).unwrap_or_default();
    specs.iter().filter_map(|s| seed::render(s).ok()).collect()
}

/// Median time `cloud-localds` takes for one ISO from the seed's files, or `None` when it is
/// not installed.
fn peer(one: &seed::Seed) -> Option<Duration> {
    let dir = tempfile::tempdir().ok()?;
    for file in &one.files {
        std::fs::write(dir.path().join(file.name), &file.content).ok()?;
    }
    let run = || {
        Command::new("cloud-localds")
            .current_dir(dir.path())
            .args(["-N", "network-config", "seed.iso", "user-data", "meta-data"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !run() {
        println!("peer cloud-localds: not installed (Debian package cloud-image-utils), skipped");
        return None;
    }
    let samples: Vec<Duration> = (0..20)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    let m = median(samples);
    println!(
        "peer cloud-localds: median {:.2} ms per ISO, {:.0} ms per {MACHINES} (extrapolated)",
        ms(m),
        ms(m) * MACHINES as f64
    );
    Some(m)
}

fn main() {
    let text = specs();
    println!(
        "input: {MACHINES} specs, {} bytes of JSON Lines",
        text.len()
    );
    let rendered = seeds(text.as_bytes());
    assert_eq!(rendered.len(), MACHINES, "every generated spec is valid");
    let render = measure("parse + validate + render 1,000 seeds", || {
        black_box(seeds(black_box(text.as_bytes())));
    });
    record_thousand("1,000 specs to seed files", render);
    let iso = measure("same + 1,000 ISO 9660 images", || {
        for s in seeds(text.as_bytes()) {
            black_box(records::image(&s, "iso9660", 0).ok());
        }
    });
    record_thousand("1,000 specs to ISO 9660 seeds", iso);
    let vfat = measure("same + 1,000 vfat images", || {
        for s in seeds(text.as_bytes()) {
            black_box(records::image(&s, "vfat", 0).ok());
        }
    });
    record_thousand("1,000 specs to vfat seeds", vfat);
    let per_iso = iso / MACHINES as u32;
    let target = format!(">= {PEER_FACTOR:.0}x faster");
    match peer(&rendered[0]) {
        Some(theirs) => {
            let factor = theirs.as_secs_f64() / per_iso.as_secs_f64();
            println!(
                "one ISO seed from its spec: {:.3} ms, {factor:.0}x faster than cloud-localds (target {target})",
                ms(per_iso)
            );
            record(
                &format!("ISO seed vs cloud-localds ({:.1} ms)", ms(theirs)),
                format!("{factor:.0}x faster"),
                &target,
                factor >= PEER_FACTOR,
            );
        }
        None => record(
            "ISO seed vs cloud-localds",
            "unknown (cloud-localds not installed)".into(),
            &target,
            false,
        ),
    }
}
