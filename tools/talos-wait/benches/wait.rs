//! Benchmark of `talos-wait` against the loopback API server of the tests: how soon it notices
//! readiness (target: within one interval), and what waiting costs (target: under 1% of a core
//! and under 16 MiB resident). Peers (`talosctl health`, `kubectl wait`) need a real cluster
//! and are not run here.

// The bench uses only part of the tests' loopback servers.
#[allow(dead_code)]
#[path = "../tests/support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use support::cluster::Script;
use support::pki::{Ca, ECDSA};
use support::server::{self, Phases};

const READY_AT: Duration = Duration::from_secs(2);
const RUNS: usize = 5;
const IDLE: Duration = Duration::from_secs(8);

/// A kubeconfig file for the API server at `port`, with a client certificate from `ca`.
fn kubeconfig(dir: &std::path::Path, port: u16, ca: &Ca) -> String {
    let client = ca.client(&ECDSA, "admin");
    let b64 = |s: &str| STANDARD.encode(s);
    let text = format!(
        "current-context: c\nclusters:\n- name: k\n  cluster:\n    server: https://127.0.0.1:{port}\n    certificate-authority-data: {}\ncontexts:\n- name: c\n  context: {{cluster: k, user: u}}\nusers:\n- name: u\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\n",
        b64(&ca.pem()),
        b64(&client.cert),
        b64(&client.key)
    );
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("writing the kubeconfig: {e}"));
    path.display().to_string()
}

/// A server whose nodes are all Ready `ready_at` after it starts.
fn cluster(ready_at: Duration) -> (Ca, u16) {
    let ca = Ca::new(&ECDSA, "kubernetes");
    let mut script = Script::small(ready_at);
    for node in &mut script.nodes {
        node.ready_at = Some(ready_at);
    }
    script.readyz_after = Duration::ZERO;
    let config = server::config(&ca.server(&ECDSA, "api"), Some(&ca.pem()), false, &[]);
    let port = server::https(config, Phases::default(), script.handler());
    (ca, port)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Seconds from readiness to the tool's exit, with a fixed 1 s interval.
fn notice_latency() -> f64 {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
    let start = Instant::now();
    let (ca, port) = cluster(READY_AT);
    let status = Command::new(env!("CARGO_BIN_EXE_talos-wait"))
        .args([
            "--kubeconfig",
            &kubeconfig(dir.path(), port, &ca),
            "--interval",
            "1s",
            "--max-interval",
            "1s",
            "--timeout",
            "60s",
        ])
        .stdout(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("running talos-wait: {e}"));
    assert_eq!(status.code(), Some(0), "the cluster became ready");
    start.elapsed().saturating_sub(READY_AT).as_secs_f64()
}

fn proc_field(pid: u32, file: &str, pick: impl Fn(&str) -> Option<u64>) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()
        .and_then(|t| pick(&t))
        .unwrap_or(0)
}

fn cpu_ticks(stat: &str) -> Option<u64> {
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn peak_rss_kb(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// CPU clock ticks (10 ms each) and peak resident KiB while waiting on a cluster that never gets
/// ready, with the default backoff (1 s doubling to 15 s).
fn idle_cost() -> (f64, f64) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
    let (ca, port) = cluster(Duration::from_secs(3600));
    let mut child = Command::new(env!("CARGO_BIN_EXE_talos-wait"))
        .args([
            "--kubeconfig",
            &kubeconfig(dir.path(), port, &ca),
            "--timeout",
            "60s",
        ])
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("running talos-wait: {e}"));
    let pid = child.id();
    std::thread::sleep(IDLE);
    let ticks = proc_field(pid, "stat", cpu_ticks);
    let rss = proc_field(pid, "status", peak_rss_kb);
    let _ = child.kill();
    let _ = child.wait();
    (
        ticks as f64 * 10.0 / IDLE.as_millis() as f64 * 100.0,
        rss as f64,
    )
}

fn main() {
    let latencies: Vec<f64> = (0..RUNS).map(|_| notice_latency()).collect();
    let latency = median(latencies);
    println!(
        "talos-wait: readiness noticed after (median of {RUNS}): {latency:.3} s; target: within one interval (1 s)"
    );
    record(
        "readiness noticed after",
        format!("{latency:.2} s"),
        "<= 1 s",
        latency <= 1.0,
    );
    let costs: Vec<(f64, f64)> = (0..3).map(|_| idle_cost()).collect();
    let ticks = median(costs.iter().map(|c| c.0).collect());
    let rss = median(costs.iter().map(|c| c.1).collect());
    let percent = ticks * 10.0 / IDLE.as_millis() as f64 * 100.0;
    println!(
        "talos-wait: while waiting {}s (median of 3, start-up included): {ticks} clock ticks = {percent:.2}% of a core (resolution {:.2}%), peak {:.1} MiB resident; target: < 1% and < 16 MiB",
        IDLE.as_secs(),
        10.0 / IDLE.as_millis() as f64 * 100.0,
        rss / 1024.0
    );
    record(
        "while waiting: CPU",
        format!("{percent:.2}% of a core"),
        "< 1%",
        percent < 1.0,
    );
    record(
        "while waiting: peak memory",
        format!("{:.1} MiB", rss / 1024.0),
        "< 16 MiB",
        rss < 16.0 * 1024.0,
    );
    println!("peers: talosctl health and kubectl wait need a real cluster; not run");
}

/// Appends one headline to the `make bench` table.
fn record(measure: &str, value: String, target: &str, met: bool) {
    shared::bench::record("talos-wait", measure, value, target, met)
        .expect("write the bench results");
}
