//! The rules: what one resource adds to each Always Free limit, and the findings it raises
//! (a paid shape, a size unknown until apply, a type not known to be free).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::change::{Attr, Side, Step};
use crate::finding::{Finding, Kind, Status};
use crate::image::QCOW_IMAGE;
use crate::limits::{LimitsData, ShapeSize};
use crate::listing::UNRECOGNISED;
use crate::region::{self, Region};
use crate::usage::{Amount, Usage};

/// Bytes in one OCI "GB" (a gibibyte).
const GIB: f64 = (1u64 << 30) as f64;

/// The free flexible load balancer bandwidth, in Mbps (minimum and maximum).
const FREE_LB_MBPS: f64 = 10.0;

/// The rules with their data, ready to judge resources.
pub struct Rules<'a> {
    data: &'a LimitsData,
    hours_per_month: f64,
    counted: HashMap<&'a str, &'a str>,
    costless: HashSet<&'a str>,
    managed_object_bytes: HashMap<String, f64>,
    source_dir: PathBuf,
}

/// The resource being judged, for findings.
struct Subject<'a> {
    address: &'a str,
    source: &'a str,
    side: &'a Side,
}

impl<'a> Rules<'a> {
    /// Rules over `data`, with A1 usage counted for `hours_per_month` hours.
    pub fn new(data: &'a LimitsData, hours_per_month: f64) -> Rules<'a> {
        let counted = data
            .limits
            .iter()
            .flat_map(|l| {
                l.count_types
                    .iter()
                    .map(move |t| (t.as_str(), l.id.as_str()))
            })
            .collect();
        let costless = data.costless_types.iter().map(String::as_str).collect();
        Rules {
            data,
            hours_per_month,
            counted,
            costless,
            managed_object_bytes: HashMap::new(),
            source_dir: PathBuf::from("."),
        }
    }

    /// The same rules, reading the files that objects upload (`source = "path"`) relative to
    /// `dir`, the directory OpenTofu ran in.
    pub fn with_source_dir(mut self, dir: &Path) -> Rules<'a> {
        self.source_dir = dir.to_path_buf();
        self
    }

    /// The same rules, told how many bytes of objects the inputs manage in each bucket (by
    /// bucket name), so that a bucket's measured size does not count them twice.
    pub fn with_managed_objects(mut self, bytes_by_bucket: HashMap<String, f64>) -> Rules<'a> {
        self.managed_object_bytes = bytes_by_bucket;
        self
    }

    /// The usage of one resource in the state `side`; `None` for a resource that is not an
    /// OCI resource (a `null_resource`, a `random_id`).
    pub fn usage(
        &self,
        resource_type: &str,
        address: &str,
        source: &str,
        side: &Side,
    ) -> Option<Usage> {
        if resource_type != QCOW_IMAGE && !resource_type.starts_with("oci_") {
            return None;
        }
        let subject = Subject {
            address,
            source,
            side,
        };
        let mut usage = Usage {
            region: region_of(side),
            ..Usage::default()
        };
        match resource_type {
            "oci_core_instance" => self.instance(&subject, &mut usage),
            "oci_core_volume" => self.volume(&subject, &mut usage),
            "oci_core_boot_volume" => self.boot_volume(&subject, &mut usage),
            "oci_objectstorage_object" => self.object(&subject, &mut usage),
            "oci_objectstorage_bucket" => self.bucket(&subject, &mut usage),
            "oci_core_image" => custom_image(&subject, &mut usage),
            "oci_load_balancer_load_balancer" | "oci_load_balancer" => self.load_balancer(&subject, &mut usage),
            "oci_database_autonomous_database" => autonomous_database(&subject, &mut usage),
            "oci_nosql_table" => self.nosql_table(&subject, &mut usage),
            QCOW_IMAGE => self.qcow_image(&subject, &mut usage),
            UNRECOGNISED => usage.findings.push(subject.finding(
                Kind::UnrecognisedListingItem,
                Status::Unknown,
                "an oci CLI listing item of a kind not read (expected instances, volumes, boot volumes, backups, images, buckets, objects, VCNs, load balancers or autonomous databases)",
            )),
            other => self.other_type(other, &subject, &mut usage),
        }
        Some(usage)
    }

    fn other_type(&self, resource_type: &str, subject: &Subject<'_>, usage: &mut Usage) {
        if let Some(id) = self.counted.get(resource_type) {
            usage.add(id, Amount::exact(1.0));
        } else if !self.costless.contains(resource_type) {
            let message = format!("{resource_type} is not known to be Always Free or costless");
            usage.findings.push(subject.finding(
                Kind::UnknownResourceType,
                Status::Unknown,
                message,
            ));
        }
    }

    fn instance(&self, subject: &Subject<'_>, usage: &mut Usage) {
        match subject.side.attr(&[Step::Key("shape")]) {
            Attr::Known(Value::String(shape)) if shape == "VM.Standard.A1.Flex" => {
                self.a1(subject, usage)
            }
            Attr::Known(Value::String(shape)) if shape == "VM.Standard.E2.1.Micro" => {
                usage.add("micro.instances", Amount::exact(1.0));
            }
            Attr::Known(Value::String(shape)) => self.paid_shape(subject, usage, shape),
            Attr::Unknown => {
                usage.findings.push(subject.finding(
                    Kind::UnknownValue,
                    Status::Unknown,
                    "shape: unknown until apply",
                ));
            }
            _ => usage.findings.push(subject.finding(
                Kind::InvalidValue,
                Status::Unknown,
                "shape: expected a string",
            )),
        }
        self.instance_boot_volume(subject, usage);
    }

    /// A shape outside Always Free, with its monthly cost when the price list has the shape
    /// and its size is known.
    fn paid_shape(&self, subject: &Subject<'_>, usage: &mut Usage, shape: &str) {
        let cost = self.shape_cost(subject, shape);
        let price = match (cost, self.data.shape_price(shape)) {
            (Some(_), _) => "billed at its list price",
            (None, Some(_)) => {
                "billed at its list price (OCPUs or memory unknown, so the cost is unknown)"
            }
            (None, None) => "billed, but no list price for it is known",
        };
        let message = format!("shape {shape} is not Always Free; {price}");
        usage.findings.push(
            subject
                .finding(Kind::PaidShape, Status::Over, message)
                .with_cost(cost),
        );
    }

    /// The monthly cost of an instance of a paid shape: OCPU-hours and GB-hours of a flexible
    /// shape from `shape_config`, or the OCPUs a fixed shape is named for. A stopped instance
    /// uses no hours.
    fn shape_cost(&self, subject: &Subject<'_>, shape: &str) -> Option<f64> {
        let (price, size) = self.data.shape_price(shape)?;
        let hours = self.running_hours(subject.side);
        match size {
            ShapeSize::Fixed(ocpus) => Some(price.ocpu.monthly(ocpus, hours)),
            ShapeSize::Flexible => {
                let ocpus = number(subject.side.attr(&config_path("ocpus")))?;
                let memory = number(subject.side.attr(&config_path("memory_in_gbs")))?;
                let memory_cost = price.memory_gb.as_ref()?.monthly(memory, hours);
                Some(price.ocpu.monthly(ocpus, hours) + memory_cost)
            }
        }
    }

    /// Hours in the month an instance runs: none when it is stopped.
    fn running_hours(&self, side: &Side) -> f64 {
        if side.str("state") == Some("STOPPED") {
            0.0
        } else {
            self.hours_per_month
        }
    }

    fn a1(&self, subject: &Subject<'_>, usage: &mut Usage) {
        usage.add("a1.instances", Amount::exact(1.0));
        let ocpus = quantity(
            subject,
            usage,
            &config_path("ocpus"),
            Fallback::AtLeast(1.0),
        );
        let memory = quantity(
            subject,
            usage,
            &config_path("memory_in_gbs"),
            Fallback::AtLeast(1.0),
        );
        let hours = self.running_hours(subject.side);
        usage.add("a1.ocpu_hours", ocpus.times(hours));
        usage.add("a1.memory_gb_hours", memory.times(hours));
    }

    /// The boot volume an instance launches with, unless it attaches an existing one.
    fn instance_boot_volume(&self, subject: &Subject<'_>, usage: &mut Usage) {
        let source_type = [
            Step::Key("source_details"),
            Step::Index(0),
            Step::Key("source_type"),
        ];
        if matches!(subject.side.attr(&source_type), Attr::Known(Value::String(t)) if t == "bootVolume")
        {
            return;
        }
        let path = [
            Step::Key("source_details"),
            Step::Index(0),
            Step::Key("boot_volume_size_in_gbs"),
        ];
        let size = quantity(
            subject,
            usage,
            &path,
            Fallback::AtLeast(self.data.boot_volume.lower_bound_gb),
        );
        usage.add("block.total_gb", size);
    }

    fn volume(&self, subject: &Subject<'_>, usage: &mut Usage) {
        let sizes = self.data.block_volume;
        let size = quantity(
            subject,
            usage,
            &[Step::Key("size_in_gbs")],
            Fallback::Default(sizes.default_gb, sizes.lower_bound_gb),
        );
        usage.add("block.total_gb", size);
        volume_options(subject, usage);
    }

    fn boot_volume(&self, subject: &Subject<'_>, usage: &mut Usage) {
        let sizes = self.data.boot_volume;
        let size = quantity(
            subject,
            usage,
            &[Step::Key("size_in_gbs")],
            Fallback::AtLeast(sizes.lower_bound_gb),
        );
        usage.add("block.total_gb", size);
        volume_options(subject, usage);
    }

    fn object(&self, subject: &Subject<'_>, usage: &mut Usage) {
        let bytes = match object_size(subject.side, &self.source_dir) {
            ObjectSize::Known(bytes) => Amount::exact(bytes),
            ObjectSize::MissingSource(path) => {
                let message = format!(
                    "source: no file {} to measure (relative paths are read from --chdir, default the current directory); counted as at least 0 bytes",
                    path.display()
                );
                usage
                    .findings
                    .push(subject.finding(Kind::UnknownValue, Status::Unknown, message));
                Amount::at_least(0.0)
            }
            ObjectSize::Unknown => quantity(
                subject,
                usage,
                &[Step::Key("content_length")],
                Fallback::AtLeast(0.0),
            ),
        };
        let tier = match subject.side.attr(&[Step::Key("storage_tier")]) {
            Attr::Known(Value::String(tier)) => tier.as_str(),
            _ => "Standard",
        };
        add_object_storage(usage, tier, bytes);
    }

    /// A bucket's measured size (`approximate_size`, in a state or an existing bucket's plan),
    /// less the objects the inputs manage in it, which count by themselves. A new bucket is
    /// empty.
    fn bucket(&self, subject: &Subject<'_>, usage: &mut Usage) {
        let Some(measured) = number(subject.side.attr(&[Step::Key("approximate_size")])) else {
            return;
        };
        let name = subject.side.str("name").unwrap_or_default();
        let managed = self.managed_object_bytes.get(name).copied().unwrap_or(0.0);
        let tier = subject.side.str("storage_tier").unwrap_or("Standard");
        add_object_storage(usage, tier, Amount::exact((measured - managed).max(0.0)));
    }

    /// An Always Free NoSQL table (`is_auto_reclaimable`) counts against the three allowed; a
    /// regular table is billed for the capacity it provisions.
    fn nosql_table(&self, subject: &Subject<'_>, usage: &mut Usage) {
        match subject.side.attr(&[Step::Key("is_auto_reclaimable")]) {
            Attr::Known(Value::Bool(true)) => usage.add("db.nosql_tables", Amount::exact(1.0)),
            Attr::Unknown => usage.findings.push(subject.finding(
                Kind::UnknownValue,
                Status::Unknown,
                "is_auto_reclaimable: unknown until apply",
            )),
            _ => {
                let (cost, how) = self.nosql_cost(subject.side);
                let message = format!(
                    "regular NoSQL table (is_auto_reclaimable is not true): not Always Free; {how}"
                );
                usage.findings.push(
                    subject
                        .finding(Kind::PaidDatabase, Status::Over, message)
                        .with_cost(cost),
                );
            }
        }
    }

    /// The monthly cost of a regular NoSQL table's provisioned capacity, and how it was found.
    fn nosql_cost(&self, side: &Side) -> (Option<f64>, &'static str) {
        let limit = |key| side.attr(&[Step::Key("table_limits"), Step::Index(0), Step::Key(key)]);
        if matches!(limit("capacity_mode"), Attr::Known(Value::String(m)) if m == "ON_DEMAND") {
            return (
                None,
                "an on-demand table is billed for the reads and writes it serves, which a plan cannot tell",
            );
        }
        let prices = &self.data.prices;
        let parts = [
            (
                number(limit("max_read_units")),
                &prices.nosql_read_unit_month,
            ),
            (
                number(limit("max_write_units")),
                &prices.nosql_write_unit_month,
            ),
            (
                number(limit("max_storage_in_gbs")),
                &prices.nosql_storage_gb_month,
            ),
        ];
        let cost: Option<f64> = parts
            .iter()
            .map(|(units, price)| units.map(|u| price.monthly(u, self.hours_per_month)))
            .sum();
        match cost {
            Some(cost) => (
                Some(cost),
                "billed for its provisioned read units, write units and storage",
            ),
            None => (
                None,
                "billed for its provisioned capacity, but table_limits is not known, so the cost is unknown",
            ),
        }
    }

    fn load_balancer(&self, subject: &Subject<'_>, usage: &mut Usage) {
        let shape = subject.side.attr(&[Step::Key("shape")]);
        let details = |key| [Step::Key("shape_details"), Step::Index(0), Step::Key(key)];
        let (min, max) = (
            subject.side.attr(&details("minimum_bandwidth_in_mbps")),
            subject.side.attr(&details("maximum_bandwidth_in_mbps")),
        );
        match shape {
            Attr::Known(Value::String(s)) if s == "10Mbps-Micro" => usage.add("net.flex_lb", Amount::exact(1.0)),
            Attr::Known(Value::String(s)) if s == "flexible" => match (number(min), number(max)) {
                (Some(lo), Some(hi)) if lo == FREE_LB_MBPS && hi == FREE_LB_MBPS => usage.add("net.flex_lb", Amount::exact(1.0)),
                (Some(_), Some(hi)) => self.paid_load_balancer(subject, usage, &format!("flexible, maximum {hi} Mbps"), Some(hi)),
                _ => usage.findings.push(subject.finding(
                    Kind::UnknownValue,
                    Status::Unknown,
                    "shape_details: minimum and maximum bandwidth unknown; only 10/10 Mbps is Always Free",
                )),
            },
            Attr::Known(Value::String(s)) => self.paid_load_balancer(subject, usage, s, None),
            Attr::Unknown => usage.findings.push(subject.finding(Kind::UnknownValue, Status::Unknown, "shape: unknown until apply")),
            _ => usage.findings.push(subject.finding(Kind::InvalidValue, Status::Unknown, "shape: expected a string")),
        }
    }

    fn paid_load_balancer(
        &self,
        subject: &Subject<'_>,
        usage: &mut Usage,
        shape: &str,
        max_mbps: Option<f64>,
    ) {
        let prices = &self.data.prices;
        let cost = max_mbps.map(|mbps| {
            prices.load_balancer_hour.monthly(1.0, self.hours_per_month)
                + prices
                    .load_balancer_mbps_hour
                    .monthly(mbps, self.hours_per_month)
        });
        let message =
            format!("load balancer shape {shape} is not Always Free (only flexible at 10/10 Mbps)");
        usage.findings.push(
            subject
                .finding(Kind::PaidLoadBalancer, Status::Over, message)
                .with_cost(cost),
        );
    }

    fn qcow_image(&self, subject: &Subject<'_>, usage: &mut Usage) {
        let value = |key| {
            subject
                .side
                .values
                .get(key)
                .and_then(Value::as_f64)
                .unwrap_or(0.0)
        };
        add_object_storage(usage, "Standard", Amount::exact(value("file_size_bytes")));
        let virtual_gb = (value("virtual_size_bytes") / GIB).ceil();
        usage.add(
            "block.total_gb",
            Amount::exact(virtual_gb.max(self.data.boot_volume.default_gb)),
        );
        usage.findings.push(subject.finding(
            Kind::CustomImage,
            Status::Info,
            "the upload counts against Object Storage until deleted; an instance from the image needs a boot volume of at least its virtual size",
        ));
    }
}

/// How many bytes an `oci_objectstorage_object` holds, as far as its attributes tell.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectSize {
    /// Known: its inline `content`, its `content_length`, or the length of its `source` file.
    Known(f64),
    /// Its `source` file is not there to measure (the path as resolved).
    MissingSource(PathBuf),
    /// Not known until apply.
    Unknown,
}

/// The size of an object: inline `content`, then a known `content_length`, then the length
/// of the `source` file it uploads, resolved against `source_dir` when relative (OpenTofu
/// reads it relative to the directory it runs in).
pub fn object_size(side: &Side, source_dir: &Path) -> ObjectSize {
    if let Attr::Known(Value::String(content)) = side.attr(&[Step::Key("content")]) {
        return ObjectSize::Known(content.len() as f64);
    }
    if let Some(bytes) = number(side.attr(&[Step::Key("content_length")])).filter(|n| *n >= 0.0) {
        return ObjectSize::Known(bytes);
    }
    let Attr::Known(Value::String(path)) = side.attr(&[Step::Key("source")]) else {
        return ObjectSize::Unknown;
    };
    let path = source_dir.join(path);
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_file() => ObjectSize::Known(meta.len() as f64),
        _ => ObjectSize::MissingSource(path),
    }
}

/// What a size that is not given exactly stands for.
#[derive(Debug, Clone, Copy)]
enum Fallback {
    /// Unset means this default; unknown means at least the lower bound.
    Default(f64, f64),
    /// Unset or unknown means at least this much.
    AtLeast(f64),
}

/// A number attribute (the provider writes int64 values as strings) as an amount, with a
/// finding when it is only a bound.
fn quantity(
    subject: &Subject<'_>,
    usage: &mut Usage,
    path: &[Step<'_>],
    fallback: Fallback,
) -> Amount {
    let name = path_name(path);
    let lower = match fallback {
        Fallback::Default(_, lower) | Fallback::AtLeast(lower) => lower,
    };
    match subject.side.attr(path) {
        Attr::Known(value) if !value.is_null() => match number(Attr::Known(value)) {
            Some(n) if n >= 0.0 => Amount::exact(n),
            _ => {
                let message = format!(
                    "{name}: expected a non-negative number, found {value}; counted as at least {lower}"
                );
                usage
                    .findings
                    .push(subject.finding(Kind::InvalidValue, Status::Unknown, message));
                Amount::at_least(lower)
            }
        },
        Attr::Unknown => {
            let message = format!("{name}: unknown until apply; counted as at least {lower}");
            usage
                .findings
                .push(subject.finding(Kind::UnknownValue, Status::Unknown, message));
            Amount::at_least(lower)
        }
        _ => match fallback {
            Fallback::Default(default, _) => Amount::exact(default),
            Fallback::AtLeast(lower) => {
                let message =
                    format!("{name}: not set, decided by the service; counted as at least {lower}");
                usage
                    .findings
                    .push(subject.finding(Kind::UnknownValue, Status::Unknown, message));
                Amount::at_least(lower)
            }
        },
    }
}

/// A number written as a JSON number or a string.
fn number(attr: Attr<'_>) -> Option<f64> {
    match attr {
        Attr::Known(Value::Number(n)) => n.as_f64(),
        Attr::Known(Value::String(s)) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        _ => None,
    }
}

fn config_path(key: &str) -> [Step<'_>; 3] {
    [Step::Key("shape_config"), Step::Index(0), Step::Key(key)]
}

fn path_name(path: &[Step<'_>]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|step| match step {
            Step::Key(key) => (*key).to_string(),
            Step::Index(i) => i.to_string(),
        })
        .collect();
    parts.join(".")
}

fn add_object_storage(usage: &mut Usage, tier: &str, bytes: Amount) {
    let gb = bytes.times(1.0 / GIB);
    usage.add("object.storage_gb", gb);
    let tier_id = match tier {
        "InfrequentAccess" => "object.infrequent_access_gb",
        "Archive" => "object.archive_gb",
        _ => "object.standard_gb",
    };
    usage.add(tier_id, gb);
}

/// Replicas and performance above Balanced are billed beyond the free capacity.
fn volume_options(subject: &Subject<'_>, usage: &mut Usage) {
    let replicas = subject.side.attr(&[Step::Key("block_volume_replicas")]);
    if matches!(replicas, Attr::Known(Value::Array(items)) if !items.is_empty()) {
        let message =
            "block_volume_replicas: each replica is billed storage outside the free 200 GB";
        usage
            .findings
            .push(subject.finding(Kind::BilledVolumeOption, Status::Over, message));
    }
    let vpus = number(subject.side.attr(&[Step::Key("vpus_per_gb")]));
    if vpus.is_some_and(|v| v > 10.0) {
        let message = "vpus_per_gb above 10 (Balanced): whether performance units on free storage are billed is not documented";
        usage
            .findings
            .push(subject.finding(Kind::BilledVolumeOption, Status::Unknown, message));
    }
}

fn custom_image(subject: &Subject<'_>, usage: &mut Usage) {
    let size = number(subject.side.attr(&[Step::Key("billable_size_in_gbs")]));
    let size = size.map_or_else(
        || "a billable size known after import".to_string(),
        |gb| format!("{gb} GB billable"),
    );
    let message = format!(
        "custom image ({size}): no Always Free allowance for custom image storage is documented"
    );
    usage
        .findings
        .push(subject.finding(Kind::CustomImage, Status::Unknown, message));
}

fn autonomous_database(subject: &Subject<'_>, usage: &mut Usage) {
    match subject.side.attr(&[Step::Key("is_free_tier")]) {
        Attr::Known(Value::Bool(true)) => usage.add("db.autonomous", Amount::exact(1.0)),
        Attr::Known(Value::String(s)) if s == "true" => {
            usage.add("db.autonomous", Amount::exact(1.0))
        }
        Attr::Unknown => usage.findings.push(subject.finding(
            Kind::UnknownValue,
            Status::Unknown,
            "is_free_tier: unknown until apply",
        )),
        _ => usage.findings.push(subject.finding(
            Kind::PaidDatabase,
            Status::Over,
            "autonomous database without is_free_tier = true is billed at its list price",
        )),
    }
}

/// The region a resource lives in: its `region` (an identifier, or a key such as `iad`), or
/// the one its availability domain names (`Uocm:EU-FRANKFURT-1-AD-1` is in `eu-frankfurt-1`).
pub fn region_of(side: &Side) -> Option<Region> {
    if let Some(name) = side.str("region").filter(|r| !r.is_empty()) {
        return Some(region::parse(name));
    }
    let domain = side.str("availability_domain").filter(|d| !d.is_empty())?;
    Some(region::of_availability_domain(domain))
}

impl Subject<'_> {
    fn finding(&self, kind: Kind, status: Status, message: impl Into<String>) -> Finding {
        Finding::new(kind, status, self.address, self.source, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn usage_of(resource_type: &str, values: Value, unknown: Value) -> Usage {
        let data = LimitsData::embedded().unwrap();
        let rules = Rules::new(&data, 744.0);
        rules
            .usage(resource_type, "addr", "in.json", &Side { values, unknown })
            .unwrap()
    }

    fn amount(usage: &Usage, id: &str) -> Amount {
        usage.amounts[id]
    }

    #[test]
    fn a1_instance_counts_hours_and_boot_volume() {
        let usage = usage_of(
            "oci_core_instance",
            json!({"shape": "VM.Standard.A1.Flex", "shape_config": [{"ocpus": 2, "memory_in_gbs": 12}],
                   "source_details": [{"source_type": "image", "boot_volume_size_in_gbs": "100"}]}),
            Value::Null,
        );
        assert_eq!(amount(&usage, "a1.ocpu_hours"), Amount::exact(1488.0));
        assert_eq!(amount(&usage, "a1.memory_gb_hours"), Amount::exact(8928.0));
        assert_eq!(amount(&usage, "a1.instances"), Amount::exact(1.0));
        assert_eq!(amount(&usage, "block.total_gb"), Amount::exact(100.0));
        assert!(usage.findings.is_empty());
    }

    #[test]
    fn sizes_as_strings_and_numbers_agree() {
        let text = usage_of(
            "oci_core_volume",
            json!({"size_in_gbs": "150"}),
            Value::Null,
        );
        let number = usage_of("oci_core_volume", json!({"size_in_gbs": 150}), Value::Null);
        assert_eq!(text.amounts, number.amounts);
        let unset = usage_of("oci_core_volume", json!({"size_in_gbs": null}), Value::Null);
        assert_eq!(
            amount(&unset, "block.total_gb"),
            Amount::exact(1024.0),
            "the provider default is 1 TB"
        );
    }

    #[test]
    fn unknown_sizes_are_lower_bounds_with_findings() {
        let usage = usage_of(
            "oci_core_instance",
            json!({"shape": "VM.Standard.E2.1.Micro", "source_details": [{"source_type": "image"}]}),
            json!({"source_details": [{"boot_volume_size_in_gbs": true}]}),
        );
        assert_eq!(amount(&usage, "block.total_gb"), Amount::at_least(47.0));
        assert_eq!(amount(&usage, "micro.instances"), Amount::exact(1.0));
        assert_eq!(usage.findings[0].kind, Kind::UnknownValue);
        let volume = usage_of("oci_core_volume", json!({}), json!({"size_in_gbs": true}));
        assert_eq!(amount(&volume, "block.total_gb"), Amount::at_least(50.0));
        let ocpus = usage_of(
            "oci_core_instance",
            json!({"shape": "VM.Standard.A1.Flex"}),
            json!({"shape_config": true}),
        );
        assert_eq!(amount(&ocpus, "a1.ocpu_hours"), Amount::at_least(744.0));
    }

    #[test]
    fn malformed_attributes_are_findings_not_zero() {
        let usage = usage_of(
            "oci_core_volume",
            json!({"size_in_gbs": "lots"}),
            Value::Null,
        );
        assert_eq!(amount(&usage, "block.total_gb"), Amount::at_least(50.0));
        assert_eq!(usage.findings[0].kind, Kind::InvalidValue);
        let usage = usage_of("oci_core_instance", json!({"shape": 7}), Value::Null);
        assert_eq!(usage.findings[0].kind, Kind::InvalidValue);
    }

    #[test]
    fn paid_shapes_and_types_are_findings() {
        let usage = usage_of(
            "oci_core_instance",
            json!({"shape": "VM.Standard.E4.Flex", "source_details": [{"source_type": "bootVolume"}]}),
            Value::Null,
        );
        assert_eq!(
            (usage.findings[0].kind, usage.findings[0].status),
            (Kind::PaidShape, Status::Over)
        );
        assert_eq!(usage.findings[0].cost_usd, None, "no shape_config, no cost");
        let unknown = usage_of("oci_containerengine_cluster", json!({}), Value::Null);
        assert_eq!(unknown.findings[0].kind, Kind::UnknownResourceType);
        assert!(
            usage_of("oci_core_subnet", json!({}), Value::Null)
                .findings
                .is_empty()
        );
        assert_eq!(
            amount(&usage_of("oci_core_vcn", json!({}), Value::Null), "net.vcn"),
            Amount::exact(1.0)
        );
        let data = LimitsData::embedded().unwrap();
        assert!(
            Rules::new(&data, 744.0)
                .usage("null_resource", "a", "b", &Side::known(json!({})))
                .is_none()
        );
    }

    fn shape_cost(values: Value) -> Option<f64> {
        let usage = usage_of("oci_core_instance", values, Value::Null);
        let finding = usage
            .findings
            .iter()
            .find(|f| f.kind == Kind::PaidShape)
            .unwrap();
        assert_eq!(finding.status, Status::Over);
        finding.cost_usd
    }

    #[test]
    fn paid_shapes_cost_their_list_price() {
        let boot = json!([{"source_type": "bootVolume"}]);
        let flex = shape_cost(
            json!({"shape": "VM.Standard.E4.Flex", "source_details": boot,
                                     "shape_config": [{"ocpus": 2, "memory_in_gbs": "16"}]}),
        );
        assert!((flex.unwrap() - 744.0 * (2.0 * 0.025 + 16.0 * 0.0015)).abs() < 1e-9);
        let fixed = shape_cost(json!({"shape": "VM.Standard.E2.2", "source_details": boot}));
        assert!((fixed.unwrap() - 744.0 * 2.0 * 0.03).abs() < 1e-9);
        let stopped = shape_cost(
            json!({"shape": "VM.Standard.E2.2", "state": "STOPPED", "source_details": boot}),
        );
        assert_eq!(stopped, Some(0.0));
        let no_config = usage_of(
            "oci_core_instance",
            json!({"shape": "VM.Standard.E5.Flex", "source_details": boot}),
            json!({"shape_config": true}),
        );
        assert_eq!(no_config.findings[0].cost_usd, None);
        assert!(no_config.findings[0].message.contains("cost is unknown"));
        let gpu = usage_of(
            "oci_core_instance",
            json!({"shape": "BM.GPU.H100.8", "source_details": boot}),
            Value::Null,
        );
        assert!(gpu.findings[0].message.contains("no list price"));
        assert_eq!(gpu.findings[0].cost_usd, None);
    }

    #[test]
    fn nosql_tables_are_always_free_or_billed_for_capacity() {
        let free = usage_of(
            "oci_nosql_table",
            json!({"is_auto_reclaimable": true}),
            Value::Null,
        );
        assert_eq!(amount(&free, "db.nosql_tables"), Amount::exact(1.0));
        assert!(free.findings.is_empty());
        let limits = |mode: &str| json!([{"max_read_units": 100, "max_write_units": "10", "max_storage_in_gbs": 5, "capacity_mode": mode}]);
        let provisioned = usage_of(
            "oci_nosql_table",
            json!({"is_auto_reclaimable": false, "table_limits": limits("PROVISIONED")}),
            Value::Null,
        );
        assert!(provisioned.amounts.is_empty());
        let finding = &provisioned.findings[0];
        assert_eq!(
            (finding.kind, finding.status),
            (Kind::PaidDatabase, Status::Over)
        );
        let expected = 100.0 * 0.0064 + 10.0 * 0.1254 + 5.0 * 0.066;
        assert!((finding.cost_usd.unwrap() - expected).abs() < 1e-9);
        let on_demand = usage_of(
            "oci_nosql_table",
            json!({"table_limits": limits("ON_DEMAND")}),
            Value::Null,
        );
        assert_eq!(on_demand.findings[0].cost_usd, None);
        assert!(on_demand.findings[0].message.contains("on-demand"));
        let unknown = usage_of(
            "oci_nosql_table",
            json!({}),
            json!({"is_auto_reclaimable": true}),
        );
        assert_eq!(unknown.findings[0].status, Status::Unknown);
    }

    #[test]
    fn objects_uploaded_from_files_are_sized_by_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("talos.raw"), vec![0u8; 3000]).unwrap();
        let data = LimitsData::embedded().unwrap();
        let rules = Rules::new(&data, 744.0).with_source_dir(dir.path());
        let object = |values: Value| {
            let side = Side {
                values,
                unknown: json!({"content_length": true}),
            };
            rules
                .usage("oci_objectstorage_object", "o", "p.json", &side)
                .unwrap()
        };
        let found = object(json!({"source": "talos.raw"}));
        assert_eq!(
            amount(&found, "object.standard_gb"),
            Amount::exact(3000.0 / GIB)
        );
        assert!(found.findings.is_empty());
        let absolute = dir.path().join("talos.raw");
        let found = object(json!({"source": absolute.to_str().unwrap()}));
        assert!(amount(&found, "object.storage_gb").exact);
        let missing = object(json!({"source": "gone.raw"}));
        assert_eq!(amount(&missing, "object.storage_gb"), Amount::at_least(0.0));
        assert_eq!(missing.findings[0].kind, Kind::UnknownValue);
        assert!(missing.findings[0].message.contains("gone.raw"));
        let unknown_path = Side {
            values: json!({}),
            unknown: json!({"source": true, "content_length": true}),
        };
        assert_eq!(object_size(&unknown_path, dir.path()), ObjectSize::Unknown);
    }

    #[test]
    fn load_balancers_are_free_only_at_ten_mbps() {
        let free = usage_of(
            "oci_load_balancer_load_balancer",
            json!({"shape": "flexible", "shape_details": [{"minimum_bandwidth_in_mbps": 10, "maximum_bandwidth_in_mbps": 10}]}),
            Value::Null,
        );
        assert_eq!(amount(&free, "net.flex_lb"), Amount::exact(1.0));
        let paid = usage_of(
            "oci_load_balancer_load_balancer",
            json!({"shape": "flexible", "shape_details": [{"minimum_bandwidth_in_mbps": 10, "maximum_bandwidth_in_mbps": 100}]}),
            Value::Null,
        );
        let finding = &paid.findings[0];
        assert_eq!(finding.kind, Kind::PaidLoadBalancer);
        let cost = finding.cost_usd.unwrap();
        assert!(
            (cost - (0.0113 * 744.0 + 0.0001 * 100.0 * 744.0)).abs() < 1e-9,
            "{cost}"
        );
        let legacy = usage_of(
            "oci_load_balancer_load_balancer",
            json!({"shape": "100Mbps"}),
            Value::Null,
        );
        assert_eq!(legacy.findings[0].cost_usd, None);
    }

    #[test]
    fn objects_images_and_databases() {
        let object = usage_of(
            "oci_objectstorage_object",
            json!({"content_length": "2147483648", "storage_tier": "Archive"}),
            Value::Null,
        );
        assert_eq!(amount(&object, "object.storage_gb"), Amount::exact(2.0));
        assert_eq!(amount(&object, "object.archive_gb"), Amount::exact(2.0));
        let inline = usage_of(
            "oci_objectstorage_object",
            json!({"content": "hello"}),
            json!({"content_length": true}),
        );
        assert!(amount(&inline, "object.standard_gb").exact);
        let qcow = usage_of(
            QCOW_IMAGE,
            json!({"file_size_bytes": 1u64 << 30, "virtual_size_bytes": 60u64 << 30}),
            Value::Null,
        );
        assert_eq!(amount(&qcow, "block.total_gb"), Amount::exact(60.0));
        assert_eq!(amount(&qcow, "object.storage_gb"), Amount::exact(1.0));
        let small = usage_of(
            QCOW_IMAGE,
            json!({"file_size_bytes": 1, "virtual_size_bytes": 2u64 << 30}),
            Value::Null,
        );
        assert_eq!(
            amount(&small, "block.total_gb"),
            Amount::exact(50.0),
            "at least the minimum boot volume"
        );
        let adb = usage_of(
            "oci_database_autonomous_database",
            json!({"is_free_tier": false}),
            Value::Null,
        );
        assert_eq!(adb.findings[0].kind, Kind::PaidDatabase);
        let image = usage_of(
            "oci_core_image",
            json!({"billable_size_in_gbs": "3"}),
            Value::Null,
        );
        assert_eq!(
            (image.findings[0].kind, image.findings[0].status),
            (Kind::CustomImage, Status::Unknown)
        );
    }

    #[test]
    fn buckets_count_what_the_inputs_do_not_manage() {
        let data = LimitsData::embedded().unwrap();
        let rules = Rules::new(&data, 744.0)
            .with_managed_objects(HashMap::from([("images".to_string(), GIB)]));
        let bucket =
            Side::known(json!({"name": "images", "approximate_size": (3u64 << 30).to_string()}));
        let usage = rules
            .usage("oci_objectstorage_bucket", "b", "s.json", &bucket)
            .unwrap();
        assert_eq!(amount(&usage, "object.storage_gb"), Amount::exact(2.0));
        let new_bucket = Side {
            values: json!({"name": "x"}),
            unknown: json!({"approximate_size": true}),
        };
        let usage = rules
            .usage("oci_objectstorage_bucket", "b", "p.json", &new_bucket)
            .unwrap();
        assert!(usage.amounts.is_empty() && usage.findings.is_empty());
    }

    #[test]
    fn replicas_and_high_performance_are_findings() {
        let usage = usage_of(
            "oci_core_volume",
            json!({"size_in_gbs": "50", "vpus_per_gb": "20", "block_volume_replicas": [{"availability_domain": "x"}]}),
            Value::Null,
        );
        let findings: Vec<(Kind, Status)> =
            usage.findings.iter().map(|f| (f.kind, f.status)).collect();
        assert_eq!(
            findings,
            [
                (Kind::BilledVolumeOption, Status::Over),
                (Kind::BilledVolumeOption, Status::Unknown)
            ]
        );
        let balanced = usage_of(
            "oci_core_volume",
            json!({"size_in_gbs": "50", "vpus_per_gb": "10", "block_volume_replicas": []}),
            Value::Null,
        );
        assert!(balanced.findings.is_empty());
    }

    #[test]
    fn stopped_a1_instances_use_no_hours() {
        let usage = usage_of(
            "oci_core_instance",
            json!({"shape": "VM.Standard.A1.Flex", "state": "STOPPED", "shape_config": [{"ocpus": 2, "memory_in_gbs": 12}],
                   "source_details": [{"source_type": "bootVolume"}]}),
            Value::Null,
        );
        assert_eq!(amount(&usage, "a1.ocpu_hours"), Amount::exact(0.0));
        assert_eq!(amount(&usage, "a1.instances"), Amount::exact(1.0));
    }

    #[test]
    fn regions_come_from_region_or_availability_domain() {
        let region = |values: Value| region_of(&Side::known(values));
        let known = |name: &str| Some(Region::Known(name.to_string()));
        assert_eq!(
            region(json!({"region": "us-ashburn-1"})),
            known("us-ashburn-1")
        );
        assert_eq!(region(json!({"region": "iad"})), known("us-ashburn-1"));
        let side = json!({"availability_domain": "Uocm:EU-FRANKFURT-1-AD-1"});
        assert_eq!(region(side), known("eu-frankfurt-1"));
        let side = json!({"availability_domain": "Uocm:US-ASHBURN-AD-1"});
        assert_eq!(region(side), known("us-ashburn-1"));
        assert_eq!(
            region(json!({"region": "zzz"})),
            Some(Region::Unrecognised("zzz".into()))
        );
        assert_eq!(region(json!({})), None);
    }
}
