//! 1,000 machine specs (JSON Lines) to seeds: parse + validate + render the three files, and
//! the same plus an ISO 9660 image per machine. Target: both under one second for the 1,000
//! (1 ms per machine). Peer: `cloud-localds` (genisoimage) per image, when installed.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use cloudinit_gen::{records, seed, spec};

const MACHINES: usize = 1_000;
const RUNS: usize = 5;
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
                "write_files": [{"path": "/etc/motd", "content": format!("node {i}\n"), "encoding": "gzip+base64"}],
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
        "{label}: median {:.1} ms over {RUNS} runs (target < 1000 ms)",
        m.as_secs_f64() * 1e3
    );
    m
}

fn seeds(text: &[u8]) -> Vec<seed::Seed> {
    let specs = spec::parse_specs("bench.jsonl", text).unwrap_or_default();
    specs.iter().filter_map(|s| seed::render(s).ok()).collect()
}

fn peer(one: &seed::Seed) {
    let Ok(dir) = tempfile::tempdir() else { return };
    for file in &one.files {
        if std::fs::write(dir.path().join(file.name), &file.content).is_err() {
            return;
        }
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
        return;
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
        m.as_secs_f64() * 1e3,
        m.as_secs_f64() * 1e3 * MACHINES as f64
    );
}

fn main() {
    let text = specs();
    println!(
        "input: {MACHINES} specs, {} bytes of JSON Lines",
        text.len()
    );
    let rendered = seeds(text.as_bytes());
    assert_eq!(rendered.len(), MACHINES, "every generated spec is valid");
    measure("parse + validate + render 1,000 seeds", || {
        black_box(seeds(black_box(text.as_bytes())));
    });
    measure("same + 1,000 ISO 9660 images", || {
        for s in seeds(text.as_bytes()) {
            black_box(records::image(&s, "iso9660", 0).ok());
        }
    });
    measure("same + 1,000 vfat images", || {
        for s in seeds(text.as_bytes()) {
            black_box(records::image(&s, "vfat", 0).ok());
        }
    });
    peer(&rendered[0]);
}
