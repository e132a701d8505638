//! The speed targets: qcow-size's full scan against `qemu-img info` and `qemu-img check`
//! on (a) a 16 GiB image with 3 GiB written in 64 KiB clusters and (b) an 8 GiB image with
//! 1 GiB written in 512-byte clusters, plus peak memory on those and a 1 PiB sparse image.
//!
//! The images are built once with `qemu-img`/`qemu-io` (64 KiB writes at shuffled aligned
//! offsets) and cached in `bench-data/` at the repository root. Run with `cargo bench -p
//! qcow-size`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs of each command; the median is reported.
const RUNS: usize = 9;
/// Runs of `qemu-img check` on the 512-byte-cluster image, which takes seconds each.
const SLOW_RUNS: usize = 3;

struct Image {
    name: &'static str,
    virtual_size: &'static str,
    cluster: &'static str,
    written: u64,
    span: u64,
}

const IMAGES: [Image; 3] = [
    Image {
        name: "bench-64k",
        virtual_size: "16G",
        cluster: "64k",
        written: 3 << 30,
        span: 16 << 30,
    },
    Image {
        name: "bench-512",
        virtual_size: "8G",
        cluster: "512",
        written: 1 << 30,
        span: 8 << 30,
    },
    Image {
        name: "sparse-1p",
        virtual_size: "1P",
        cluster: "64k",
        written: 1 << 20,
        span: 1 << 50,
    },
];

fn main() {
    if Command::new("qemu-img").arg("--version").output().is_err() {
        println!("qcow-size bench skipped: qemu-img is not installed (Debian package qemu-utils)");
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench-data");
    std::fs::create_dir_all(&dir).expect("bench-data directory");
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_qcow-size"));
    println!(
        "{:<10} {:>14} {:>14} {:>16} {:>12}",
        "image", "qcow-size", "qemu-img info", "qemu-img check", "check/ours"
    );
    for image in &IMAGES {
        let path = build(&dir, image);
        let p = path.to_str().expect("UTF-8 path");
        let scan = median(RUNS, &ours, &[p]);
        let info = median(RUNS, Path::new("qemu-img"), &["info", "--output=json", p]);
        let runs = if image.cluster == "512" {
            SLOW_RUNS
        } else {
            RUNS
        };
        let check = median(runs, Path::new("qemu-img"), &["check", "--output=json", p]);
        println!(
            "{:<10} {:>11.1} ms {:>11.1} ms {:>13.1} ms {:>11.0}x",
            image.name,
            ms(scan),
            ms(info),
            ms(check),
            check.as_secs_f64() / scan.as_secs_f64()
        );
        headline(image, scan, info, check);
    }
    for image in &IMAGES {
        let path = dir.join(format!("{}.qcow2", image.name));
        let rss = peak_rss_kib(&ours, &path);
        println!(
            "peak memory of qcow-size --check --measure on {}: {} KiB",
            image.name, rss
        );
        let measure = format!("{}: peak memory of --check --measure", image.name);
        match rss.parse::<u64>() {
            Ok(kib) => record(
                &measure,
                format!("{:.1} MiB", kib as f64 / 1024.0),
                "< 16 MiB",
                kib < 16 * 1024,
            ),
            Err(_) => record(&measure, "unknown".into(), "< 16 MiB", false),
        }
    }
    println!(
        "targets: bench-512 scan >= 50x faster than qemu-img check; bench-64k scan no slower than qemu-img info; peak memory < 16 MiB"
    );
}

/// Records the figure each image's target is about: the speed-up over `qemu-img check` on
/// the 512-byte-cluster image, the scan against `qemu-img info` on the others.
fn headline(image: &Image, scan: Duration, info: Duration, check: Duration) {
    if image.cluster == "512" {
        let ratio = check.as_secs_f64() / scan.as_secs_f64();
        let measure = format!("{}: scan vs qemu-img check", image.name);
        record(
            &measure,
            format!("{ratio:.0}x faster"),
            ">= 50x faster",
            ratio >= 50.0,
        );
    } else {
        let measure = format!("{}: scan vs qemu-img info ({:.1} ms)", image.name, ms(info));
        record(
            &measure,
            format!("{:.1} ms", ms(scan)),
            "no slower",
            scan <= info,
        );
    }
}

/// Appends one headline to the `make bench` table.
fn record(measure: &str, value: String, target: &str, met: bool) {
    shared::bench::record("qcow-size", measure, value, target, met)
        .expect("write the bench results");
}

/// Builds an image once: `qemu-img create`, then `written` bytes in 64 KiB writes at shuffled
/// aligned offsets within `span`.
fn build(dir: &Path, image: &Image) -> PathBuf {
    let path = dir.join(format!("{}.qcow2", image.name));
    if path.exists() {
        return path;
    }
    let partial = dir.join(format!("{}.partial", image.name));
    let p = partial.to_str().expect("UTF-8 path");
    eprintln!("building {} (once)...", path.display());
    let status = Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2", "-o"])
        .arg(format!("cluster_size={}", image.cluster))
        .args([p, image.virtual_size])
        .status()
        .expect("qemu-img create");
    assert!(status.success());
    let mut io = Command::new("qemu-io")
        .arg(p)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("qemu-io");
    {
        let mut stdin = std::io::BufWriter::new(io.stdin.take().expect("stdin"));
        for offset in shuffled_offsets(image.written / 65536, image.span / 65536) {
            writeln!(stdin, "write -P 0x5a {} 64k", offset * 65536).expect("qemu-io command");
        }
        writeln!(stdin, "quit").expect("qemu-io command");
    }
    assert!(io.wait().expect("qemu-io").success());
    std::fs::rename(&partial, &path).expect("rename");
    path
}

/// `count` distinct slots out of `slots`, in a shuffled order (a fixed-seed xorshift).
fn shuffled_offsets(count: u64, slots: u64) -> Vec<u64> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let stride = slots / count;
    let mut offsets: Vec<u64> = (0..count).map(|i| i * stride + next() % stride).collect();
    for i in (1..offsets.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        offsets.swap(i, j);
    }
    offsets
}

/// Median wall time of `runs` runs of a command (after one warm-up run).
fn median(runs: usize, program: &Path, args: &[&str]) -> Duration {
    let run = || {
        let start = Instant::now();
        let out = Command::new(program).args(args).output().expect("run");
        assert!(
            matches!(out.status.code(), Some(0..=3)),
            "{} {args:?} failed",
            program.display()
        );
        start.elapsed()
    };
    run();
    let mut times: Vec<Duration> = (0..runs).map(|_| run()).collect();
    times.sort();
    times[runs / 2]
}

/// Peak resident memory of one run, from GNU time's `%M`.
fn peak_rss_kib(program: &Path, image: &Path) -> String {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(program)
        .args(["--check", "--measure"])
        .arg(image)
        .output();
    match out {
        Ok(out) => String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("?")
            .to_string(),
        Err(_) => "unknown (GNU time, Debian package time, is not installed)".to_string(),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
