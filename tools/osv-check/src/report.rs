//! The records a scan produces (one `finding` per package and record, then a `summary`), the
//! verdict against `--fail-on`, and their renderings as tables.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use shared::table::{Table, TableFormat};

use crate::ignore::{IgnoreRule, Rules};
use crate::package::{Ecosystem, Unscanned};
use crate::scan::Scan;
use crate::severity::{Rating, Severity, assess};

/// The package of a finding.
#[derive(Debug, Clone, Serialize)]
pub struct PackageRef {
    /// The OSV ecosystem.
    pub ecosystem: Ecosystem,
    /// The package name.
    pub name: String,
    /// The version (empty when unpinned).
    pub version: String,
    /// The commit, for a repository revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The input file (or `<stdin>`).
    pub source: String,
}

/// One `"type": "finding"` record.
#[derive(Debug, Clone, Serialize)]
pub struct FindingRecord {
    /// Always `"finding"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The affected package.
    pub package: PackageRef,
    /// The OSV id.
    pub id: String,
    /// Other ids of the vulnerability.
    pub aliases: Vec<String>,
    /// The record's summary.
    pub summary: Option<String>,
    /// The severity of the record's highest-rated entry (its `type` and `vector` say which),
    /// or `null` when the record has none.
    pub severity: Option<Severity>,
    /// Versions that fix it for this package.
    pub fixed_versions: Vec<String>,
    /// True when an ignore rule applies (and has not expired).
    pub ignored: bool,
    /// The ignore rule that names this finding, expired or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore: Option<IgnoreRule>,
    /// True when this finding makes the run fail (not ignored, at or above `--fail-on`).
    pub fails: bool,
}

/// The closing `"type": "summary"` record.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Always `"summary"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `api` or `offline`.
    pub database: &'static str,
    /// Packages looked up.
    pub packages: usize,
    /// Packages with at least one finding that is not ignored.
    pub vulnerable_packages: usize,
    /// Findings, ignored ones included.
    pub findings: usize,
    /// Findings an ignore rule covers.
    pub ignored: usize,
    /// Findings that make the run fail.
    pub failing: usize,
    /// Findings not ignored, by rating (`unknown` for records without a severity).
    pub by_rating: BTreeMap<&'static str, usize>,
    /// Ignore rules that matched a finding but have expired.
    pub expired_ignores: Vec<String>,
    /// Packages that could not be checked, and why.
    pub unscanned: Vec<Unscanned>,
}

/// The report of a run.
#[derive(Debug, Clone)]
pub struct Report {
    /// Finding records, sorted by source, package and id.
    pub findings: Vec<FindingRecord>,
    /// The summary record.
    pub summary: Summary,
}

/// Builds the records of a scan, applying ignore rules and the failure threshold (a finding
/// without a severity fails at any threshold: unknown is not safe).
pub fn build(scan: Scan, rules: &Rules, fail_on: Option<Rating>, database: &'static str) -> Report {
    let mut findings: Vec<FindingRecord> = scan
        .findings
        .iter()
        .map(|f| {
            let affected_scores: Vec<_> = f
                .vuln
                .affected_for(&f.package.ecosystem, &f.package.name)
                .flat_map(|a| a.severity.clone())
                .collect();
            let severity = assess(&f.vuln, &affected_scores);
            let ignore = rules.rule_for(&f.vuln, &f.package);
            let ignored = ignore.as_ref().is_some_and(|r| !r.expired);
            let meets = match (fail_on, &severity) {
                (None, _) | (Some(_), None) => true,
                (Some(threshold), Some(s)) => s.rating >= threshold,
            };
            FindingRecord {
                kind: "finding",
                package: PackageRef {
                    ecosystem: f.package.ecosystem.clone(),
                    name: f.package.name.clone(),
                    version: f.package.version.clone(),
                    commit: f.package.commit.clone(),
                    source: f.package.source.clone(),
                },
                id: f.vuln.id.clone(),
                aliases: f.vuln.aliases.clone(),
                summary: f.vuln.summary.clone(),
                fixed_versions: f.vuln.fixed_versions(&f.package.ecosystem, &f.package.name),
                severity,
                ignored,
                ignore,
                fails: meets && !ignored,
            }
        })
        .collect();
    findings.sort_by(|a, b| {
        (
            &a.package.source,
            &a.package.ecosystem,
            &a.package.name,
            &a.package.version,
            &a.id,
        )
            .cmp(&(
                &b.package.source,
                &b.package.ecosystem,
                &b.package.name,
                &b.package.version,
                &b.id,
            ))
    });
    let summary = summarize(&findings, scan.packages, scan.unscanned, database);
    Report { findings, summary }
}

fn summarize(
    findings: &[FindingRecord],
    packages: usize,
    unscanned: Vec<Unscanned>,
    database: &'static str,
) -> Summary {
    let mut by_rating: BTreeMap<&'static str, usize> =
        ["critical", "high", "medium", "low", "none", "unknown"]
            .into_iter()
            .map(|r| (r, 0))
            .collect();
    let mut vulnerable = BTreeSet::new();
    let mut expired = BTreeSet::new();
    for f in findings {
        if let Some(rule) = f.ignore.as_ref().filter(|r| r.expired) {
            expired.insert(format!(
                "{} (until {})",
                f.id,
                rule.until.as_deref().unwrap_or("")
            ));
        }
        if f.ignored {
            continue;
        }
        let rating = f.severity.as_ref().map_or("unknown", |s| s.rating.name());
        *by_rating.entry(rating).or_default() += 1;
        vulnerable.insert((
            &f.package.source,
            &f.package.ecosystem,
            &f.package.name,
            &f.package.version,
        ));
    }
    Summary {
        kind: "summary",
        database,
        packages,
        vulnerable_packages: vulnerable.len(),
        findings: findings.len(),
        ignored: findings.iter().filter(|f| f.ignored).count(),
        failing: findings.iter().filter(|f| f.fails).count(),
        by_rating,
        expired_ignores: expired.into_iter().collect(),
        unscanned,
    }
}

/// The findings, then the packages that could not be checked, as a table for people; plain
/// and Markdown tables end with a summary line. STATUS is `failing`, `below_threshold` (under
/// `--fail-on`), `ignored` or `unscanned`; NOTE holds an ignore rule's reason or why a
/// package could not be checked.
pub fn render_table(report: &Report, format: TableFormat) -> String {
    let mut table = Table::new([
        "ID",
        "RATING",
        "SCORE",
        "ECOSYSTEM",
        "PACKAGE",
        "VERSION",
        "FIXED",
        "SOURCE",
        "STATUS",
        "NOTE",
    ]);
    for f in &report.findings {
        table.push(finding_row(f));
    }
    for u in &report.summary.unscanned {
        table.push(unscanned_row(u));
    }
    let mut text = table.render(format);
    if format != TableFormat::Csv {
        let s = &report.summary;
        text.push_str(&format!(
            "\n{} findings ({} ignored, {} failing) in {} of {} packages; {} unscanned.\n",
            s.findings,
            s.ignored,
            s.failing,
            s.vulnerable_packages,
            s.packages,
            s.unscanned.len()
        ));
    }
    text
}

fn finding_row(f: &FindingRecord) -> [String; 10] {
    let status = if f.ignored {
        "ignored"
    } else if f.fails {
        "failing"
    } else {
        "below_threshold"
    };
    let note = f.ignore.as_ref().map_or_else(String::new, |rule| {
        if rule.expired {
            format!("expired ignore rule: {}", rule.reason)
        } else {
            rule.reason.clone()
        }
    });
    [
        f.id.clone(),
        f.severity
            .as_ref()
            .map_or("unknown", |s| s.rating.name())
            .to_string(),
        f.severity
            .as_ref()
            .and_then(|s| s.base_score)
            .map_or_else(String::new, |s| format!("{s:.1}")),
        f.package.ecosystem.0.clone(),
        f.package.name.clone(),
        f.package
            .commit
            .clone()
            .unwrap_or_else(|| f.package.version.clone()),
        f.fixed_versions.join(" "),
        f.package.source.clone(),
        status.to_string(),
        note,
    ]
}

fn unscanned_row(u: &Unscanned) -> [String; 10] {
    [
        String::new(),
        String::new(),
        String::new(),
        u.ecosystem.clone().unwrap_or_default(),
        u.name.clone(),
        u.version.clone(),
        String::new(),
        u.source.clone(),
        "unscanned".to_string(),
        u.reason.clone(),
    ]
}
