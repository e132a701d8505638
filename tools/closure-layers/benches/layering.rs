//! Benchmark of `closure-layers` on generated closures of 3,000 and 20,000 paths with power-law
//! fan-in (a few low-level paths referenced by most others) and log-normal NAR sizes.
//!
//! For each size it prints the median time of reading the graph and of each algorithm in
//! process, then the median wall time and the peak memory of the release binary end to end
//! (peak memory through GNU time, when `/usr/bin/time` exists). Targets from the issue: every
//! algorithm under 100 ms and 64 MiB on 20,000 paths and under 20 ms on 3,000; nixpkgs' scripts
//! measured on a 2-core machine: popularity 64 s / 2.3 GB and auto-layer 1.4 s / 64 MB on 20,000
//! paths, 1.0 s and 0.22 s on 3,000.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use closure_layers::graph::Graph;
use closure_layers::layering::{Budget, Strategy, lay_out};
use closure_layers::parse::parse_nodes;
use closure_layers::pipeline::parse_pipeline;

const DEFAULT_PIPELINE: &str = r#"[["popularity_contest"], ["limit_layers", 99]]"#;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// An `exportReferencesGraph` document of `n` paths. Node `i` references only nodes after it,
/// chosen with a cubic bias towards the end of the list, so the last paths (the libc of the
/// closure) collect most references.
fn generate(n: usize, seed: u64) -> String {
    const NIX32: &[u8] = b"0123456789abcdfghijklmnpqrsvwxyz";
    let mut rng = Rng(seed);
    let paths: Vec<String> = (0..n)
        .map(|i| {
            let hash: String = (0..32)
                .map(|_| NIX32[(rng.next() % 32) as usize] as char)
                .collect();
            format!("/nix/store/{hash}-pkg{i}-1.0")
        })
        .collect();
    let mut json = String::from("{\"graph\":[");
    for i in 0..n {
        let size = (12.0 + 2.0 * rng.normal()).exp().clamp(120.0, 4e9) as u64;
        let mut refs = vec![i];
        let room = n - i - 1;
        if room > 0 {
            let degree = 1 + (6.0 * rng.unit() * rng.unit()) as usize;
            for _ in 0..degree {
                let r = (room as f64 * rng.unit().powi(3)) as usize;
                refs.push(n - 1 - r.min(room - 1));
            }
        }
        refs.sort_unstable();
        refs.dedup();
        let list: Vec<String> = refs.iter().map(|&r| format!("\"{}\"", paths[r])).collect();
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(
            json,
            "{sep}{{\"narSize\":{size},\"path\":\"{}\",\"references\":[{}]}}",
            paths[i],
            list.join(",")
        );
    }
    json.push_str("]}");
    json
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Median wall time, and with GNU time the median user CPU time and the peak RSS (KiB), of the
/// binary on a file. CPU time stays meaningful when other jobs load the machine.
fn end_to_end(file: &Path, args: &[&str], runs: usize) -> (Duration, Option<(Duration, u64)>) {
    let bin = env!("CARGO_BIN_EXE_closure-layers");
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let mut peak = 0;
    for _ in 0..runs {
        let mut command = if gnu_time {
            let mut c = Command::new("/usr/bin/time");
            c.args(["-f", "%M %U", bin]);
            c
        } else {
            Command::new(bin)
        };
        command
            .args(args)
            .arg(file)
            .stdout(std::process::Stdio::null());
        let start = Instant::now();
        let output = command.output().expect("run closure-layers");
        walls.push(start.elapsed());
        assert!(
            output.status.success(),
            "closure-layers failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        if gnu_time {
            let text = String::from_utf8_lossy(&output.stderr);
            let mut fields = text.lines().last().unwrap_or("").split_whitespace();
            peak = peak.max(
                fields
                    .next()
                    .and_then(|f| f.parse::<u64>().ok())
                    .unwrap_or(0),
            );
            cpus.push(Duration::from_secs_f64(
                fields
                    .next()
                    .and_then(|f| f.parse::<f64>().ok())
                    .unwrap_or(0.0),
            ));
        }
    }
    (median(walls), gnu_time.then(|| (median(cpus), peak)))
}

fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (n, runs, target) in [(3_000, 15, "20 ms"), (20_000, 7, "100 ms and 64 MiB")] {
        let json = generate(n, 0x5eed ^ n as u64);
        let parse = time(runs, || {
            Graph::from_sources(vec![(
                "bench".into(),
                parse_nodes("bench", json.as_bytes()).expect("parse"),
            )])
        });
        let graph = Graph::from_sources(vec![(
            "bench".into(),
            parse_nodes("bench", json.as_bytes()).expect("parse"),
        )])
        .expect("graph");
        println!(
            "\n{n} paths ({} MiB of JSON), target per algorithm: under {target}",
            json.len() >> 20
        );
        println!("  read + check graph          median {}", ms(parse));
        let budget = Budget {
            max_layers: 100,
            from_image_layers: 0,
        };
        let pipeline = parse_pipeline(DEFAULT_PIPELINE).expect("pipeline");
        for (name, strategy) in [
            ("auto", Strategy::Auto),
            ("popularity", Strategy::Popularity),
            ("pipeline (default)", Strategy::Pipeline(pipeline)),
        ] {
            let layers = lay_out(&graph, &strategy, budget, &[])
                .expect("layers")
                .layers
                .len();
            let d = time(runs, || lay_out(&graph, &strategy, budget, &[]));
            println!("  {name:<27} median {} ({layers} layers)", ms(d));
        }
        let file = dir.path().join(format!("graph-{n}.json"));
        std::fs::write(&file, &json).expect("write graph");
        for args in [
            &["--algorithm", "auto"][..],
            &["--algorithm", "popularity"],
            &["--pipeline", DEFAULT_PIPELINE],
        ] {
            let (wall, measured) = end_to_end(&file, args, 5);
            let measured = measured.map_or(
                "CPU time and peak RSS not measured (no /usr/bin/time)".to_string(),
                |(cpu, kib)| {
                    format!(
                        "median {} user CPU, peak RSS {:.1} MiB",
                        ms(cpu),
                        kib as f64 / 1024.0
                    )
                },
            );
            println!(
                "  $ closure-layers {} graph.json: median {} wall, {measured}",
                args.join(" "),
                ms(wall)
            );
        }
    }
    println!(
        "\npeers (nixpkgs, 20,000 paths): closure-graph.py 64.3 s / 2304 MiB; flatten_references_graph 124.1 s / 2329 MiB; auto-layer.py 1.36 s / 64 MiB"
    );
}
