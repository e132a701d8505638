//! Scanning an inventory against a data source: the offline database with the local matcher,
//! or the OSV API. Packages that cannot be decided are moved to the unscanned list.

use std::collections::BTreeSet;
use std::sync::Arc;

use anyhow::Result;

use crate::api::Client;
use crate::matching::PackageVersion;
use crate::offline::Database;
use crate::osv::Vulnerability;
use crate::package::{Inventory, Package, Unscanned};

/// One record affecting one package.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The affected package.
    pub package: Package,
    /// The record.
    pub vuln: Arc<Vulnerability>,
}

/// The outcome of a scan.
#[derive(Debug, Default)]
pub struct Scan {
    /// How many packages were looked up.
    pub packages: usize,
    /// The findings, in package order.
    pub findings: Vec<Finding>,
    /// Packages that could not be checked (from the inputs and from the scan).
    pub unscanned: Vec<Unscanned>,
}

fn unscanned(package: &Package, reason: String) -> Unscanned {
    Unscanned {
        ecosystem: Some(package.ecosystem.0.clone()),
        name: package.name.clone(),
        version: package.version.clone(),
        source: package.source.clone(),
        reason,
    }
}

/// Reads a package's version for offline matching, or says why the package cannot be
/// matched offline, before any record is read.
fn offline_version<'a>(db: &Database, package: &'a Package) -> Result<PackageVersion<'a>, String> {
    if package.commit.is_some() {
        return Err(
            "commits can only be matched by the OSV API (offline matching would need the commit graph)"
                .into(),
        );
    }
    let version = PackageVersion::read(package)?;
    let base = package.ecosystem.base();
    if !db.covers(base) {
        return Err(format!(
            "the offline database has no records for ecosystem {base}"
        ));
    }
    Ok(version)
}

/// Matches every package against the offline database.
pub fn offline(db: &Database, inventory: Inventory) -> Scan {
    let mut scan = Scan {
        unscanned: inventory.unscanned,
        ..Scan::default()
    };
    for package in inventory.packages {
        scan.packages += 1;
        let version = match offline_version(db, &package) {
            Ok(version) => version,
            Err(reason) => {
                scan.unscanned.push(unscanned(&package, reason));
                continue;
            }
        };
        let mut undecided = Vec::new();
        for vuln in db.candidates(&package) {
            match version.affected_by(vuln) {
                Ok(true) => scan.findings.push(Finding {
                    package: package.clone(),
                    vuln: Arc::clone(vuln),
                }),
                Ok(false) => {}
                Err(reason) => undecided.push(reason),
            }
        }
        if !undecided.is_empty() {
            scan.unscanned
                .push(unscanned(&package, undecided.join("; ")));
        }
    }
    scan
}

/// Why a package cannot be sent to the OSV API, if it cannot: an ecosystem OSV does not know
/// makes the API reject the whole batch, a query without a version returns every record for
/// the package, and a version the ecosystem's order rejects cannot be decided either.
/// Commits are sent as they are.
fn online_obstacle(package: &Package) -> Option<String> {
    if !package.ecosystem.is_known() {
        return Some(format!(
            "{:?} is not an OSV ecosystem (the OSV API would reject the query)",
            package.ecosystem.0
        ));
    }
    if package.commit.is_some() {
        return None;
    }
    PackageVersion::read(package).err()
}

/// Splits the packages into those the API can be asked about and, as unscanned, the others.
fn queryable(inventory: Inventory) -> (Vec<Package>, Vec<Unscanned>) {
    let mut unscanned_list = inventory.unscanned;
    let mut sent = Vec::with_capacity(inventory.packages.len());
    for package in inventory.packages {
        match online_obstacle(&package) {
            Some(reason) => unscanned_list.push(unscanned(&package, reason)),
            None => sent.push(package),
        }
    }
    (sent, unscanned_list)
}

/// Asks the OSV API about every package it can answer for, then fetches each affecting
/// record once; the other packages are listed as unscanned, never sent. Withdrawn records
/// are left out, as offline.
pub fn online(client: &Client, inventory: Inventory) -> Result<Scan> {
    let total = inventory.packages.len();
    let (packages, unscanned) = queryable(inventory);
    let ids = client.query(&packages)?;
    let unique: BTreeSet<String> = ids.iter().flatten().cloned().collect();
    let records = client.fetch(&unique)?;
    let mut scan = Scan {
        packages: total,
        unscanned,
        ..Scan::default()
    };
    for (package, ids) in packages.into_iter().zip(ids) {
        for id in ids {
            if let Some(vuln) = records.get(&id).filter(|v| v.withdrawn.is_none()) {
                scan.findings.push(Finding {
                    package: package.clone(),
                    vuln: Arc::clone(vuln),
                });
            }
        }
    }
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_ecosystems_and_unversioned_packages_are_kept_out_of_api_queries() {
        let inventory = Inventory {
            packages: vec![
                Package::new("npm", "a", "1.0.0", "s"),
                Package::new("Nix", "hello", "2.12", "s"),
                Package::new("Debian:12", "openssl", "3.0.11-1~deb12u2", "s"),
                Package::new("debian", "zlib", "1.2.13", "s"),
                Package::commit("https://example.org/r", "abc", "s"),
                Package::new("npm", "lodash", "", "s"),
                Package::new("npm", "lodash", "not-a-version", "s"),
                Package::new("opam", "lwt", "anything", "s"),
            ],
            unscanned: vec![],
        };
        let (known, unscanned) = queryable(inventory);
        let names: Vec<&str> = known.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "openssl", "https://example.org/r", "lwt"]);
        let skipped: Vec<(&str, &str)> = unscanned
            .iter()
            .map(|u| (u.name.as_str(), u.version.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [
                ("hello", "2.12"),
                ("zlib", "1.2.13"),
                ("lodash", ""),
                ("lodash", "not-a-version")
            ]
        );
        assert!(
            unscanned[0]
                .reason
                .contains("\"Nix\" is not an OSV ecosystem")
        );
        assert!(unscanned[2].reason.starts_with("no version"));
        assert!(unscanned[3].reason.contains("is not a version"));
    }

    #[test]
    fn offline_scan_reports_findings_and_unscanned() {
        let mut db = Database::default();
        db.add(
            serde_json::from_value(serde_json::json!({"id": "x_T-1", "affected": [
                {"package": {"ecosystem": "npm", "name": "a"}, "ranges": [{"type": "SEMVER",
                 "events": [{"introduced": "0"}, {"fixed": "2.0.0"}]}]},
                {"package": {"ecosystem": "opam", "name": "lwt"}, "ranges": [{"type": "ECOSYSTEM",
                 "events": [{"introduced": "0"}]}]}]}))
            .unwrap(),
        );
        let inventory = Inventory {
            packages: vec![
                Package::new("npm", "a", "1.0.0", "s"),
                Package::new("npm", "a", "2.0.0", "s"),
                Package::new("opam", "lwt", "3.4.0", "s"),
                Package::new("PyPI", "b", "1.0", "s"),
                Package::commit("https://example.org/r", "abc", "s"),
                Package::new("npm", "a", "", "s"),
                Package::new("npm", "a", "not-a-version", "s"),
            ],
            unscanned: vec![],
        };
        let scan = offline(&db, inventory);
        assert_eq!(scan.packages, 7);
        assert_eq!(scan.findings.len(), 1);
        assert_eq!(scan.findings[0].package.version, "1.0.0");
        let reasons: Vec<&str> = scan.unscanned.iter().map(|u| u.reason.as_str()).collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons[0].contains("no version order"), "{reasons:?}");
        assert!(reasons[3].starts_with("no version:"), "{reasons:?}");
        assert!(reasons[4].contains("is not a version"), "{reasons:?}");
    }
}
