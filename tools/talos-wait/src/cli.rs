//! The command line of `talos-wait`, declared once for parsing, `--help`, the manual page and the
//! shell completions.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use shared::manual::{Example, Manual};

use crate::stage::Stage;

/// Wait until a Talos/Kubernetes cluster is really ready, and say exactly what is not.
///
/// Checks the Talos API (mutual TLS on port 50000), the Kubernetes API server (/readyz), node
/// registration with the expected addresses, kubelets, node readiness, control-plane pods,
/// kube-proxy and CoreDNS, plus extra TCP, HTTPS and etcd endpoints. Independent checks run
/// concurrently and are retried with exponential backoff until the deadline.
///
/// stdout is JSON Lines, flushed per line. An "event" record {type, ts, check, target, status
/// (pending|passed|failed), attempt, elapsed_ms, detail} comes at the start, on every failed
/// attempt and when a check passes. The final "summary" record {type, ts, status
/// (ready|not_ready|interrupted), until, elapsed_ms, checks_total, checks_passed, not_passed:
/// [{check, target, status, attempts, last_error}]} names every check that had not passed. Checks:
/// apid, apiserver, nodes, kubelet, nodes_ready, control_plane, kube_proxy, coredns,
/// schedulable, tcp, https, etcd. On a terminal, a live status is drawn on stderr.
#[derive(Debug, Parser)]
#[command(name = "talos-wait", version)]
pub struct Cli {
    /// Kubeconfig file, `-` for standard input (else $KUBECONFIG, colon-separated and merged,
    /// else ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context (else its current-context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Talos client configuration, `-` for standard input (else $TALOSCONFIG, else
    /// ~/.talos/config when it exists).
    #[arg(long, value_name = "FILE")]
    pub talosconfig: Option<PathBuf>,
    /// Talosconfig context (else its current context).
    #[arg(long, value_name = "NAME")]
    pub talos_context: Option<String>,
    /// Expected number of control-plane nodes.
    #[arg(long, value_name = "N")]
    pub control_planes: Option<usize>,
    /// Expected number of worker nodes.
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// Expected node IP addresses, comma-separated; also the nodes whose Talos API is checked.
    #[arg(long, value_name = "IP,...", value_delimiter = ',')]
    pub nodes: Vec<IpAddr>,
    /// Port of the Talos API when a node address has none.
    #[arg(long, value_name = "PORT", default_value_t = crate::apid::APID_PORT)]
    pub apid_port: u16,
    /// With --until apid: wait for nodes in maintenance mode (certificate
    /// maintenance-service.talos.dev), without verifying it. Never used for a configured node.
    #[arg(long)]
    pub insecure: bool,
    /// Extra check, repeatable: tcp://host:port, https://url (2xx, or #status=NNN), or
    /// etcd+https://host:2379 (/health with the --check-cert client certificate).
    #[arg(long = "check", value_name = "URL", value_parser = crate::extra::parse)]
    pub checks: Vec<crate::extra::Spec>,
    /// PEM certificate authorities for the https and etcd checks (else the bundled web roots).
    #[arg(long, value_name = "FILE")]
    pub check_ca: Option<PathBuf>,
    /// PEM client certificate for the https and etcd checks (etcd's client CA signs it).
    #[arg(long, value_name = "FILE", requires = "check_key")]
    pub check_cert: Option<PathBuf>,
    /// PEM private key of --check-cert.
    #[arg(long, value_name = "FILE", requires = "check_cert")]
    pub check_key: Option<PathBuf>,
    /// How far to wait; each stage includes the ones before it.
    #[arg(long, value_enum, default_value_t = Stage::Ready)]
    pub until: Stage,
    /// Overall deadline (e.g. 10m, 90s).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration)]
    pub timeout: Duration,
    /// First delay between failed attempts; doubled up to --max-interval, with jitter.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = duration)]
    pub interval: Duration,
    /// Largest delay between failed attempts.
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = duration)]
    pub max_interval: Duration,
    /// Time limit of one attempt (connect, TLS, request and answer).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration)]
    pub attempt_timeout: Duration,
    /// Time limit of a kubeconfig exec credential plugin.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration)]
    pub exec_timeout: Duration,
    /// Indent JSON records (no longer one record per line).
    #[arg(long)]
    pub pretty: bool,
}

fn duration(text: &str) -> Result<Duration, String> {
    let value = humantime::parse_duration(text)
        .map_err(|e| format!("expected a duration such as 500ms, 5s or 10m: {e}"))?;
    if value.is_zero() {
        return Err("expected a duration above zero".to_string());
    }
    Ok(value)
}

/// Examples, exit codes and environment for `--help` and the manual page.
pub const MANUAL: Manual = Manual {
    examples: &[
        Example {
            description: "After `tofu apply`, wait up to 15 minutes for 3 control planes and 2 workers to be ready.",
            command: "tofu apply -auto-approve && talos-wait --kubeconfig ./kubeconfig --control-planes 3 --workers 2 --timeout 15m",
        },
        Example {
            description: "Read the kubeconfig straight from the OpenTofu output.",
            command: "tofu output -raw kubeconfig | talos-wait --kubeconfig - --control-planes 1 --timeout 20m",
        },
        Example {
            description: "Wait only until the kubelets report (no CNI installed yet), then install one.",
            command: "talos-wait --until kubelet --nodes 10.0.0.2,10.0.0.3 && helm install cilium cilium/cilium -n kube-system",
        },
        Example {
            description: "Wait for freshly booted nodes to reach maintenance mode before applying their configuration.",
            command: "talos-wait --until apid --insecure --nodes 10.0.0.2,10.0.0.3 --timeout 5m && talosctl apply-config --insecure -n 10.0.0.2 -f cp.yaml",
        },
        Example {
            description: "Also wait for a load balancer port and etcd, with etcd's client certificate.",
            command: "talos-wait --check tcp://10.0.0.10:6443 --check etcd+https://10.0.0.2:2379 --check-ca etcd-ca.crt --check-cert etcd.crt --check-key etcd.key",
        },
        Example {
            description: "Show each check's last error when the deadline passed.",
            command: "talos-wait --timeout 5m | jq -r 'select(.type == \"summary\") | .not_passed[] | \"\\(.check): \\(.last_error)\"'",
        },
        Example {
            description: "Follow failures live in a log pipeline.",
            command: "talos-wait | jq -c 'select(.type == \"event\" and .status == \"failed\") | {check, detail}'",
        },
    ],
    exit_status: &[
        (
            0,
            "every check passed: the cluster is ready up to the requested stage",
        ),
        (
            1,
            "the deadline came first; the summary names what had not passed",
        ),
        (
            2,
            "configuration error: unreadable or invalid kubeconfig or talosconfig, bad key, unknown context",
        ),
        (130, "interrupted by SIGINT, after printing the summary"),
    ],
    environment: &[
        (
            "KUBECONFIG",
            "colon-separated kubeconfig files, merged as kubectl does (the first to set a name wins)",
        ),
        (
            "TALOSCONFIG",
            "the Talos client configuration, when --talosconfig is not given",
        ),
        (
            "HOME",
            "where ~/.kube/config and ~/.talos/config are looked for",
        ),
        (
            "NO_COLOR",
            "when set and non-empty, the live status on a terminal has no colour",
        ),
        ("COLUMNS", "the width the live status is clipped to"),
    ],
};

/// The full command, with the examples in its long help.
pub fn command() -> clap::Command {
    MANUAL.decorate(Cli::command())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn durations_parse() {
        assert_eq!(duration("1m30s").unwrap(), Duration::from_secs(90));
        assert!(duration("0s").is_err());
        assert!(duration("soon").is_err());
    }
}
