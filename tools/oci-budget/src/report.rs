//! The summary of a budget run, its verdict, and writing the records as JSON Lines or as
//! tables for people (plain, Markdown for a pull request, CSV).

use std::io::Write;

use anyhow::Result;
use serde::Serialize;
use shared::Exit;
use shared::output::RecordWriter;
use shared::table::{Table, TableFormat};

use crate::budget::{Budget, BudgetLine, LineStatus, Settings};
use crate::finding::{Finding, Status};
use crate::limits::Account;

/// The answer of a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every limit holds and nothing is billed.
    Within,
    /// Something is over, billed, or a check failed.
    Over,
    /// Nothing is over, but something cannot be decided.
    Unknown,
}

impl Verdict {
    /// The exit code: within is 0, over is 1, unknown is 1 unless unknowns are accepted.
    pub fn exit(self, allow_unknown: bool) -> Exit {
        match self {
            Verdict::Within => Exit::Success,
            Verdict::Unknown if allow_unknown => Exit::Success,
            Verdict::Over | Verdict::Unknown => Exit::No,
        }
    }
}

/// The `summary` record.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Always `"summary"`.
    #[serde(rename = "type")]
    pub record_type: &'static str,
    /// The verdict.
    pub status: Verdict,
    /// The day whose edition of the limits was applied.
    pub as_of: String,
    /// When the limits data was compiled.
    pub limits_compiled: String,
    /// The kind of tenancy assumed.
    pub account: Account,
    /// Hours per month A1 usage is counted for.
    pub hours_per_month: f64,
    /// The home region, when given.
    pub home_region: Option<String>,
    /// What the numbers assume.
    pub assumptions: Vec<String>,
    /// OCI resources judged.
    pub resources: usize,
    /// Budget lines over their limit.
    pub lines_over: usize,
    /// Budget lines exactly at their limit.
    pub lines_at_limit: usize,
    /// Budget lines that cannot be decided.
    pub lines_unknown: usize,
    /// Findings that are over (billed), failed checks included.
    pub findings_over: usize,
    /// Findings that cannot be decided.
    pub findings_unknown: usize,
    /// Monthly cost beyond Always Free at list price, of the parts whose price is known.
    pub monthly_cost_usd: f64,
    /// False when some billed part has no known price, so the cost is a lower bound.
    pub cost_complete: bool,
    /// The billed parts without a known price: limit ids and resource addresses.
    pub costs_unknown: Vec<String>,
    /// Limits on usage over time that the inputs cannot show (requests, outbound transfer).
    pub not_assessed: Vec<String>,
}

/// The summary of a budget.
pub fn summarize(budget: &Budget, settings: &Settings, limits_compiled: &str) -> Summary {
    let count_lines = |status| budget.lines.iter().filter(|l| l.status == status).count();
    let findings_over = budget
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Over | Status::Failed))
        .count();
    let findings_unknown = budget
        .findings
        .iter()
        .filter(|f| f.status == Status::Unknown)
        .count();
    let (lines_over, lines_unknown) = (
        count_lines(LineStatus::Over),
        count_lines(LineStatus::Unknown),
    );
    let status = if lines_over + findings_over > 0 {
        Verdict::Over
    } else if lines_unknown + findings_unknown > 0 {
        Verdict::Unknown
    } else {
        Verdict::Within
    };
    let (total, costs_unknown) = monthly_cost(budget);
    Summary {
        record_type: "summary",
        status,
        as_of: settings.as_of.to_string(),
        limits_compiled: limits_compiled.to_string(),
        account: settings.account,
        hours_per_month: settings.hours_per_month,
        home_region: settings.home_region.clone(),
        assumptions: assumptions(settings),
        resources: budget.resources.len(),
        lines_over,
        lines_at_limit: count_lines(LineStatus::AtLimit),
        lines_unknown,
        findings_over,
        findings_unknown,
        monthly_cost_usd: total,
        cost_complete: costs_unknown.is_empty(),
        costs_unknown,
        not_assessed: budget
            .lines
            .iter()
            .filter(|l| l.status == LineStatus::NotAssessed)
            .map(|l| l.id.clone())
            .collect(),
    }
}

/// The monthly cost of what is billed, and what is billed without a known price.
fn monthly_cost(budget: &Budget) -> (f64, Vec<String>) {
    let lines = budget
        .lines
        .iter()
        .filter(|l| l.status != LineStatus::NotAssessed)
        .map(|l| (l.id.as_str(), l.cost_usd));
    let findings = budget
        .findings
        .iter()
        .filter(|f| f.status == Status::Over)
        .map(|f| (f.address.as_deref().unwrap_or("-"), f.cost_usd));
    let (mut total, mut unknown) = (0.0, Vec::new());
    for (what, cost) in lines.chain(findings) {
        match cost {
            Some(cost) => total += cost,
            None => unknown.push(what.to_string()),
        }
    }
    (total, unknown)
}

fn assumptions(settings: &Settings) -> Vec<String> {
    let mut list = vec![
        format!(
            "A1 usage counted for {} hours per month (a 31-day month is 744)",
            settings.hours_per_month
        ),
        "costs are pay-as-you-go list prices in USD per month".to_string(),
    ];
    if settings.home_region.is_none() {
        list.push("every resource is in the home region (no --home-region given)".to_string());
    }
    list.push(
        "usage over time (Object Storage requests, outbound transfer) is not in a plan, state or listing: those lines are not assessed".to_string(),
    );
    list
}

/// Writes the budget and its summary as JSON Lines records or as a table.
pub fn write(
    budget: &Budget,
    summary: &Summary,
    format: Option<TableFormat>,
    out: &mut RecordWriter<impl Write>,
) -> Result<()> {
    match format {
        None => {
            for line in &budget.lines {
                out.write(line)?;
            }
            for resource in &budget.resources {
                out.write(resource)?;
            }
            for finding in &budget.findings {
                out.write(finding)?;
            }
            out.write(summary)?;
        }
        Some(TableFormat::Csv) => {
            out.write_text(&csv_table(budget, summary).render(TableFormat::Csv))?
        }
        Some(format) => out.write_text(&human_report(budget, summary, format))?,
    }
    Ok(())
}

/// The report for people: the lines, the findings, and one line of summary.
fn human_report(budget: &Budget, summary: &Summary, format: TableFormat) -> String {
    let mut text = String::new();
    if format == TableFormat::Markdown {
        text.push_str(&format!(
            "### OCI Always Free budget: {}\n\n",
            verdict_word(summary.status)
        ));
    }
    text.push_str(&lines_table(&budget.lines).render(format));
    push_findings(&mut text, &budget.findings, format);
    text.push('\n');
    text.push_str(&summary_sentence(summary));
    text.push('\n');
    text
}

/// The CSV columns: a record's `type` first, then the columns of the budget lines, then
/// those that only findings and the summary fill.
const CSV_COLUMNS: [&str; 12] = [
    "type",
    "id",
    "used",
    "allowance",
    "unit",
    "headroom",
    "status",
    "baseline",
    "peak",
    "cost_usd",
    "address",
    "message",
];

/// The CSV: one row per record, as in JSON Lines. Budget lines fill their columns; a finding
/// puts its kind in `id`, its status, cost, address and message; the summary its verdict, the
/// monthly cost (`>=` when a price is unknown) and the summary sentence.
fn csv_table(budget: &Budget, summary: &Summary) -> Table {
    let mut table = Table::new(CSV_COLUMNS);
    for line in &budget.lines {
        table.push(std::iter::once("budget_line".to_string()).chain(line_row(line)));
    }
    for finding in &budget.findings {
        table.push(record_row("finding", finding_row(finding)));
    }
    let cost = if summary.cost_complete {
        money(summary.monthly_cost_usd)
    } else {
        format!(">={}", money(summary.monthly_cost_usd))
    };
    let verdict = verdict_word(summary.status).to_string();
    let sentence = summary_sentence(summary);
    table.push(record_row(
        "summary",
        [String::new(), verdict, String::new(), sentence, cost],
    ));
    table
}

/// The CSV row of a record that is not a budget line, from cells in the columns of the
/// findings table (`id`, `status`, `address`, `message`, `cost_usd`); the others are empty.
fn record_row(
    record_type: &str,
    [id, status, address, message, cost]: [String; 5],
) -> [String; 12] {
    let empty = String::new;
    [
        record_type.to_string(),
        id,
        empty(),
        empty(),
        empty(),
        empty(),
        status,
        empty(),
        empty(),
        cost,
        address,
        message,
    ]
}

fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Within => "within",
        Verdict::Over => "over",
        Verdict::Unknown => "unknown",
    }
}

/// The budget lines as a table; what is not assessed is left empty.
pub fn lines_table(lines: &[BudgetLine]) -> Table {
    let mut table = Table::new([
        "limit",
        "used",
        "allowance",
        "unit",
        "headroom",
        "status",
        "baseline",
        "peak",
        "cost_usd",
    ]);
    for line in lines {
        table.push(line_row(line));
    }
    table
}

/// One budget line's cells, in the columns of [`lines_table`].
fn line_row(line: &BudgetLine) -> [String; 9] {
    let used = match line.used {
        Some(used) if line.exact => number(used),
        Some(used) => format!(">={}", number(used)),
        None => String::new(),
    };
    let cost = match (line.cost_usd, line.status) {
        (Some(cost), _) => money(cost),
        (None, LineStatus::NotAssessed) => String::new(),
        (None, _) => "unknown".to_string(),
    };
    [
        line.id.clone(),
        used,
        number(line.limit),
        line.unit.clone(),
        line.headroom.map(number).unwrap_or_default(),
        status_word(line.status).to_string(),
        line.baseline.map(number).unwrap_or_default(),
        line.peak.map(number).unwrap_or_default(),
        cost,
    ]
}

/// Appends the findings table to a report for people, after a blank line; nothing when there
/// are none.
pub fn push_findings(text: &mut String, findings: &[Finding], format: TableFormat) {
    if !findings.is_empty() {
        text.push('\n');
        text.push_str(&findings_table(findings).render(format));
    }
}

/// The findings as a table: kind, status, address, message and cost.
fn findings_table(findings: &[Finding]) -> Table {
    let mut table = Table::new(["finding", "status", "address", "message", "cost_usd"]);
    for finding in findings {
        table.push(finding_row(finding));
    }
    table
}

/// One finding's cells, in the columns of the findings table.
fn finding_row(finding: &Finding) -> [String; 5] {
    [
        snake_case_name(finding.kind),
        snake_case_name(finding.status),
        finding.address.clone().unwrap_or_else(|| "-".to_string()),
        finding.message.clone(),
        finding_cost(finding),
    ]
}

/// A unit enum's name as JSON writes it.
pub fn snake_case_name(value: impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A finding's cost: its amount, `unknown` when it is billed without a known price, else `-`.
fn finding_cost(finding: &Finding) -> String {
    match (finding.cost_usd, finding.status) {
        (Some(cost), _) => money(cost),
        (None, Status::Over) => "unknown".to_string(),
        (None, _) => "-".to_string(),
    }
}

fn summary_sentence(summary: &Summary) -> String {
    let cost = if summary.cost_complete {
        format!("${}/month", money(summary.monthly_cost_usd))
    } else {
        format!(
            "at least ${}/month (no list price for {})",
            money(summary.monthly_cost_usd),
            summary.costs_unknown.join(", ")
        )
    };
    let not_assessed = if summary.not_assessed.is_empty() {
        String::new()
    } else {
        format!(
            "; not assessed (usage over time): {}",
            summary.not_assessed.join(", ")
        )
    };
    format!(
        "{}: {} over, {} at limit, {} unknown; {} findings over, {} unknown; limits as of {} (compiled {}); {} h/month; beyond Always Free: {cost}{not_assessed}",
        verdict_word(summary.status),
        summary.lines_over,
        summary.lines_at_limit,
        summary.lines_unknown,
        summary.findings_over,
        summary.findings_unknown,
        summary.as_of,
        summary.limits_compiled,
        number(summary.hours_per_month),
    )
}

fn status_word(status: LineStatus) -> &'static str {
    match status {
        LineStatus::Ok => "ok",
        LineStatus::AtLimit => "at_limit",
        LineStatus::Over => "over",
        LineStatus::Unknown => "unknown",
        LineStatus::NotAssessed => "not_assessed",
    }
}

/// A number without trailing zeros (`200`, `0.5`, `1487.99`).
pub fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

fn money(value: f64) -> String {
    format!("{value:.2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fails_unless_allowed() {
        assert_eq!(Verdict::Unknown.exit(false), Exit::No);
        assert_eq!(Verdict::Unknown.exit(true), Exit::Success);
        assert_eq!(Verdict::Over.exit(true), Exit::No);
        assert_eq!(Verdict::Within.exit(false), Exit::Success);
    }

    #[test]
    fn numbers_drop_trailing_zeros() {
        assert_eq!(number(200.0), "200");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(-0.001), "0");
        assert_eq!(number(1487.994), "1487.99");
    }
}
