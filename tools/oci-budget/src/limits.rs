//! The Always Free limits and list prices as dated data: embedded in the binary, replaceable
//! with `--limits FILE`, and narrowed to the edition in force on a day for one kind of account.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use clap::ValueEnum;
use serde::{Deserialize, Serialize};

use crate::date::Date;

/// The limits and prices shipped with the tool.
pub const EMBEDDED: &str = include_str!("../data/limits.json");

/// The schema name a limits file must declare.
const SCHEMA: &str = "oci-budget-limits/v1";

/// The kind of tenancy, which decides the Object Storage and VCN allowances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Account {
    /// An Always Free tenancy (no trial credits, not upgraded).
    Free,
    /// A paid (pay-as-you-go) or trial tenancy, which keeps the Always Free allowances.
    Paid,
}

/// Which accounts a limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applies {
    /// Every tenancy.
    All,
    /// Always Free tenancies only.
    Free,
    /// Paid and trial tenancies only.
    Paid,
}

/// What happens to usage beyond a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Over {
    /// Billed at the limit's list price.
    Billed,
    /// Refused by the service (the apply fails) or, for Always Free tenancies, reclaimed.
    Refused,
    /// Not billed on its own: the cost shows on another line (A1 instances cost their hours).
    CountedElsewhere,
    /// Not billed at all: the service costs nothing beyond the allowance (network load
    /// balancers), though a service limit may still refuse more.
    NoCharge,
}

/// A list price for one unit of usage.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Price {
    /// Oracle's part number.
    pub part: String,
    /// US dollars per unit.
    pub usd_per_unit: f64,
    /// True when the price is per hour of one unit (a load balancer), so that a month costs
    /// `hours_per_month` of it.
    #[serde(default)]
    pub per_hour: bool,
    /// The day the price was read (`YYYY-MM-DD`), so that a report can say how old it is.
    #[serde(default)]
    pub as_of: Option<String>,
    /// The key into the file's `sources` the price was read from.
    #[serde(default)]
    pub source: Option<String>,
}

impl Price {
    /// The monthly cost of `units` at this price.
    pub fn monthly(&self, units: f64, hours_per_month: f64) -> f64 {
        let hours = if self.per_hour { hours_per_month } else { 1.0 };
        units * self.usd_per_unit * hours
    }
}

/// One edition of one limit: the allowance in force between two dates.
#[derive(Debug, Clone, Deserialize)]
pub struct Limit {
    /// The stable name of the quantity (`block.total_gb`); editions share it.
    pub id: String,
    /// What is limited, for people.
    pub description: String,
    /// The unit of usage and allowance.
    pub unit: String,
    /// True when usage is per month in hours (A1 OCPU-hours, GB-hours).
    #[serde(default)]
    pub hourly: bool,
    /// The allowance.
    pub limit: f64,
    /// The first day this edition is in force; none means since the beginning.
    pub effective_from: Option<String>,
    /// The last day this edition is in force; none means still in force.
    pub effective_to: Option<String>,
    /// The accounts it applies to.
    pub account: Applies,
    /// What happens beyond the allowance.
    pub over: Over,
    /// The list price of usage beyond the allowance, when known.
    #[serde(default)]
    pub price: Option<Price>,
    /// Resource types that each count one unit against this limit.
    #[serde(default)]
    pub count_types: Vec<String>,
    /// Keys into the file's `sources`.
    #[serde(default)]
    pub sources: Vec<String>,
    /// True for usage over time (requests, outbound transfer) that no plan, state or listing
    /// shows: the line is reported as not assessed rather than left out.
    #[serde(default)]
    pub usage_only: bool,
    /// What people should know about the price beyond the allowance (why it is zero or
    /// unknown).
    #[serde(default)]
    pub note: Option<String>,
}

/// Default and minimum sizes of a kind of volume, in GB.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct VolumeSizes {
    /// The size a volume gets when none is given.
    pub default_gb: f64,
    /// The smallest size the service allows: the lower bound of a size unknown until apply.
    pub lower_bound_gb: f64,
}

/// Prices that are not the overage of one limit (a paid load balancer or compute shape, a
/// regular NoSQL table).
#[derive(Debug, Clone, Deserialize)]
pub struct ExtraPrices {
    /// A flexible load balancer's base price per hour.
    pub load_balancer_hour: Price,
    /// A flexible load balancer's bandwidth price per Mbps-hour.
    pub load_balancer_mbps_hour: Price,
    /// A provisioned NoSQL read unit per month.
    pub nosql_read_unit_month: Price,
    /// A provisioned NoSQL write unit per month.
    pub nosql_write_unit_month: Price,
    /// A GB of NoSQL table storage per month.
    pub nosql_storage_gb_month: Price,
    /// Compute shapes outside Always Free.
    pub shapes: Vec<ShapePrice>,
}

/// The list price of a compute shape outside Always Free.
#[derive(Debug, Clone, Deserialize)]
pub struct ShapePrice {
    /// A flexible shape (`VM.Standard.E4.Flex`), whose OCPUs and memory are set in
    /// `shape_config`.
    #[serde(default)]
    pub shape: Option<String>,
    /// A family of fixed shapes named by their OCPU count (`VM.Standard.E2.` covers
    /// `VM.Standard.E2.4`), whose memory is included in the OCPU price.
    #[serde(default)]
    pub shape_prefix: Option<String>,
    /// The price of one OCPU-hour.
    pub ocpu: Price,
    /// The price of one GB-hour of memory (flexible shapes).
    #[serde(default)]
    pub memory_gb: Option<Price>,
}

/// How a shape's size is known, for pricing it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShapeSize {
    /// A flexible shape: OCPUs and memory come from the instance's `shape_config`.
    Flexible,
    /// A fixed shape with this many OCPUs (from its name), memory included.
    Fixed(f64),
}

impl ShapePrice {
    /// How the size of `shape` is known when this price covers it.
    pub fn size_of(&self, shape: &str) -> Option<ShapeSize> {
        if self.shape.as_deref() == Some(shape) {
            return Some(ShapeSize::Flexible);
        }
        let ocpus = shape.strip_prefix(self.shape_prefix.as_deref()?)?;
        let ocpus = ocpus.parse::<u32>().ok().filter(|n| *n > 0)?;
        Some(ShapeSize::Fixed(f64::from(ocpus)))
    }
}

/// A whole limits file.
#[derive(Debug, Clone, Deserialize)]
pub struct LimitsData {
    /// The schema name, `oci-budget-limits/v1`.
    pub schema: String,
    /// When the facts were compiled (`YYYY-MM-DD`).
    pub compiled: String,
    /// Boot volume sizes.
    pub boot_volume: VolumeSizes,
    /// Block volume sizes.
    pub block_volume: VolumeSizes,
    /// Where the facts come from, by key.
    pub sources: BTreeMap<String, String>,
    /// Every edition of every limit.
    pub limits: Vec<Limit>,
    /// Other prices.
    pub prices: ExtraPrices,
    /// Resource types known to cost nothing by themselves.
    pub costless_types: Vec<String>,
}

impl LimitsData {
    /// Parses and checks a limits file; `name` is used in errors.
    pub fn parse(name: &str, text: &str) -> Result<LimitsData> {
        let data: LimitsData = shared::input::parse_json(name, text.as_bytes())?;
        if data.schema != SCHEMA {
            bail!(
                "{name}: expected \"schema\": \"{SCHEMA}\", found {:?}",
                data.schema
            );
        }
        for limit in &data.limits {
            for date in limit.effective_from.iter().chain(&limit.effective_to) {
                date.parse::<Date>()
                    .map_err(|e| anyhow::anyhow!("{name}: limit {}: {e}", limit.id))?;
            }
        }
        for (at, price) in data.prices() {
            if let Some(date) = &price.as_of {
                date.parse::<Date>()
                    .map_err(|e| anyhow::anyhow!("{name}: price of {at}: {e}"))?;
            }
        }
        for (i, shape) in data.prices.shapes.iter().enumerate() {
            if shape.shape.is_some() == shape.shape_prefix.is_some() {
                bail!("{name}: prices.shapes[{i}]: expected one of \"shape\" or \"shape_prefix\"");
            }
        }
        Ok(data)
    }

    /// Every price in the file, with what it is the price of (a limit id, `prices.KEY`, a shape).
    pub fn prices(&self) -> Vec<(String, &Price)> {
        let limits = self
            .limits
            .iter()
            .filter_map(|l| l.price.as_ref().map(|p| (l.id.clone(), p)));
        let extra = &self.prices;
        let named = [
            ("load_balancer_hour", &extra.load_balancer_hour),
            ("load_balancer_mbps_hour", &extra.load_balancer_mbps_hour),
            ("nosql_read_unit_month", &extra.nosql_read_unit_month),
            ("nosql_write_unit_month", &extra.nosql_write_unit_month),
            ("nosql_storage_gb_month", &extra.nosql_storage_gb_month),
        ]
        .into_iter()
        .map(|(key, p)| (format!("prices.{key}"), p));
        let shapes = extra.shapes.iter().flat_map(|s| {
            let name = s
                .shape
                .clone()
                .or_else(|| s.shape_prefix.clone())
                .unwrap_or_default();
            std::iter::once((name.clone(), &s.ocpu))
                .chain(s.memory_gb.iter().map(move |m| (name.clone(), m)))
        });
        limits.chain(named).chain(shapes).collect()
    }

    /// The price of a compute shape outside Always Free, and how its size is known.
    pub fn shape_price(&self, shape: &str) -> Option<(&ShapePrice, ShapeSize)> {
        self.prices
            .shapes
            .iter()
            .find_map(|p| p.size_of(shape).map(|size| (p, size)))
    }

    /// The limits embedded in the binary.
    pub fn embedded() -> Result<LimitsData> {
        LimitsData::parse("embedded limits", EMBEDDED)
    }

    /// The editions in force on `day` for `account`, one per limit id, in file order.
    pub fn in_force(&self, day: Date, account: Account) -> Vec<&Limit> {
        self.limits
            .iter()
            .filter(|l| l.applies_to(account) && l.in_force(day))
            .collect()
    }
}

impl Limit {
    /// True when this edition covers `day` (both ends inclusive).
    pub fn in_force(&self, day: Date) -> bool {
        let after_start = self
            .effective_from
            .as_deref()
            .and_then(|d| d.parse::<Date>().ok())
            .is_none_or(|from| day >= from);
        let before_end = self
            .effective_to
            .as_deref()
            .and_then(|d| d.parse::<Date>().ok())
            .is_none_or(|to| day <= to);
        after_start && before_end
    }

    /// True when the limit applies to this kind of account.
    pub fn applies_to(&self, account: Account) -> bool {
        matches!(
            (self.account, account),
            (Applies::All, _) | (Applies::Free, Account::Free) | (Applies::Paid, Account::Paid)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn limit_of<'a>(limits: &[&'a Limit], id: &str) -> &'a Limit {
        limits.iter().find(|l| l.id == id).unwrap()
    }

    #[test]
    fn embedded_data_parses() {
        let data = LimitsData::embedded().unwrap();
        assert!(data.limits.len() > 10);
        assert_eq!(data.boot_volume.lower_bound_gb, 47.0);
    }

    #[test]
    fn every_source_key_is_described() {
        let data = LimitsData::embedded().unwrap();
        for limit in &data.limits {
            assert!(!limit.sources.is_empty(), "{}", limit.id);
            for key in &limit.sources {
                assert!(data.sources.contains_key(key), "{}: {key}", limit.id);
            }
        }
    }

    #[test]
    fn editions_follow_the_june_2026_change() {
        let data = LimitsData::embedded().unwrap();
        let before = data.in_force(day("2026-06-14"), Account::Free);
        let after = data.in_force(day("2026-06-15"), Account::Free);
        assert_eq!(limit_of(&before, "a1.ocpu_hours").limit, 3000.0);
        assert_eq!(limit_of(&after, "a1.ocpu_hours").limit, 1500.0);
        assert_eq!(limit_of(&before, "a1.instances").limit, 4.0);
        assert_eq!(limit_of(&after, "a1.memory_gb_hours").limit, 9000.0);
        assert_eq!(
            limit_of(
                &data.in_force(day("2021-01-01"), Account::Free),
                "block.total_gb"
            )
            .limit,
            100.0
        );
    }

    #[test]
    fn one_edition_per_id_on_any_day() {
        let data = LimitsData::embedded().unwrap();
        for when in [
            "2020-01-01",
            "2021-05-24",
            "2021-05-25",
            "2026-06-14",
            "2026-06-15",
            "2030-01-01",
        ] {
            for account in [Account::Free, Account::Paid] {
                let limits = data.in_force(day(when), account);
                let mut ids: Vec<&str> = limits.iter().map(|l| l.id.as_str()).collect();
                let count = ids.len();
                ids.dedup();
                assert_eq!(ids.len(), count, "{when} {account:?}");
            }
        }
    }

    #[test]
    fn accounts_pick_object_storage_rules() {
        let data = LimitsData::embedded().unwrap();
        let free = data.in_force(day("2026-11-01"), Account::Free);
        let paid = data.in_force(day("2026-11-01"), Account::Paid);
        assert!(free.iter().any(|l| l.id == "object.storage_gb"));
        assert!(
            !paid
                .iter()
                .any(|l| l.id == "object.storage_gb" || l.id == "net.vcn")
        );
        assert!(paid.iter().any(|l| l.id == "object.standard_gb"));
    }

    #[test]
    fn wrong_schema_and_bad_dates_are_rejected() {
        let err = LimitsData::parse("x.json", r#"{"schema":"other"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.json:1:"), "{err}");
        let text = EMBEDDED.replacen("oci-budget-limits/v1", "v0", 1);
        assert!(
            LimitsData::parse("x.json", &text)
                .unwrap_err()
                .to_string()
                .contains("expected \"schema\"")
        );
        let text = EMBEDDED.replacen("\"as_of\": \"2026-01-05\"", "\"as_of\": \"January\"", 1);
        let err = LimitsData::parse("x.json", &text).unwrap_err().to_string();
        assert!(
            err.contains("price of") && err.contains("YYYY-MM-DD"),
            "{err}"
        );
        let text = EMBEDDED.replacen("\"2026-06-15\"", "\"June\"", 1);
        assert!(
            LimitsData::parse("x.json", &text)
                .unwrap_err()
                .to_string()
                .contains("YYYY-MM-DD")
        );
    }

    #[test]
    fn every_price_is_dated_and_sourced() {
        let data = LimitsData::embedded().unwrap();
        let prices = data.prices();
        assert!(prices.len() > 25, "{}", prices.len());
        for (at, price) in prices {
            let day = price
                .as_of
                .as_deref()
                .unwrap_or_else(|| panic!("{at}: no as_of"));
            assert!(day.parse::<Date>().is_ok(), "{at}: {day}");
            let source = price
                .source
                .as_deref()
                .unwrap_or_else(|| panic!("{at}: no source"));
            assert!(data.sources.contains_key(source), "{at}: {source}");
            assert!(price.usd_per_unit >= 0.0, "{at}");
        }
    }

    #[test]
    fn limits_without_a_price_say_why() {
        let data = LimitsData::embedded().unwrap();
        for limit in &data.limits {
            let priced = limit.price.is_some() || limit.over != Over::Billed;
            assert!(
                priced || limit.note.is_some(),
                "{}: no price and no note",
                limit.id
            );
            if limit.over == Over::NoCharge {
                assert!(limit.note.is_some(), "{}", limit.id);
            }
        }
    }

    #[test]
    fn shapes_are_priced_flexible_or_by_their_name() {
        let data = LimitsData::embedded().unwrap();
        let (e4, size) = data.shape_price("VM.Standard.E4.Flex").unwrap();
        assert_eq!(size, ShapeSize::Flexible);
        assert_eq!(e4.ocpu.usd_per_unit, 0.025);
        assert_eq!(e4.memory_gb.as_ref().unwrap().usd_per_unit, 0.0015);
        let (_, size) = data.shape_price("VM.Standard.E2.4").unwrap();
        assert_eq!(size, ShapeSize::Fixed(4.0));
        assert!(data.shape_price("VM.Standard.E2.1.Micro").is_none());
        assert!(data.shape_price("BM.GPU.H100.8").is_none());
        let text = EMBEDDED.replacen("\"shape\": \"VM.Standard.E3.Flex\",", "", 1);
        let err = LimitsData::parse("x.json", &text).unwrap_err().to_string();
        assert!(err.contains("prices.shapes[0]"), "{err}");
    }

    #[test]
    fn hourly_prices_scale_with_the_month() {
        let price = Price {
            part: "B93030".into(),
            usd_per_unit: 0.0113,
            per_hour: true,
            as_of: None,
            source: None,
        };
        assert!((price.monthly(1.0, 744.0) - 8.4072).abs() < 1e-9);
        let flat = Price {
            part: "B91961".into(),
            usd_per_unit: 0.0255,
            per_hour: false,
            as_of: None,
            source: None,
        };
        assert!((flat.monthly(50.0, 744.0) - 1.275).abs() < 1e-9);
    }
}
