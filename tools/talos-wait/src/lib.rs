//! `talos-wait`: wait until a Talos/Kubernetes cluster is ready up to a stage, streaming every
//! check's progress as JSON Lines events and ending with a summary of what had not passed.

pub mod apid;
pub mod attempt;
pub mod backoff;
pub mod cli;
pub mod exec;
pub mod extra;
pub mod http;
pub mod keys;
pub mod kube;
pub mod kubechecks;
pub mod kubeconfig;
pub mod live;
pub mod objects;
pub mod probe;
pub mod readiness;
pub mod records;
pub mod report;
pub mod secret;
pub mod stage;
pub mod talosconfig;
pub mod wait;
pub mod yaml;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use shared::Exit;
use shared::output::RecordWriter;

use crate::apid::{ApidProbe, Mode};
use crate::backoff::Backoff;
use crate::extra::{HttpProbe, Spec, TcpProbe};
use crate::keys::Identity;
use crate::kube::Kube;
use crate::kubechecks::KubeProbe;
use crate::kubeconfig::Kubeconfig;
use crate::live::Live;
use crate::probe::Probe;
use crate::readiness::Expect;
use crate::records::{Outcome, Summary};
use crate::report::Report;
use crate::stage::Stage;
use crate::wait::{Timing, Track, Waiter};

/// The tool's name in messages.
const TOOL: &str = "talos-wait";

/// Runs `talos-wait` with parsed arguments.
pub fn run(cli: &cli::Cli) -> Result<Exit> {
    let tracks = plan(cli)?;
    let waiter = Waiter::new(tracks);
    let interrupt = waiter.interrupter();
    ctrlc::set_handler(interrupt).map_err(|err| anyhow::anyhow!("cannot handle SIGINT: {err}"))?;
    let mut report = Report::new(RecordWriter::stdout(cli.pretty, true), Live::on_terminal());
    let timing = Timing {
        timeout: cli.timeout,
        backoff: Backoff {
            interval: cli.interval,
            max: cli.max_interval.max(cli.interval),
        },
        tick: Duration::from_secs(1),
    };
    let finish = waiter.run(timing, &mut report)?;
    let until = cli
        .until
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    report.writer().write(&Summary::new(
        finish.outcome,
        &until,
        &finish.checks,
        finish.elapsed,
    ))?;
    report.finish(&finish.checks, finish.elapsed)?;
    Ok(match finish.outcome {
        Outcome::Ready => Exit::Success,
        Outcome::NotReady => Exit::No,
        Outcome::Interrupted => Exit::Interrupted,
    })
}

/// The tracks of checks the options ask for, with every configuration read and checked first.
fn plan(cli: &cli::Cli) -> Result<Vec<Track>> {
    let stdin = |p: &Option<PathBuf>| p.as_deref().is_some_and(|p| p.as_os_str() == "-");
    if stdin(&cli.kubeconfig) && stdin(&cli.talosconfig) {
        bail!("--kubeconfig - and --talosconfig - cannot both read standard input");
    }
    let mut tracks = apid_tracks(cli)?;
    tracks.extend(extra_tracks(cli)?);
    let kube_checks = cli.until.kube_checks();
    if !kube_checks.is_empty() {
        let kube = Arc::new(kube_client(cli)?);
        let expect = Arc::new(Expect {
            control_planes: cli.control_planes,
            workers: cli.workers,
            nodes: cli.nodes.clone(),
        });
        let track: Track = kube_checks
            .into_iter()
            .map(|check| {
                Box::new(KubeProbe::new(check, kube.clone(), expect.clone())) as Box<dyn Probe>
            })
            .collect();
        tracks.push(track);
    }
    if tracks.is_empty() {
        bail!("nothing to wait for at --until {:?}", cli.until);
    }
    Ok(tracks)
}

/// One track per node for the Talos API check, when a talosconfig is available (required for
/// `--until apid`) or `--insecure` asks for maintenance mode.
fn apid_tracks(cli: &cli::Cli) -> Result<Vec<Track>> {
    if cli.insecure && cli.until != Stage::Apid {
        bail!("--insecure waits for maintenance mode and goes only with --until apid");
    }
    let env = std::env::var("TALOSCONFIG").ok();
    let located = talosconfig::locate(
        cli.talosconfig.as_deref(),
        env.as_deref(),
        home().as_deref(),
    );
    let context = match located {
        Some(path) => Some(talosconfig::load(&path, cli.talos_context.as_deref())?),
        None if cli.until == Stage::Apid && !cli.insecure => {
            bail!("--until apid needs a talosconfig: give --talosconfig or set TALOSCONFIG")
        }
        None => None,
    };
    let addresses: Vec<String> = if !cli.nodes.is_empty() {
        cli.nodes.iter().map(ToString::to_string).collect()
    } else {
        match &context {
            Some(ctx) if !ctx.nodes.is_empty() => ctx.nodes.clone(),
            Some(ctx) => ctx.endpoints.clone(),
            None if cli.insecure => {
                bail!("--insecure needs --nodes (or a talosconfig) to know which nodes to check")
            }
            None => return Ok(Vec::new()),
        }
    };
    let mode = match (&context, cli.insecure) {
        (_, true) => Mode::Maintenance,
        (Some(ctx), false) => Mode::Configured {
            roots: ctx.roots.clone(),
            identity: ctx.identity.clone(),
        },
        (None, false) => return Ok(Vec::new()),
    };
    addresses
        .iter()
        .map(|address| {
            let probe = ApidProbe::new(address, cli.apid_port, mode.clone(), cli.attempt_timeout)?;
            Ok(vec![Box::new(probe) as Box<dyn Probe>])
        })
        .collect()
}

/// One track per `--check`.
fn extra_tracks(cli: &cli::Cli) -> Result<Vec<Track>> {
    let tls = check_tls(cli)?;
    cli.checks
        .iter()
        .map(|spec| {
            let probe: Box<dyn Probe> = match spec {
                Spec::Tcp { address } => {
                    Box::new(TcpProbe::new(address.clone(), cli.attempt_timeout))
                }
                other => Box::new(HttpProbe::new(other, &tls, cli.attempt_timeout)?),
            };
            Ok(vec![probe])
        })
        .collect()
}

/// The TLS settings of the https and etcd checks.
fn check_tls(cli: &cli::Cli) -> Result<http::Tls> {
    let read = |path: &Path| {
        std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))
    };
    let roots = match &cli.check_ca {
        Some(path) => Some(keys::certificates(
            &read(path)?,
            &path.display().to_string(),
        )?),
        None => None,
    };
    let identity = match (&cli.check_cert, &cli.check_key) {
        (Some(cert), Some(key)) => Some(Identity::from_pem(
            &read(cert)?,
            &read(key)?,
            &cert.display().to_string(),
        )?),
        _ => None,
    };
    Ok(http::Tls {
        roots,
        identity,
        insecure: false,
        server_name: None,
    })
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

fn kube_client(cli: &cli::Cli) -> Result<Kube> {
    let env = std::env::var("KUBECONFIG").ok();
    let files = kubeconfig::locate(cli.kubeconfig.as_deref(), env.as_deref(), home().as_deref())?;
    let target = Kubeconfig::load(&files)?.target(cli.context.as_deref())?;
    if target.insecure {
        shared::exit::warn(
            TOOL,
            &format!(
                "kubeconfig context {:?} skips TLS verification (insecure-skip-tls-verify)",
                target.context
            ),
        );
    }
    Kube::new(target, cli.attempt_timeout, cli.exec_timeout)
}
