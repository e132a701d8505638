//! Ignore rules from an osv-scanner-compatible `osv-scanner.toml`: `[[IgnoredVulns]]`
//! (`id`, `ignoreUntil`, `reason`) and `[[PackageOverrides]]` (`name`, `version`,
//! `ecosystem`, `ignore`, `vulnerability.ignore`, `effectiveUntil`, `reason`). Unknown keys
//! make the file invalid, so that a typo never silently disables a rule.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use toml::value::{Datetime, Offset};

use crate::inputs::parse_toml;
use crate::osv::Vulnerability;
use crate::package::Package;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(rename = "IgnoredVulns", default)]
    ignored_vulns: Vec<IgnoredVuln>,
    #[serde(rename = "PackageOverrides", default)]
    package_overrides: Vec<PackageOverride>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoredVuln {
    id: String,
    #[serde(rename = "ignoreUntil")]
    ignore_until: Option<Datetime>,
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackageOverride {
    name: Option<String>,
    version: Option<String>,
    ecosystem: Option<String>,
    group: Option<String>,
    #[serde(default)]
    ignore: bool,
    vulnerability: Option<VulnerabilityOverride>,
    #[serde(rename = "license")]
    _license: Option<serde::de::IgnoredAny>,
    #[serde(rename = "effectiveUntil")]
    effective_until: Option<Datetime>,
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VulnerabilityOverride {
    #[serde(default)]
    ignore: bool,
}

/// Why a finding is (or was meant to be) ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgnoreRule {
    /// The rule's reason, as written.
    pub reason: String,
    /// When the rule stops applying (RFC 3339), if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// True when that time has passed: the rule no longer applies.
    pub expired: bool,
}

/// The rules of one file, with the time they are judged at.
#[derive(Debug, Default)]
pub struct Rules {
    file: File,
    now: String,
}

impl Rules {
    /// Reads an ignore file. An `ignoreUntil` or `effectiveUntil` without a date is an error:
    /// it could never expire.
    pub fn load(source: &str, text: &str) -> Result<Rules> {
        let file: File = parse_toml(source, text)?;
        let untils = file
            .ignored_vulns
            .iter()
            .map(|r| (r.ignore_until.as_ref(), "ignoreUntil"))
            .chain(
                file.package_overrides
                    .iter()
                    .map(|o| (o.effective_until.as_ref(), "effectiveUntil")),
            );
        for (until, key) in untils {
            if until.is_some_and(|u| u.date.is_none()) {
                bail!("{source}: expected {key} to be a date or a date-time, found {until:?}");
            }
        }
        Ok(Rules {
            file,
            now: now_rfc3339(),
        })
    }

    /// The rule that applies to this finding, if any (expired rules included, so that they
    /// are reported).
    pub fn rule_for(&self, vuln: &Vulnerability, package: &Package) -> Option<IgnoreRule> {
        let by_id = self
            .file
            .ignored_vulns
            .iter()
            .find(|rule| rule.id == vuln.id || vuln.aliases.contains(&rule.id));
        if let Some(rule) = by_id {
            return Some(self.rule(&rule.reason, rule.ignore_until.as_ref()));
        }
        self.file
            .package_overrides
            .iter()
            .filter(|o| o.ignore || o.vulnerability.as_ref().is_some_and(|v| v.ignore))
            .find(|o| overrides(o, package))
            .map(|o| self.rule(&o.reason, o.effective_until.as_ref()))
    }

    fn rule(&self, reason: &str, until: Option<&Datetime>) -> IgnoreRule {
        let until = until.map(rfc3339);
        let expired = until.as_ref().is_some_and(|u| *u <= self.now);
        IgnoreRule {
            reason: reason.to_string(),
            until,
            expired,
        }
    }
}

fn overrides(rule: &PackageOverride, package: &Package) -> bool {
    rule.group.is_none()
        && rule.name.as_ref().is_none_or(|n| *n == package.name)
        && rule.version.as_ref().is_none_or(|v| *v == package.version)
        && rule
            .ecosystem
            .as_ref()
            .is_none_or(|e| e.eq_ignore_ascii_case(&package.ecosystem.0))
}

/// A TOML date or date-time as an RFC 3339 UTC string: a date alone is midnight UTC, a
/// local date-time is read as UTC, an offset is applied.
fn rfc3339(value: &Datetime) -> String {
    let Some(date) = value.date else {
        return String::new();
    };
    let days = days_from_civil(i64::from(date.year), date.month, date.day);
    let seconds = value.time.map_or(0, |t| {
        i64::from(t.hour) * 3600 + i64::from(t.minute) * 60 + i64::from(t.second)
    });
    let offset = match value.offset {
        Some(Offset::Custom { minutes }) => i64::from(minutes) * 60,
        Some(Offset::Z) | None => 0,
    };
    shared::time::rfc3339(days * 86_400 + seconds - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of
/// `shared::time::civil_from_days`).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (i64::from(month) + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The current time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_rfc3339() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_unix(seconds)
}

/// Formats seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian calendar).
pub fn format_unix(seconds: u64) -> String {
    shared::time::rfc3339(i64::try_from(seconds).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vuln(id: &str, aliases: &[&str]) -> Vulnerability {
        serde_json::from_value(serde_json::json!({"id": id, "aliases": aliases})).unwrap()
    }

    #[test]
    fn ids_aliases_and_expiry() {
        let rules = Rules::load(
            "osv-scanner.toml",
            "[[IgnoredVulns]]\nid = \"CVE-1\"\nreason = \"not reachable\"\n\n\
             [[IgnoredVulns]]\nid = \"GHSA-old\"\nignoreUntil = 2000-01-01\nreason = \"old\"\n",
        )
        .unwrap();
        let p = Package::new("npm", "a", "1.0.0", "s");
        let rule = rules.rule_for(&vuln("GHSA-x", &["CVE-1"]), &p).unwrap();
        assert_eq!(rule.reason, "not reachable");
        assert!(!rule.expired);
        let old = rules.rule_for(&vuln("GHSA-old", &[]), &p).unwrap();
        assert!(old.expired);
        assert_eq!(old.until.as_deref(), Some("2000-01-01T00:00:00Z"));
        assert!(rules.rule_for(&vuln("GHSA-y", &[]), &p).is_none());
    }

    #[test]
    fn package_overrides() {
        let rules = Rules::load(
            "c.toml",
            "[[PackageOverrides]]\nname = \"a\"\necosystem = \"npm\"\nvulnerability.ignore = true\n\
             effectiveUntil = 2999-01-01T00:00:00Z\nreason = \"vendored\"\n",
        )
        .unwrap();
        let rule = rules
            .rule_for(&vuln("X", &[]), &Package::new("npm", "a", "1", "s"))
            .unwrap();
        assert!(!rule.expired);
        assert!(
            rules
                .rule_for(&vuln("X", &[]), &Package::new("npm", "b", "1", "s"))
                .is_none()
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err = Rules::load("c.toml", "[[IgnoredVulns]]\nid = \"X\"\nreasn = \"typo\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:3:1: "), "{err}");
        assert!(Rules::load("c.toml", "[[IgnoredVulns]]\nreason = \"no id\"\n").is_err());
    }

    #[test]
    fn offsets_are_applied_and_dateless_untils_rejected() {
        let rules = Rules::load(
            "c.toml",
            "[[IgnoredVulns]]\nid = \"A\"\nignoreUntil = 2024-03-01T01:30:00+02:00\n\
             [[IgnoredVulns]]\nid = \"B\"\nignoreUntil = 2000-02-29\n",
        )
        .unwrap();
        let p = Package::new("npm", "a", "1", "s");
        let a = rules.rule_for(&vuln("A", &[]), &p).unwrap();
        assert_eq!(a.until.as_deref(), Some("2024-02-29T23:30:00Z"));
        let b = rules.rule_for(&vuln("B", &[]), &p).unwrap();
        assert_eq!(b.until.as_deref(), Some("2000-02-29T00:00:00Z"));
        let err = Rules::load(
            "c.toml",
            "[[IgnoredVulns]]\nid = \"A\"\nignoreUntil = 12:00:00\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("expected ignoreUntil to be a date"), "{err}");
        for days in [-719_468, -1, 0, 11_016, 19_782, 2_932_896] {
            let (y, m, d) = shared::time::civil_from_days(days);
            let (m, d) = (u8::try_from(m).unwrap(), u8::try_from(d).unwrap());
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn formats_unix_time() {
        assert_eq!(format_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_unix(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
