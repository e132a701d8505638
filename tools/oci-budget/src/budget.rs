//! The budget: every resource's usage summed per limit before, after and at the peak of the
//! run, judged against the edition of the limits in force, with the overage cost.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use serde_json::Value;

use crate::change::{Action, Attr, Change, Step};
use crate::date::Date;
use crate::finding::{Finding, Kind, Status};
use crate::limits::{Account, Limit, LimitsData, Over};
use crate::region::Region;
use crate::report::number;
use crate::rules::{ObjectSize, Rules, object_size};
use crate::usage::{Amount, Usage, add_into, combine};

/// The limit id of boot and block volume storage.
const BLOCK_GB: &str = "block.total_gb";

/// Tolerance for comparing sums of fractional amounts with a limit.
const EPSILON: f64 = 1e-9;

/// How a run is judged.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The day whose edition of the limits applies.
    pub as_of: Date,
    /// The kind of tenancy.
    pub account: Account,
    /// Hours in the month A1 usage is counted for.
    pub hours_per_month: f64,
    /// The tenancy's home region; none assumes every resource is in it.
    pub home_region: Option<String>,
    /// The directory OpenTofu ran in, which relative object `source` paths are read from.
    pub source_dir: PathBuf,
}

/// Where usage stands against a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Below the allowance.
    Ok,
    /// Exactly at the allowance (within).
    AtLimit,
    /// Beyond the allowance.
    Over,
    /// Cannot be decided: part of the usage is unknown until apply and its lower bound fits.
    Unknown,
    /// Usage over time (requests, outbound transfer) that no plan, state or listing shows.
    NotAssessed,
}

/// One `budget_line` record: usage of one limit.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetLine {
    /// Always `"budget_line"`.
    #[serde(rename = "type")]
    pub record_type: &'static str,
    /// The limit id (`block.total_gb`).
    pub id: String,
    /// What is limited.
    pub description: String,
    /// Usage after the run (a lower bound when `exact` is false); null when not assessed.
    pub used: Option<f64>,
    /// False when `used` is only a lower bound (or not assessed).
    pub exact: bool,
    /// The allowance.
    pub limit: f64,
    /// The unit of both.
    pub unit: String,
    /// `limit - used`; negative when over, null when not assessed.
    pub headroom: Option<f64>,
    /// The verdict.
    pub status: LineStatus,
    /// Usage before the run, when the input tells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
    /// The most usage at any moment of the run, when the input tells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak: Option<f64>,
    /// What happens beyond the allowance.
    pub over: Over,
    /// Monthly cost of the usage beyond the allowance at list price: 0 when within or when the
    /// excess costs nothing; null when the price is not known or the line is not assessed.
    pub cost_usd: Option<f64>,
    /// Why the cost is what it is (no charge, no list price known, not assessed), when the
    /// data says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The first day of this edition of the limit.
    pub effective_from: Option<String>,
    /// The last day of this edition, when it has ended.
    pub effective_to: Option<String>,
    /// Where the allowance and price come from.
    pub sources: Vec<String>,
    /// The resources that use it.
    pub resources: Vec<String>,
}

/// One `resource` record: what a resource adds to each limit.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceRecord {
    /// Always `"resource"`.
    #[serde(rename = "type")]
    pub record_type: &'static str,
    /// Its address.
    pub address: String,
    /// Its type.
    pub resource_type: String,
    /// The input it came from.
    pub source: String,
    /// What the run does to it.
    pub action: Action,
    /// Its usage after the run (before it, for a delete), per limit id.
    pub usage: BTreeMap<String, f64>,
    /// False when part of the usage is only a lower bound.
    pub exact: bool,
    /// The region it lives in, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// Everything a budget run found.
#[derive(Debug, Clone)]
pub struct Budget {
    /// One line per limit in force.
    pub lines: Vec<BudgetLine>,
    /// One record per OCI resource.
    pub resources: Vec<ResourceRecord>,
    /// Findings from the inputs and the rules.
    pub findings: Vec<Finding>,
}

/// Sums of usage per limit id.
#[derive(Debug, Default)]
struct Totals {
    after: BTreeMap<String, Amount>,
    before: BTreeMap<String, Amount>,
    peak: BTreeMap<String, Amount>,
    users: BTreeMap<String, BTreeSet<String>>,
}

/// Judges `changes`; `transitions` says whether they tell what existed before the run (a
/// plan, or a state or listing paired with a baseline), so that lines show a baseline and a
/// peak.
pub fn judge(
    data: &LimitsData,
    settings: &Settings,
    changes: &[Change],
    transitions: bool,
    mut findings: Vec<Finding>,
) -> Budget {
    let rules = Rules::new(data, settings.hours_per_month)
        .with_source_dir(&settings.source_dir)
        .with_managed_objects(managed_object_bytes(changes, &settings.source_dir));
    let limits = data.in_force(settings.as_of, settings.account);
    let mut totals = Totals::default();
    let mut resources = Vec::new();
    for change in changes {
        let Some((record, usage)) = judge_change(&rules, change, settings, &limits, &mut findings)
        else {
            continue;
        };
        totals.add(change, &usage);
        resources.push(record);
    }
    let has_before = transitions || changes.iter().any(|c| c.action != Action::NoOp);
    let lines: Vec<BudgetLine> = limits
        .iter()
        .map(|limit| {
            let mut line = totals.line(limit, has_before, settings.hours_per_month);
            line.sources = limit
                .sources
                .iter()
                .filter_map(|key| data.sources.get(key).cloned())
                .collect();
            line
        })
        .collect();
    findings.extend(peak_findings(&lines, &limits));
    findings.extend(unjudged_findings(data, settings, &limits, &totals));
    findings.extend(duplicate_findings(&resources));
    Budget {
        lines,
        resources,
        findings,
    }
}

/// Bytes of the objects the changes manage, by bucket name, as the run leaves them.
fn managed_object_bytes(changes: &[Change], source_dir: &Path) -> HashMap<String, f64> {
    let mut bytes: HashMap<String, f64> = HashMap::new();
    for change in changes
        .iter()
        .filter(|c| c.resource_type == "oci_objectstorage_object")
    {
        let Some(side) = change.after.as_ref() else {
            continue;
        };
        if let (Some(bucket), ObjectSize::Known(size)) =
            (side.str("bucket"), object_size(side, source_dir))
        {
            *bytes.entry(bucket.to_string()).or_insert(0.0) += size;
        }
    }
    bytes
}

/// The usage of one change before, after and at its peak, and its record; `None` when it is
/// not an OCI resource.
fn judge_change(
    rules: &Rules<'_>,
    change: &Change,
    settings: &Settings,
    limits: &[&Limit],
    findings: &mut Vec<Finding>,
) -> Option<(ResourceRecord, ChangeUsage)> {
    let side_usage = |side: &Option<crate::change::Side>| {
        side.as_ref()
            .and_then(|s| rules.usage(&change.resource_type, &change.address, &change.source, s))
    };
    let before = side_usage(&change.before);
    let after = side_usage(&change.after);
    let shown = after.as_ref().or(before.as_ref())?;
    let record = ResourceRecord {
        record_type: "resource",
        address: change.address.clone(),
        resource_type: change.resource_type.clone(),
        source: change.source.clone(),
        action: change.action,
        usage: shown
            .amounts
            .iter()
            .map(|(id, a)| (id.clone(), a.value))
            .collect(),
        exact: shown.amounts.values().all(|a| a.exact),
        region: shown.region.as_ref().map(|r| r.name().to_string()),
    };
    if change.after.is_some() {
        findings.extend(shown.findings.iter().cloned());
    }
    let before = outside_home(before, change, settings, limits, None);
    let mut after = outside_home(after, change, settings, limits, Some(findings));
    keep_preserved_boot_volume(change, &before, &mut after, findings);
    Some((
        record,
        ChangeUsage {
            before,
            after,
            action: change.action,
        },
    ))
}

/// An instance destroyed with `preserve_boot_volume = true` leaves its boot volume behind,
/// still using block storage after the run.
fn keep_preserved_boot_volume(
    change: &Change,
    before: &BTreeMap<String, Amount>,
    after: &mut BTreeMap<String, Amount>,
    findings: &mut Vec<Finding>,
) {
    let destroys = matches!(
        change.action,
        Action::Delete | Action::DeleteCreate | Action::CreateDelete
    );
    let preserved = change.before.as_ref().is_some_and(|side| {
        matches!(
            side.attr(&[Step::Key("preserve_boot_volume")]),
            Attr::Known(Value::Bool(true))
        )
    });
    let boot = before.get(BLOCK_GB).copied();
    let (true, true, Some(boot)) = (
        change.resource_type == "oci_core_instance" && destroys,
        preserved,
        boot,
    ) else {
        return;
    };
    let entry = after
        .entry(BLOCK_GB.to_string())
        .or_insert_with(Amount::zero);
    *entry = entry.plus(boot);
    let message = format!(
        "destroyed with preserve_boot_volume = true: its boot volume ({} GB) stays and keeps using block storage",
        boot.value
    );
    findings.push(Finding::new(
        Kind::PreservedBootVolume,
        Status::Info,
        &change.address,
        &change.source,
        message,
    ));
}

/// Usage of one change on each side, with amounts outside the home region taken out.
struct ChangeUsage {
    before: BTreeMap<String, Amount>,
    after: BTreeMap<String, Amount>,
    action: Action,
}

/// The amounts of a side, or none when the resource is outside the home region (then it
/// is billed, which `findings` records for the side after the run). A region that is not
/// recognised keeps its amounts and makes the answer unknown: it is not guessed to be outside.
fn outside_home(
    usage: Option<Usage>,
    change: &Change,
    settings: &Settings,
    limits: &[&Limit],
    findings: Option<&mut Vec<Finding>>,
) -> BTreeMap<String, Amount> {
    let Some(usage) = usage else {
        return BTreeMap::new();
    };
    let (Some(home), Some(region)) = (&settings.home_region, &usage.region) else {
        return usage.amounts;
    };
    if usage.amounts.is_empty() {
        return usage.amounts;
    }
    match region {
        Region::Known(name) if name == home => usage.amounts,
        Region::Known(name) => {
            if let Some(findings) = findings {
                let cost = list_cost(&usage.amounts, limits, settings.hours_per_month);
                let message = format!(
                    "in {name}, outside the home region {home}: Always Free does not cover it"
                );
                let finding = Finding::new(
                    Kind::OutsideHomeRegion,
                    Status::Over,
                    &change.address,
                    &change.source,
                    message,
                );
                findings.push(finding.with_cost(cost));
            }
            BTreeMap::new()
        }
        Region::Unrecognised(name) => {
            if let Some(findings) = findings {
                let message = format!(
                    "region {name:?} is not a region identifier or a known region key: whether it is in the home region {home} is unknown (counted as if it were)"
                );
                findings.push(Finding::new(
                    Kind::UnknownRegion,
                    Status::Unknown,
                    &change.address,
                    &change.source,
                    message,
                ));
            }
            usage.amounts
        }
    }
}

/// What amounts cost at list price, when every billed one has a price: a count whose cost
/// shows on another line (A1 instances, billed by their hours) or that costs nothing adds
/// nothing.
fn list_cost(
    amounts: &BTreeMap<String, Amount>,
    limits: &[&Limit],
    hours_per_month: f64,
) -> Option<f64> {
    amounts
        .iter()
        .filter(|(_, amount)| amount.value > 0.0)
        .map(|(id, amount)| {
            let limit = limits.iter().find(|l| &l.id == id)?;
            match limit.over {
                Over::CountedElsewhere | Over::NoCharge => Some(0.0),
                Over::Billed | Over::Refused => limit
                    .price
                    .as_ref()
                    .map(|p| p.monthly(amount.value, hours_per_month)),
            }
        })
        .sum()
}

impl Totals {
    fn add(&mut self, change: &Change, usage: &ChangeUsage) {
        add_into(&mut self.after, &usage.after);
        add_into(&mut self.before, &usage.before);
        let peak = if usage.action == Action::CreateDelete {
            combine(&usage.before, &usage.after, Amount::plus)
        } else {
            combine(&usage.before, &usage.after, Amount::max)
        };
        add_into(&mut self.peak, &peak);
        for (id, amount) in usage.after.iter().chain(&usage.before) {
            if amount.value > 0.0 || !amount.exact {
                self.users
                    .entry(id.clone())
                    .or_default()
                    .insert(change.address.clone());
            }
        }
    }

    fn line(&self, limit: &Limit, has_before: bool, hours_per_month: f64) -> BudgetLine {
        if limit.usage_only {
            return not_assessed(limit);
        }
        let used = self
            .after
            .get(&limit.id)
            .copied()
            .unwrap_or_else(Amount::zero);
        let status = status_of(used, limit.limit);
        let excess = (used.value - limit.limit).max(0.0);
        let cost_usd = match (status, limit.over, &limit.price) {
            (LineStatus::Over, Over::Billed, Some(price)) => {
                Some(price.monthly(excess, hours_per_month))
            }
            (LineStatus::Over, Over::Billed, None) => None,
            _ => Some(0.0),
        };
        let amount_of =
            |totals: &BTreeMap<String, Amount>| totals.get(&limit.id).map_or(0.0, |a| a.value);
        BudgetLine {
            used: Some(used.value),
            exact: used.exact,
            headroom: Some(limit.limit - used.value),
            status,
            baseline: has_before.then(|| amount_of(&self.before)),
            peak: has_before.then(|| amount_of(&self.peak)),
            cost_usd,
            resources: self
                .users
                .get(&limit.id)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default(),
            ..not_assessed(limit)
        }
    }
}

/// The line of a limit on usage over time that the inputs cannot show: said, not omitted.
fn not_assessed(limit: &Limit) -> BudgetLine {
    BudgetLine {
        record_type: "budget_line",
        id: limit.id.clone(),
        description: limit.description.clone(),
        used: None,
        exact: false,
        limit: limit.limit,
        unit: limit.unit.clone(),
        headroom: None,
        status: LineStatus::NotAssessed,
        baseline: None,
        peak: None,
        over: limit.over,
        cost_usd: None,
        note: limit.note.clone(),
        effective_from: limit.effective_from.clone(),
        effective_to: limit.effective_to.clone(),
        sources: Vec::new(),
        resources: Vec::new(),
    }
}

/// Resources whose address appears in more than one input: each is counted, which is right
/// for two stacks that share names and wrong for a plan given with its own state.
fn duplicate_findings(resources: &[ResourceRecord]) -> Vec<Finding> {
    let mut first_source: BTreeMap<&str, &str> = BTreeMap::new();
    let mut findings = Vec::new();
    for resource in resources {
        match first_source.get(resource.address.as_str()) {
            Some(first) if *first != resource.source => {
                let message = format!(
                    "also in {first}: counted twice; give a state of the same stack with --baseline instead"
                );
                findings.push(Finding::new(
                    Kind::DuplicateAddress,
                    Status::Unknown,
                    &resource.address,
                    &resource.source,
                    message,
                ));
            }
            Some(_) => {}
            None => {
                first_source.insert(&resource.address, &resource.source);
            }
        }
    }
    findings
}

/// Usage of a limit without an edition in force on the day (A1 before May 2021) or missing
/// from the limits data: it cannot be judged, so it is unknown rather than dropped.
fn unjudged_findings(
    data: &LimitsData,
    settings: &Settings,
    limits: &[&Limit],
    totals: &Totals,
) -> Vec<Finding> {
    let unjudged = totals.after.iter().filter(|(id, amount)| {
        (amount.value > 0.0 || !amount.exact) && !limits.iter().any(|l| &l.id == *id)
    });
    unjudged
        .filter_map(|(id, amount)| {
            let (why, unit) = why_unjudged(data, settings, id)?;
            let users: Vec<&str> = totals
                .users
                .get(id)
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
            let at_least = if amount.exact { "" } else { "at least " };
            let quantity = format!("{at_least}{} {unit}", number(amount.value));
            let message = format!(
                "{id}: {why}; {} used by {} cannot be judged",
                quantity.trim_end(),
                users.join(", ")
            );
            Some(Finding::general(
                Kind::LimitNotInForce,
                Status::Unknown,
                "",
                message,
            ))
        })
        .collect()
}

/// Why the usage of limit `id` has no edition to be judged by, and its unit; `None` when
/// every edition is for the other kind of account (per-tier Object Storage for a free
/// tenancy), which is not a question.
fn why_unjudged<'a>(
    data: &'a LimitsData,
    settings: &Settings,
    id: &str,
) -> Option<(String, &'a str)> {
    let editions: Vec<&Limit> = data.limits.iter().filter(|l| l.id == id).collect();
    let mut applying: Vec<&Limit> = editions
        .iter()
        .copied()
        .filter(|l| l.applies_to(settings.account))
        .collect();
    let Some(first) = applying.first() else {
        return editions
            .is_empty()
            .then(|| ("the limits data has no such limit".to_string(), ""));
    };
    let unit = first.unit.as_str();
    applying.sort_by_key(|l| l.effective_from.clone());
    let spans: Vec<String> = applying.iter().map(|l| edition_span(l)).collect();
    let why = format!(
        "no edition of the limit is in force on {} (editions: {})",
        settings.as_of,
        spans.join("; ")
    );
    Some((why, unit))
}

/// When an edition is in force, for messages.
fn edition_span(limit: &Limit) -> String {
    match (&limit.effective_from, &limit.effective_to) {
        (Some(from), Some(to)) => format!("{from} to {to}"),
        (Some(from), None) => format!("from {from}"),
        (None, Some(to)) => format!("until {to}"),
        (None, None) => "always".to_string(),
    }
}

/// The verdict of an amount against an allowance: at the limit is within.
pub fn status_of(used: Amount, limit: f64) -> LineStatus {
    if used.value > limit + EPSILON {
        LineStatus::Over
    } else if !used.exact {
        LineStatus::Unknown
    } else if (used.value - limit).abs() <= EPSILON {
        LineStatus::AtLimit
    } else {
        LineStatus::Ok
    }
}

/// Limits that the run crosses on its way although the end state keeps them: refused
/// creations fail the apply; billed ones cost a little for the overlap.
fn peak_findings(lines: &[BudgetLine], limits: &[&Limit]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (line, limit) in lines.iter().zip(limits) {
        let Some(peak) = line.peak else { continue };
        if limit.hourly || line.status == LineStatus::Over || peak <= line.limit + EPSILON {
            continue;
        }
        let (status, consequence) = match limit.over {
            Over::Refused => (
                Status::Over,
                "the service refuses the excess, so the apply fails",
            ),
            Over::CountedElsewhere => (
                Status::Unknown,
                "a service limit may refuse the excess, or it is billed while it lasts",
            ),
            Over::Billed => (
                Status::Info,
                "the overlap is billed for as long as it lasts",
            ),
            Over::NoCharge => (
                Status::Info,
                "the excess costs nothing, though a service limit may refuse it",
            ),
        };
        let message = format!(
            "{}: {peak} {} during the apply, over the limit of {}; {consequence}",
            line.id, line.unit, line.limit
        );
        findings.push(Finding::general(Kind::PeakOverLimit, status, "", message));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::Side;
    use serde_json::json;

    fn settings() -> Settings {
        Settings {
            as_of: "2026-11-22".parse().unwrap(),
            account: Account::Free,
            hours_per_month: 744.0,
            home_region: None,
            source_dir: PathBuf::from("."),
        }
    }

    fn volume(address: &str, action: Action, before: Option<&str>, after: Option<&str>) -> Change {
        let side = |size: Option<&str>| size.map(|s| Side::known(json!({"size_in_gbs": s})));
        Change {
            address: address.into(),
            resource_type: "oci_core_volume".into(),
            source: "p.json".into(),
            action,
            before: side(before),
            after: side(after),
        }
    }

    fn line<'a>(budget: &'a Budget, id: &str) -> &'a BudgetLine {
        budget.lines.iter().find(|l| l.id == id).unwrap()
    }

    #[test]
    fn at_the_limit_is_within_and_one_over_is_over() {
        assert_eq!(status_of(Amount::exact(200.0), 200.0), LineStatus::AtLimit);
        assert_eq!(status_of(Amount::exact(201.0), 200.0), LineStatus::Over);
        assert_eq!(
            status_of(Amount::at_least(200.0), 200.0),
            LineStatus::Unknown
        );
        assert_eq!(status_of(Amount::at_least(250.0), 200.0), LineStatus::Over);
        assert_eq!(status_of(Amount::exact(0.0), 2.0), LineStatus::Ok);
    }

    #[test]
    fn create_before_destroy_peaks_with_both() {
        let data = LimitsData::embedded().unwrap();
        let changes = [
            volume(
                "oci_core_volume.a",
                Action::CreateDelete,
                Some("100"),
                Some("100"),
            ),
            volume("oci_core_volume.b", Action::NoOp, Some("50"), Some("50")),
        ];
        let budget = judge(&data, &settings(), &changes, false, Vec::new());
        let block = line(&budget, "block.total_gb");
        assert_eq!(
            (block.used, block.baseline, block.peak),
            (Some(150.0), Some(150.0), Some(250.0))
        );
        assert_eq!(block.status, LineStatus::Ok);
        let peak: Vec<&Finding> = budget
            .findings
            .iter()
            .filter(|f| f.kind == Kind::PeakOverLimit)
            .collect();
        assert_eq!(peak.len(), 1);
        assert_eq!(peak[0].status, Status::Info);
    }

    #[test]
    fn deletes_count_before_and_not_after() {
        let data = LimitsData::embedded().unwrap();
        let changes = [
            volume("a", Action::Delete, Some("150"), None),
            volume("b", Action::Create, None, Some("100")),
            volume("c", Action::Update, Some("100"), Some("150")),
        ];
        let budget = judge(&data, &settings(), &changes, false, Vec::new());
        let block = line(&budget, "block.total_gb");
        assert_eq!(
            (block.used, block.baseline, block.peak),
            (Some(250.0), Some(250.0), Some(400.0))
        );
        assert_eq!(block.status, LineStatus::Over);
        assert!((block.cost_usd.unwrap() - 50.0 * 0.0255).abs() < 1e-9);
        assert_eq!(block.resources, ["a", "b", "c"]);
        assert_eq!(
            budget.resources[0].usage["block.total_gb"], 150.0,
            "a delete shows what it frees"
        );
    }

    fn counted(address: &str, resource_type: &str) -> Change {
        Change::existing(address.into(), resource_type, "s.json", json!({}))
    }

    #[test]
    fn excess_that_costs_nothing_or_has_no_price_says_so() {
        let data = LimitsData::embedded().unwrap();
        let nlb = "oci_network_load_balancer_network_load_balancer";
        let mysql = "oci_mysql_mysql_db_system";
        let changes = [
            counted("a", nlb),
            counted("b", nlb),
            counted("c", mysql),
            counted("d", mysql),
        ];
        let budget = judge(&data, &settings(), &changes, false, Vec::new());
        let nlb = line(&budget, "net.nlb");
        assert_eq!(
            (nlb.status, nlb.over, nlb.cost_usd),
            (LineStatus::Over, Over::NoCharge, Some(0.0))
        );
        assert!(nlb.note.as_deref().unwrap().contains("no-cost"));
        let mysql = line(&budget, "db.mysql");
        assert_eq!((mysql.status, mysql.cost_usd), (LineStatus::Over, None));
        assert!(mysql.note.as_deref().unwrap().contains("unknown"));
        assert_eq!(line(&budget, "block.total_gb").note, None);
    }

    #[test]
    fn usage_over_time_is_reported_as_not_assessed() {
        let data = LimitsData::embedded().unwrap();
        let budget = judge(&data, &settings(), &[], false, Vec::new());
        for id in ["object.requests", "net.outbound_transfer_gb"] {
            let line = line(&budget, id);
            assert_eq!(
                (line.status, line.used, line.headroom, line.cost_usd),
                (LineStatus::NotAssessed, None, None, None),
                "{id}"
            );
            assert!(
                line.note.as_deref().unwrap().contains("not assessed"),
                "{id}"
            );
        }
    }

    #[test]
    fn a_preserved_boot_volume_outlives_its_instance() {
        let data = LimitsData::embedded().unwrap();
        let values = json!({"shape": "VM.Standard.E2.1.Micro", "preserve_boot_volume": true,
                            "source_details": [{"source_type": "image", "boot_volume_size_in_gbs": "60"}]});
        let change = Change {
            address: "oci_core_instance.gw".into(),
            resource_type: "oci_core_instance".into(),
            source: "p.json".into(),
            action: Action::Delete,
            before: Some(Side::known(values)),
            after: None,
        };
        let budget = judge(&data, &settings(), &[change], false, Vec::new());
        assert_eq!(line(&budget, "block.total_gb").used, Some(60.0));
        assert_eq!(line(&budget, "micro.instances").used, Some(0.0));
        assert!(
            budget
                .findings
                .iter()
                .any(|f| f.kind == Kind::PreservedBootVolume)
        );
    }

    #[test]
    fn the_same_address_from_two_inputs_is_a_finding() {
        let data = LimitsData::embedded().unwrap();
        let mut again = volume("a", Action::NoOp, Some("50"), Some("50"));
        again.source = "state.json".into();
        let changes = [volume("a", Action::NoOp, Some("50"), Some("50")), again];
        let budget = judge(&data, &settings(), &changes, false, Vec::new());
        let duplicates: Vec<&Finding> = budget
            .findings
            .iter()
            .filter(|f| f.kind == Kind::DuplicateAddress)
            .collect();
        assert_eq!(duplicates.len(), 1);
        assert_eq!(duplicates[0].source, "state.json");
    }

    #[test]
    fn transitions_show_a_baseline_even_when_nothing_changes() {
        let data = LimitsData::embedded().unwrap();
        let changes = [volume("a", Action::NoOp, Some("80"), Some("80"))];
        let budget = judge(&data, &settings(), &changes, true, Vec::new());
        let block = line(&budget, "block.total_gb");
        assert_eq!((block.baseline, block.peak), (Some(80.0), Some(80.0)));
        let budget = judge(&data, &settings(), &changes, false, Vec::new());
        assert_eq!(line(&budget, "block.total_gb").baseline, None);
    }

    fn a1_instance(address: &str, values: Value) -> Change {
        let mut values = values;
        values["shape"] = json!("VM.Standard.A1.Flex");
        values["shape_config"] = json!([{"ocpus": 2, "memory_in_gbs": 12}]);
        values["source_details"] = json!([{"source_type": "bootVolume"}]);
        Change::existing(address.into(), "oci_core_instance", "l.json", values)
    }

    #[test]
    fn usage_of_a_limit_without_an_edition_on_the_day_is_unknown() {
        let data = LimitsData::embedded().unwrap();
        let settings = Settings {
            as_of: "2021-01-01".parse().unwrap(),
            ..settings()
        };
        let budget = judge(
            &data,
            &settings,
            &[a1_instance("a", json!({}))],
            false,
            Vec::new(),
        );
        assert!(budget.lines.iter().all(|l| !l.id.starts_with("a1.")));
        let unjudged: Vec<&Finding> = budget
            .findings
            .iter()
            .filter(|f| f.kind == Kind::LimitNotInForce)
            .collect();
        assert_eq!(unjudged.len(), 3, "{unjudged:?}");
        assert!(unjudged.iter().all(|f| f.status == Status::Unknown));
        let ocpu = unjudged
            .iter()
            .find(|f| f.message.starts_with("a1.ocpu_hours:"))
            .unwrap();
        assert!(
            ocpu.message.contains("2021-01-01")
                && ocpu
                    .message
                    .contains("(editions: 2021-05-25 to 2026-06-14; from 2026-06-15)")
                && ocpu.message.contains("1488 OCPU-hours/month used by a"),
            "{}",
            ocpu.message
        );
    }

    #[test]
    fn limits_of_the_other_kind_of_account_are_not_in_question() {
        let data = LimitsData::embedded().unwrap();
        let object = [Change::existing(
            "o".into(),
            "oci_objectstorage_object",
            "s.json",
            json!({"content_length": "1073741824"}),
        )];
        let budget = judge(&data, &settings(), &object, false, Vec::new());
        assert!(
            budget
                .findings
                .iter()
                .all(|f| f.kind != Kind::LimitNotInForce),
            "object.standard_gb is a paid-account limit"
        );
        let mut trimmed = data.clone();
        trimmed.limits.retain(|l| l.id != "object.storage_gb");
        let budget = judge(&trimmed, &settings(), &[], false, Vec::new());
        assert!(budget.findings.is_empty());
        let budget = judge(&trimmed, &settings(), &object, false, Vec::new());
        let finding = &budget.findings[0];
        assert_eq!(finding.kind, Kind::LimitNotInForce);
        assert_eq!(
            finding.message,
            "object.storage_gb: the limits data has no such limit; 1 used by o cannot be judged"
        );
    }

    #[test]
    fn region_keys_and_domains_are_the_home_region_and_unknown_keys_are_unknown() {
        let data = LimitsData::embedded().unwrap();
        let settings = Settings {
            home_region: Some("us-ashburn-1".into()),
            ..settings()
        };
        let changes = [
            a1_instance("by-key", json!({"region": "iad"})),
            a1_instance(
                "by-domain",
                json!({"availability_domain": "Uocm:US-ASHBURN-AD-1"}),
            ),
        ];
        let budget = judge(&data, &settings, &changes, false, Vec::new());
        assert_eq!(line(&budget, "a1.instances").used, Some(2.0));
        assert!(budget.findings.is_empty(), "{:?}", budget.findings);
        let far = [a1_instance(
            "far",
            json!({"availability_domain": "Uocm:PHX-AD-1"}),
        )];
        let budget = judge(&data, &settings, &far, false, Vec::new());
        assert_eq!(budget.findings[0].kind, Kind::OutsideHomeRegion);
        let odd = [a1_instance("odd", json!({"region": "zzz"}))];
        let budget = judge(&data, &settings, &odd, false, Vec::new());
        assert_eq!(line(&budget, "a1.instances").used, Some(1.0));
        let finding = &budget.findings[0];
        assert_eq!(
            (finding.kind, finding.status),
            (Kind::UnknownRegion, Status::Unknown)
        );
        assert!(finding.message.contains("\"zzz\""), "{}", finding.message);
    }

    #[test]
    fn an_a1_instance_outside_the_home_region_costs_its_hours_and_boot_volume() {
        let data = LimitsData::embedded().unwrap();
        let values = json!({"shape": "VM.Standard.A1.Flex", "region": "us-ashburn-1",
            "shape_config": [{"ocpus": 2, "memory_in_gbs": 12}],
            "source_details": [{"source_type": "image", "boot_volume_size_in_gbs": "50"}]});
        let change = Change {
            address: "oci_core_instance.far".into(),
            resource_type: "oci_core_instance".into(),
            source: "p.json".into(),
            action: Action::Create,
            before: None,
            after: Some(Side::known(values)),
        };
        let settings = Settings {
            home_region: Some("eu-frankfurt-1".into()),
            ..settings()
        };
        let budget = judge(&data, &settings, &[change], false, Vec::new());
        assert_eq!(line(&budget, "a1.instances").used, Some(0.0));
        let finding = budget
            .findings
            .iter()
            .find(|f| f.kind == Kind::OutsideHomeRegion)
            .unwrap();
        let expected = 1488.0 * 0.01 + 8928.0 * 0.0015 + 50.0 * 0.0255;
        assert!((finding.cost_usd.unwrap() - expected).abs() < 1e-9);
    }

    #[test]
    fn resources_outside_the_home_region_are_billed_findings() {
        let data = LimitsData::embedded().unwrap();
        let mut change = volume("far", Action::Create, None, Some("100"));
        change.after = Some(Side {
            values: json!({"size_in_gbs": "100", "availability_domain": "x:US-ASHBURN-1-AD-1"}),
            unknown: Value::Null,
        });
        let settings = Settings {
            home_region: Some("eu-frankfurt-1".into()),
            ..settings()
        };
        let budget = judge(&data, &settings, &[change], false, Vec::new());
        assert_eq!(line(&budget, "block.total_gb").used, Some(0.0));
        let finding = budget
            .findings
            .iter()
            .find(|f| f.kind == Kind::OutsideHomeRegion)
            .unwrap();
        assert!((finding.cost_usd.unwrap() - 2.55).abs() < 1e-9);
    }
}
