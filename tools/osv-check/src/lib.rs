//! `osv-check`: matches the packages named by lockfiles, SBOMs, JSON records and Nix closures
//! against OSV vulnerability records, from the OSV API or an offline copy, with each
//! ecosystem's own version order, and fails closed: what cannot be checked is reported, and a
//! failure to get data is an error, never a clean result.

pub mod api;
pub mod cli;
pub mod ignore;
pub mod index_cache;
pub mod inputs;
pub mod matching;
pub mod offline;
pub mod osv;
pub mod package;
pub mod report;
pub mod sarif;
pub mod scan;
pub mod severity;
pub mod version;

use std::time::Duration;

use anyhow::Result;
use shared::Exit;
use shared::exit::warn;
use shared::input::Source;
use shared::output::RecordWriter;
use shared::table::TableFormat;

use cli::{Cli, DEFAULT_API_URL, Format, Threshold};
use package::Inventory;
use report::Report;
use severity::Rating;

const TOOL: &str = "osv-check";

/// Runs `osv-check` with parsed arguments.
pub fn run(cli: &Cli) -> Result<Exit> {
    let rules = match &cli.ignore {
        Some(path) => {
            let source = Source::from_operand(path);
            ignore::Rules::load(&source.name(), &source.read_string()?)?
        }
        None => ignore::Rules::default(),
    };
    let mut inventory = Inventory::default();
    for source in Source::from_operands(&cli.inputs) {
        inventory.extend(inputs::read(&source)?);
    }
    let (scan, database) = match &cli.offline {
        Some(dir) => {
            let wanted = inventory
                .packages
                .iter()
                .map(|p| offline::key(&p.ecosystem.0, &p.name))
                .collect();
            let db = offline::Database::load(dir, Some(wanted))?;
            (scan::offline(&db, inventory), "offline")
        }
        None => (
            scan::online(&api::Client::new(settings(cli)), inventory)?,
            "api",
        ),
    };
    let report = report::build(scan, &rules, cli.fail_on.map(rating_of), database);
    warn_about(&report);
    write(cli, &report)?;
    Ok(Exit::verdict(report.summary.failing == 0))
}

fn settings(cli: &Cli) -> api::Settings {
    let base_url = cli
        .api_url
        .clone()
        .or_else(|| {
            std::env::var("OSV_CHECK_API_URL")
                .ok()
                .filter(|u| !u.is_empty())
        })
        .unwrap_or_else(|| DEFAULT_API_URL.to_string());
    api::Settings {
        base_url,
        timeout: Duration::from_secs(cli.timeout.max(1)),
        retries: cli.retries,
        retry_delay: Duration::from_millis(cli.retry_delay),
    }
}

fn rating_of(threshold: Threshold) -> Rating {
    match threshold {
        Threshold::Low => Rating::Low,
        Threshold::Medium => Rating::Medium,
        Threshold::High => Rating::High,
        Threshold::Critical => Rating::Critical,
    }
}

fn warn_about(report: &Report) {
    let summary = &report.summary;
    if summary.packages == 0 && summary.unscanned.is_empty() {
        warn(TOOL, "the inputs name no packages");
    }
    if !summary.unscanned.is_empty() {
        warn(
            TOOL,
            &format!(
                "{} package{} could not be checked (listed under \"unscanned\" in the summary)",
                summary.unscanned.len(),
                if summary.unscanned.len() == 1 {
                    ""
                } else {
                    "s"
                }
            ),
        );
    }
    for expired in &summary.expired_ignores {
        warn(TOOL, &format!("ignore rule for {expired} has expired"));
    }
}

fn write(cli: &Cli, report: &Report) -> Result<()> {
    let mut out = RecordWriter::stdout(cli.pretty, false);
    match cli.output {
        Format::Json => {
            for finding in &report.findings {
                out.write(finding)?;
            }
            out.write(&report.summary)?;
        }
        Format::Sarif => out.write(&sarif::render(report))?,
        Format::Table => out.write_text(&report::render_table(report, TableFormat::Table))?,
        Format::Csv => out.write_text(&report::render_table(report, TableFormat::Csv))?,
        Format::Markdown => out.write_text(&report::render_table(report, TableFormat::Markdown))?,
    }
    out.finish()?;
    Ok(())
}
