//! The parts of an OSV record (schema 1.x) that matching and reporting read; everything else
//! is ignored, as the schema allows.

use serde::{Deserialize, Serialize};

/// One OSV vulnerability record.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Vulnerability {
    /// The record's identifier (`GHSA-…`, `PYSEC-…`, …).
    pub id: String,
    /// When the record last changed (RFC 3339).
    #[serde(default)]
    pub modified: Option<String>,
    /// When the record was withdrawn; withdrawn records never match.
    #[serde(default)]
    pub withdrawn: Option<String>,
    /// Other identifiers of the same vulnerability.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// A one-line summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// Severity scores of the whole record.
    #[serde(default)]
    pub severity: Vec<SeverityScore>,
    /// The packages and versions affected.
    #[serde(default)]
    pub affected: Vec<Affected>,
    /// Database-specific data; read only for a severity word when no score is given.
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// A severity entry: a type and a score (a CVSS vector, or a word for `Ubuntu`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SeverityScore {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4` or `Ubuntu`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector or word.
    pub score: String,
}

/// One affected package with its versions and ranges.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Affected {
    /// The package; absent for records about a repository only.
    #[serde(default)]
    pub package: Option<AffectedPackage>,
    /// Exact affected version strings.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Affected ranges.
    #[serde(default)]
    pub ranges: Vec<Range>,
    /// Per-package severity (only when the record has none at the top).
    #[serde(default)]
    pub severity: Vec<SeverityScore>,
}

/// The package of an `affected` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct AffectedPackage {
    /// The ecosystem, possibly with a suffix.
    #[serde(default)]
    pub ecosystem: String,
    /// The package name.
    #[serde(default)]
    pub name: String,
}

/// A range of affected versions or commits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Range {
    /// `SEMVER`, `ECOSYSTEM` or `GIT`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The repository of a `GIT` range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// The events, in any order.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// One range event: exactly one of its fields is set in a valid record.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct Event {
    /// The first affected version (`"0"`: from the beginning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    /// The first version no longer affected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// The last affected version (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    /// An upper limit of the range (`"*"`: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

impl Vulnerability {
    /// The versions that fix the record for a package of this ecosystem and name, in the
    /// order the record gives them, without duplicates.
    pub fn fixed_versions(&self, ecosystem: &crate::package::Ecosystem, name: &str) -> Vec<String> {
        let mut fixed = Vec::new();
        for affected in self.affected_for(ecosystem, name) {
            for range in &affected.ranges {
                if range.kind == "GIT" {
                    continue;
                }
                for version in range.events.iter().filter_map(|e| e.fixed.as_ref()) {
                    if !fixed.contains(version) {
                        fixed.push(version.clone());
                    }
                }
            }
        }
        fixed
    }

    /// The `affected` entries naming this package.
    pub fn affected_for<'a>(
        &'a self,
        ecosystem: &'a crate::package::Ecosystem,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Affected> + 'a {
        let key = crate::package::normalize_name(ecosystem.base(), name);
        self.affected.iter().filter(move |a| {
            a.package.as_ref().is_some_and(|p| {
                ecosystem.matches(&crate::package::Ecosystem(p.ecosystem.clone()))
                    && crate::package::normalize_name(ecosystem.base(), &p.name) == key
            })
        })
    }
}
