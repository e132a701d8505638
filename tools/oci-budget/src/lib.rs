//! `oci-budget`: whether an OpenTofu/Terraform stack, `oci` CLI listings and images to upload
//! stay inside the OCI Always Free limits in force on a day, and what they cost if not.

pub mod budget;
pub mod change;
pub mod cli;
pub mod date;
pub mod diff;
pub mod document;
pub mod finding;
pub mod image;
pub mod limits;
pub mod listing;
pub mod plan;
pub mod region;
pub mod report;
pub mod rules;
pub mod usage;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use shared::Exit;
use shared::input::Source;
use shared::output::RecordWriter;

use crate::budget::{Budget, Settings};
use crate::change::{Action, Change};
use crate::cli::{Cli, Command, JudgeArgs};
use crate::date::Date;
use crate::document::{Inputs, read_sources};
use crate::limits::LimitsData;
use crate::plan::PlanScope;

/// Runs `oci-budget` with parsed arguments.
pub fn run(cli: &Cli) -> Result<Exit> {
    match &cli.command {
        Some(Command::Diff(args)) => diff::run(args, cli.output),
        None => run_budget(cli),
    }
}

fn run_budget(cli: &Cli) -> Result<Exit> {
    let data = load_limits(&cli.judge)?;
    let settings = settings(&cli.judge);
    let inputs = read_sources(&Source::from_operands(&cli.inputs))?;
    let baseline = cli.baseline.as_deref().map(read_baseline).transpose()?;
    let budget = judge_inputs(&data, &settings, inputs, baseline);
    let summary = report::summarize(&budget, &settings, &data.compiled);
    let mut out = RecordWriter::stdout(cli.output.pretty, false);
    report::write(&budget, &summary, cli.output.output.table(), &mut out)?;
    out.finish()?;
    Ok(summary.status.exit(cli.judge.allow_unknown))
}

/// Judges what was read. Plans keep what existed before them and they do not list (from
/// their `prior_state`, or from a separate baseline in its place); without plans, a separate
/// baseline is paired by address with states and listings to make the transitions.
pub fn judge_inputs(
    data: &LimitsData,
    settings: &Settings,
    inputs: Inputs,
    baseline: Option<Vec<Change>>,
) -> Budget {
    let transitions = inputs.has_transitions() || baseline.is_some();
    let Inputs {
        changes,
        findings,
        plans,
        ..
    } = inputs;
    let changes = match baseline {
        Some(baseline) if plans.is_empty() => pair_with_baseline(changes, baseline),
        baseline => with_unlisted(changes, plans, baseline),
    };
    budget::judge(data, settings, &changes, transitions, findings)
}

/// The changes plus every resource that existed before a plan and that it does not list: a
/// `-target` plan lists only what it targets, and the rest stays. What existed is each plan's
/// `prior_state`, or the baseline, which stands in for all of them as one scope (so it is
/// added once, less what any plan lists).
fn with_unlisted(
    mut changes: Vec<Change>,
    plans: Vec<PlanScope>,
    baseline: Option<Vec<Change>>,
) -> Vec<Change> {
    let scopes = match baseline {
        Some(baseline) => vec![PlanScope {
            listed: plans.into_iter().flat_map(|p| p.listed).collect(),
            prior: Some(baseline),
        }],
        None => plans,
    };
    for PlanScope { listed, prior } in scopes {
        let unlisted = prior.into_iter().flatten();
        changes.extend(unlisted.filter(|c| !listed.contains(&c.address)));
    }
    changes
}

/// The limits data: `--limits FILE` or the embedded data.
pub fn load_limits(args: &JudgeArgs) -> Result<LimitsData> {
    match &args.limits {
        Some(path) => {
            let source = Source::from_operand(path);
            let text = source.read_string()?;
            LimitsData::parse(&source.name(), &text)
        }
        None => LimitsData::embedded(),
    }
}

/// The judging settings from the options.
pub fn settings(args: &JudgeArgs) -> Settings {
    Settings {
        as_of: args.as_of.unwrap_or_else(Date::today),
        account: args.account,
        hours_per_month: args.hours_per_month,
        home_region: args.home_region.clone(),
        source_dir: args.chdir.clone().unwrap_or_else(|| PathBuf::from(".")),
    }
}

fn read_baseline(path: &Path) -> Result<Vec<Change>> {
    let inputs = read_sources(&[Source::from_operand(path)]).context("--baseline")?;
    Ok(inputs
        .changes
        .into_iter()
        .filter(|c| c.after.is_some())
        .collect())
}

/// Pairs existing resources with the baseline by address: a resource only in the baseline
/// was deleted, one only in the inputs was created, one in both changed or stayed.
fn pair_with_baseline(changes: Vec<Change>, baseline: Vec<Change>) -> Vec<Change> {
    let mut before: std::collections::HashMap<String, Change> = baseline
        .into_iter()
        .map(|c| (c.address.clone(), c))
        .collect();
    let mut paired: Vec<Change> = changes
        .into_iter()
        .map(|mut change| {
            let old = before.remove(&change.address).and_then(|c| c.after);
            change.action = match (&old, &change.after) {
                (None, _) => Action::Create,
                (Some(old), Some(new)) if old == new => Action::NoOp,
                (Some(_), _) => Action::Update,
            };
            change.before = old;
            change
        })
        .collect();
    let mut gone: Vec<Change> = before.into_values().collect();
    gone.sort_by(|a, b| a.address.cmp(&b.address));
    paired.extend(gone.into_iter().map(|mut c| {
        c.action = Action::Delete;
        c.before = c.after.take();
        c
    }));
    paired
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use serde_json::json;

    fn existing(address: &str, size: &str) -> Change {
        Change::existing(
            address.into(),
            "oci_core_volume",
            "s.json",
            json!({"size_in_gbs": size}),
        )
    }

    fn addresses(changes: &[Change]) -> Vec<(&str, &str)> {
        changes
            .iter()
            .map(|c| (c.address.as_str(), c.source.as_str()))
            .collect()
    }

    #[test]
    fn plans_keep_what_existed_and_they_do_not_list() {
        let planned = || vec![existing("b", "60")];
        let scope = |prior: Option<Vec<Change>>| PlanScope {
            listed: BTreeSet::from(["b".to_string(), "moved_from".to_string()]),
            prior,
        };
        let prior = vec![
            existing("a", "50"),
            existing("b", "40"),
            existing("moved_from", "10"),
        ];
        let kept = with_unlisted(planned(), vec![scope(Some(prior.clone()))], None);
        assert_eq!(addresses(&kept), [("b", "s.json"), ("a", "s.json")]);
        let mut baseline = vec![existing("c", "70"), existing("b", "40")];
        baseline[0].source = "base.json".into();
        let kept = with_unlisted(
            planned(),
            vec![scope(Some(prior)), scope(None)],
            Some(baseline),
        );
        assert_eq!(
            addresses(&kept),
            [("b", "s.json"), ("c", "base.json")],
            "the baseline stands in for prior_state, once for all plans"
        );
        let kept = with_unlisted(planned(), vec![scope(None)], None);
        assert_eq!(addresses(&kept), [("b", "s.json")]);
    }

    #[test]
    fn baseline_pairs_by_address() {
        let now = vec![
            existing("a", "50"),
            existing("b", "60"),
            existing("c", "70"),
        ];
        let then = vec![
            existing("a", "50"),
            existing("b", "40"),
            existing("d", "80"),
        ];
        let paired = pair_with_baseline(now, then);
        let actions: Vec<(&str, Action)> = paired
            .iter()
            .map(|c| (c.address.as_str(), c.action))
            .collect();
        assert_eq!(
            actions,
            [
                ("a", Action::NoOp),
                ("b", Action::Update),
                ("c", Action::Create),
                ("d", Action::Delete)
            ]
        );
        assert!(paired[3].after.is_none() && paired[3].before.is_some());
    }
}
