//! Benchmark of `closure-layers` on generated closures of 3,000 and 20,000 paths with power-law
//! fan-in (a few low-level paths referenced by most others) and log-normal NAR sizes.
//!
//! For each size it prints the median time of reading the graph and of each algorithm in
//! process, then the median wall time and the peak memory of the release binary end to end
//! (peak memory through GNU time, when `/usr/bin/time` exists), and records the whole-binary
//! figures as headlines for `make bench`. Targets: every algorithm under 100 ms and 64 MiB on
//! 20,000 paths and under 20 ms on 3,000; nixpkgs' scripts measured on a 2-core machine:
//! popularity 64 s / 2.3 GB and auto-layer 1.4 s / 64 MB on 20,000 paths, 1.0 s and 0.22 s on
//! 3,000.

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

/// The binary's median wall time on a file over `runs` runs, after one run to warm the caches.
fn wall_median(file: &Path, args: &[&str], runs: usize) -> Duration {
    let bin = env!("CARGO_BIN_EXE_closure-layers");
    let once = || {
        let start = Instant::now();
        let output = Command::new(bin)
            .args(args)
            .arg(file)
            .stdout(std::process::Stdio::null())
            .output()
            .expect("run closure-layers");
        assert!(
            output.status.success(),
            "closure-layers failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        start.elapsed()
    };
    once();
    median((0..runs).map(|_| once()).collect())
}

/// The binary's peak resident memory on a file in KiB, through GNU time; `None` without it.
fn peak_rss_kib(file: &Path, args: &[&str]) -> Option<u64> {
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%M", env!("CARGO_BIN_EXE_closure-layers")])
        .args(args)
        .arg(file)
        .stdout(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stderr);
    text.lines().last()?.trim().parse().ok()
}

/// The command line as a shell would take it: arguments with brackets or spaces quoted.
fn shell_words(args: &[&str]) -> String {
    args.iter()
        .map(|a| {
            if a.contains(['[', ' ', '"']) {
                format!("'{a}'")
            } else {
                a.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Appends one headline to the `make bench` table.
fn record(measure: &str, value: String, target: &str, met: bool) {
    shared::bench::record("closure-layers", measure, value, target, met)
        .expect("write the bench results");
}

/// One graph size: its paths, runs per median and the issue's time target.
struct Size {
    paths: usize,
    runs: usize,
    target: Duration,
}

/// The algorithms as the command line selects them.
const ALGORITHMS: [(&str, &[&str]); 3] = [
    ("auto", &["--algorithm", "auto"]),
    ("popularity", &["--algorithm", "popularity"]),
    ("default pipeline", &["--pipeline", DEFAULT_PIPELINE]),
];

/// Reading and each algorithm in process, for where the time goes.
fn in_process(json: &str, runs: usize) {
    let read = || Graph::from_sources(&[parse_nodes("bench", json.as_bytes())?]);
    println!(
        "  read + check graph          median {}",
        ms(time(runs, read))
    );
    let graph = read().expect("graph");
    let budget = Budget {
        max_layers: 100,
        from_image_layers: 0,
    };
    let pipeline = parse_pipeline(DEFAULT_PIPELINE).expect("pipeline");
    for (name, strategy) in [
        ("auto", Strategy::Auto),
        ("popularity", Strategy::Popularity),
        ("default pipeline", Strategy::Pipeline(pipeline)),
    ] {
        let layers = lay_out(&graph, &strategy, budget, &[])
            .expect("layers")
            .layers
            .len();
        let d = time(runs, || lay_out(&graph, &strategy, budget, &[]));
        println!("  {name:<27} median {} ({layers} layers)", ms(d));
    }
}

/// The whole binary on a file: median wall time and peak memory, recorded as headlines.
fn whole_binary(file: &Path, size: &Size) {
    let target = format!("< {} ms", size.target.as_millis());
    for (name, args) in ALGORITHMS {
        let wall = wall_median(file, args, size.runs);
        let rss = peak_rss_kib(file, args);
        let rss_text = rss.map_or("not measured (no /usr/bin/time)".to_string(), |kib| {
            format!("{:.1} MiB", kib as f64 / 1024.0)
        });
        println!(
            "  $ closure-layers {} graph.json: median {} wall over {} runs, peak RSS {rss_text}",
            shell_words(args),
            ms(wall),
            size.runs
        );
        let measure = format!("{} paths, {name}: whole binary", size.paths);
        record(&measure, ms(wall), &target, wall < size.target);
        if size.paths >= 20_000 {
            let measure = format!("{} paths, {name}: peak memory", size.paths);
            let met = rss.is_some_and(|kib| kib < 64 * 1024);
            record(&measure, rss_text, "< 64 MiB", met);
        }
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sizes = [
        Size {
            paths: 3_000,
            runs: 21,
            target: Duration::from_millis(20),
        },
        Size {
            paths: 20_000,
            runs: 11,
            target: Duration::from_millis(100),
        },
    ];
    for size in &sizes {
        let json = generate(size.paths, 0x5eed ^ size.paths as u64);
        println!(
            "\n{} paths ({:.1} MiB of JSON), target per algorithm: under {} ms{}",
            size.paths,
            json.len() as f64 / (1 << 20) as f64,
            size.target.as_millis(),
            if size.paths >= 20_000 {
                " and 64 MiB"
            } else {
                ""
            }
        );
        in_process(&json, size.runs);
        let file = dir.path().join(format!("graph-{}.json", size.paths));
        std::fs::write(&file, &json).expect("write graph");
        whole_binary(&file, size);
    }
    println!(
        "\npeers (nixpkgs, 20,000 paths): closure-graph.py 64.3 s / 2304 MiB; flatten_references_graph 124.1 s / 2329 MiB; auto-layer.py 1.36 s / 64 MiB"
    );
}
