//! `oci-budget diff OLD NEW`: the budget of two plans, states or listings side by side, line by
//! line and resource by resource, with NEW's findings (which, with its lines, decide the exit
//! code).

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use serde::Serialize;
use shared::Exit;
use shared::cli::OutputArgs;
use shared::input::Source;
use shared::output::RecordWriter;
use shared::table::{Table, TableFormat};

use crate::budget::{Budget, LineStatus, Settings};
use crate::cli::DiffArgs;
use crate::document::read_sources;
use crate::finding::Finding;
use crate::limits::LimitsData;
use crate::report::{Summary, Verdict, number, push_findings, snake_case_name, summarize};

/// One `budget_diff` record: a limit's usage in both inputs.
#[derive(Debug, Clone, Serialize)]
pub struct LineDiff {
    /// Always `"budget_diff"`.
    #[serde(rename = "type")]
    pub record_type: &'static str,
    /// The limit id.
    pub id: String,
    /// The unit of usage.
    pub unit: String,
    /// The allowance.
    pub limit: f64,
    /// Usage in OLD.
    pub old_used: f64,
    /// Usage in NEW.
    pub new_used: f64,
    /// `new_used - old_used`.
    pub delta: f64,
    /// The verdict in OLD.
    pub old_status: LineStatus,
    /// The verdict in NEW.
    pub new_status: LineStatus,
    /// Overage cost in OLD.
    pub old_cost_usd: Option<f64>,
    /// Overage cost in NEW.
    pub new_cost_usd: Option<f64>,
}

/// How a resource differs between the two inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceChange {
    /// Only in NEW.
    Added,
    /// Only in OLD.
    Removed,
    /// In both, using different amounts.
    Changed,
}

/// One `resource_diff` record: a resource whose usage differs.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceDiff {
    /// Always `"resource_diff"`.
    #[serde(rename = "type")]
    pub record_type: &'static str,
    /// Its address.
    pub address: String,
    /// How it differs.
    pub change: ResourceChange,
    /// Its usage in OLD, per limit id.
    pub old_usage: BTreeMap<String, f64>,
    /// Its usage in NEW, per limit id.
    pub new_usage: BTreeMap<String, f64>,
}

/// The `summary` record of a diff.
#[derive(Debug, Clone, Serialize)]
pub struct DiffSummary {
    /// Always `"summary"`.
    #[serde(rename = "type")]
    pub record_type: &'static str,
    /// The verdict on OLD.
    pub old_status: Verdict,
    /// The verdict on NEW, which decides the exit code.
    pub status: Verdict,
    /// Monthly overage cost of OLD.
    pub old_monthly_cost_usd: f64,
    /// Monthly overage cost of NEW.
    pub new_monthly_cost_usd: f64,
    /// The day whose edition of the limits was applied.
    pub as_of: String,
    /// Limits whose usage differs.
    pub lines_changed: usize,
    /// Resources whose usage differs.
    pub resources_changed: usize,
}

/// Runs the `diff` subcommand.
pub fn run(args: &DiffArgs, output: OutputArgs) -> Result<Exit> {
    let data = crate::load_limits(&args.judge)?;
    let settings = crate::settings(&args.judge);
    let old = judge_one(&data, &settings, &args.old)?;
    let new = judge_one(&data, &settings, &args.new)?;
    let (old_summary, new_summary) = (
        summarize(&old, &settings, &data.compiled),
        summarize(&new, &settings, &data.compiled),
    );
    let lines = line_diffs(&old, &new);
    let resources = resource_diffs(&old, &new);
    let summary = diff_summary(&old_summary, &new_summary, &lines, resources.len());
    let mut out = RecordWriter::stdout(output.pretty, false);
    let records = DiffRecords {
        lines: &lines,
        resources: &resources,
        findings: &new.findings,
        summary: &summary,
    };
    write(&records, output.output.table(), &mut out)?;
    out.finish()?;
    Ok(summary.status.exit(args.judge.allow_unknown))
}

fn judge_one(data: &LimitsData, settings: &Settings, path: &std::path::Path) -> Result<Budget> {
    let inputs = read_sources(&[Source::from_operand(path)])?;
    Ok(crate::judge_inputs(data, settings, inputs, None))
}

/// Every assessed limit of NEW beside the same limit of OLD (usage over time, which neither
/// input shows, has nothing to compare).
pub fn line_diffs(old: &Budget, new: &Budget) -> Vec<LineDiff> {
    new.lines
        .iter()
        .filter_map(|line| {
            let new_used = line.used?;
            let before = old.lines.iter().find(|l| l.id == line.id);
            let old_used = before.and_then(|l| l.used).unwrap_or(0.0);
            Some(LineDiff {
                record_type: "budget_diff",
                id: line.id.clone(),
                unit: line.unit.clone(),
                limit: line.limit,
                old_used,
                new_used,
                delta: new_used - old_used,
                old_status: before.map_or(LineStatus::Ok, |l| l.status),
                new_status: line.status,
                old_cost_usd: before.and_then(|l| l.cost_usd),
                new_cost_usd: line.cost_usd,
            })
        })
        .collect()
}

/// The resources whose usage differs, by address.
pub fn resource_diffs(old: &Budget, new: &Budget) -> Vec<ResourceDiff> {
    let usage = |budget: &Budget| -> BTreeMap<String, BTreeMap<String, f64>> {
        budget
            .resources
            .iter()
            .map(|r| (r.address.clone(), r.usage.clone()))
            .collect()
    };
    let (old, new) = (usage(old), usage(new));
    let addresses: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    addresses
        .into_iter()
        .filter_map(|address| {
            let (before, after) = (old.get(address), new.get(address));
            let change = match (before, after) {
                (None, Some(_)) => ResourceChange::Added,
                (Some(_), None) => ResourceChange::Removed,
                (Some(a), Some(b)) if a != b => ResourceChange::Changed,
                _ => return None,
            };
            Some(ResourceDiff {
                record_type: "resource_diff",
                address: address.clone(),
                change,
                old_usage: before.cloned().unwrap_or_default(),
                new_usage: after.cloned().unwrap_or_default(),
            })
        })
        .collect()
}

fn diff_summary(
    old: &Summary,
    new: &Summary,
    lines: &[LineDiff],
    resources_changed: usize,
) -> DiffSummary {
    DiffSummary {
        record_type: "summary",
        old_status: old.status,
        status: new.status,
        old_monthly_cost_usd: old.monthly_cost_usd,
        new_monthly_cost_usd: new.monthly_cost_usd,
        as_of: new.as_of.clone(),
        lines_changed: lines
            .iter()
            .filter(|l| l.delta != 0.0 || l.old_status != l.new_status)
            .count(),
        resources_changed,
    }
}

/// Everything a diff prints.
struct DiffRecords<'a> {
    lines: &'a [LineDiff],
    resources: &'a [ResourceDiff],
    findings: &'a [Finding],
    summary: &'a DiffSummary,
}

fn write(
    records: &DiffRecords<'_>,
    format: Option<TableFormat>,
    out: &mut RecordWriter<impl Write>,
) -> Result<()> {
    let Some(format) = format else {
        for line in records.lines {
            out.write(line)?;
        }
        for resource in records.resources {
            out.write(resource)?;
        }
        for finding in records.findings {
            out.write(finding)?;
        }
        out.write(records.summary)?;
        return Ok(());
    };
    let mut table = Table::new([
        "limit",
        "old",
        "new",
        "delta",
        "allowance",
        "unit",
        "old_status",
        "new_status",
    ]);
    for line in records.lines {
        table.push([
            line.id.clone(),
            number(line.old_used),
            number(line.new_used),
            number(line.delta),
            number(line.limit),
            line.unit.clone(),
            snake_case_name(line.old_status),
            snake_case_name(line.new_status),
        ]);
    }
    let mut text = table.render(format);
    push_findings(&mut text, records.findings, format);
    out.write_text(&text)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::judge;
    use crate::change::Change;
    use crate::limits::Account;
    use serde_json::json;

    fn budget_of(sizes: &[(&str, &str)]) -> Budget {
        let data = LimitsData::embedded().unwrap();
        let settings = Settings {
            as_of: "2026-11-22".parse().unwrap(),
            account: Account::Free,
            hours_per_month: 744.0,
            home_region: None,
            source_dir: std::path::PathBuf::from("."),
        };
        let changes: Vec<Change> = sizes
            .iter()
            .map(|(a, s)| {
                Change::existing(
                    (*a).into(),
                    "oci_core_volume",
                    "s.json",
                    json!({"size_in_gbs": s}),
                )
            })
            .collect();
        judge(&data, &settings, &changes, false, Vec::new())
    }

    #[test]
    fn lines_and_resources_are_compared() {
        let old = budget_of(&[("a", "100"), ("b", "50")]);
        let new = budget_of(&[("a", "150"), ("c", "60")]);
        let lines = line_diffs(&old, &new);
        let block = lines.iter().find(|l| l.id == "block.total_gb").unwrap();
        assert_eq!(
            (block.old_used, block.new_used, block.delta),
            (150.0, 210.0, 60.0)
        );
        assert_eq!(
            (block.old_status, block.new_status),
            (LineStatus::Ok, LineStatus::Over)
        );
        let resources = resource_diffs(&old, &new);
        let changes: Vec<(&str, ResourceChange)> = resources
            .iter()
            .map(|r| (r.address.as_str(), r.change))
            .collect();
        assert_eq!(
            changes,
            [
                ("a", ResourceChange::Changed),
                ("b", ResourceChange::Removed),
                ("c", ResourceChange::Added)
            ]
        );
    }
}
