//! The OSV schema's evaluation of whether a record affects a package version: exact
//! `versions`, then `SEMVER`/`ECOSYSTEM` ranges with `introduced`, `fixed`,
//! `last_affected` and `limit` events, ordered by the ecosystem's own version order.

use std::cell::OnceCell;
use std::cmp::Ordering;

use crate::osv::{Range, Vulnerability};
use crate::package::Package;
use crate::version::{Scheme, VersionKey};

/// A version bound of an event: `"0"` sorts before every version, `"*"` after.
#[derive(Debug, Clone)]
enum Bound {
    Min,
    Version(VersionKey),
    Max,
}

impl Bound {
    fn parse(scheme: Scheme, text: &str) -> Result<Bound, String> {
        match text {
            "0" => Ok(Bound::Min),
            "*" => Ok(Bound::Max),
            _ => scheme.parse(text).map(Bound::Version),
        }
    }

    fn compare(&self, other: &Bound) -> Ordering {
        match (self, other) {
            (Bound::Min, Bound::Min) | (Bound::Max, Bound::Max) => Ordering::Equal,
            (Bound::Min, _) | (_, Bound::Max) => Ordering::Less,
            (_, Bound::Min) | (Bound::Max, _) => Ordering::Greater,
            (Bound::Version(a), Bound::Version(b)) => a.compare(b).unwrap_or(Ordering::Equal),
        }
    }

    /// Where `version` stands against this bound.
    fn order_of(&self, version: &VersionKey) -> Ordering {
        match self {
            Bound::Min => Ordering::Greater,
            Bound::Max => Ordering::Less,
            Bound::Version(bound) => version.compare(bound).unwrap_or(Ordering::Equal),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Introduced,
    Fixed,
    LastAffected,
    Limit,
}

/// Whether `vuln` affects `package`. An error means the question cannot be decided (a
/// package without a version, an ecosystem without a known order, or a version that does
/// not parse): the caller reports the package as unscanned rather than clean. To match one
/// package against many records, read its version once with [`PackageVersion::read`].
pub fn affects(vuln: &Vulnerability, package: &Package) -> Result<bool, String> {
    PackageVersion::read(package)
        .map_err(|e| format!("{}: {e}", vuln.id))?
        .affected_by(vuln)
}

/// A package's version, read once for all the records it is matched against: in its
/// ecosystem's order up front, and in the SemVer-like order when a `SEMVER` range first asks.
#[derive(Debug)]
pub struct PackageVersion<'a> {
    package: &'a Package,
    ecosystem: Option<(Scheme, VersionKey)>,
    semver: OnceCell<Result<VersionKey, String>>,
}

impl<'a> PackageVersion<'a> {
    /// Reads a package's version. An error says why it cannot be compared: there is none
    /// (every record for the package would match), or its ecosystem's order rejects it (it
    /// would be read as some other version). An ecosystem without a known order passes.
    pub fn read(package: &'a Package) -> Result<PackageVersion<'a>, String> {
        if package.version.is_empty() {
            return Err(
                "no version: every record for the package would match, so none can be decided"
                    .into(),
            );
        }
        let ecosystem = match Scheme::for_ecosystem(&package.ecosystem) {
            Some(scheme) => Some((scheme, scheme.parse(&package.version)?)),
            None => None,
        };
        Ok(PackageVersion {
            package,
            ecosystem,
            semver: OnceCell::new(),
        })
    }

    /// Whether `vuln` affects the package: an exact `versions` entry, or a `SEMVER` or
    /// `ECOSYSTEM` range; a withdrawn record never does. An error means the question cannot
    /// be decided (a range in an order unknown for the ecosystem, or a version that does not
    /// parse in the range's order).
    pub fn affected_by(&self, vuln: &Vulnerability) -> Result<bool, String> {
        if vuln.withdrawn.is_some() {
            return Ok(false);
        }
        let package = self.package;
        for affected in vuln.affected_for(&package.ecosystem, &package.name) {
            if affected.versions.contains(&package.version) {
                return Ok(true);
            }
            for range in &affected.ranges {
                let Some(read) = self.in_order_of(range) else {
                    continue;
                };
                let in_range = read
                    .and_then(|(scheme, version)| range_affects(range, scheme, version))
                    .map_err(|e| format!("{}: {e}", vuln.id))?;
                if in_range {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// The order a range is evaluated in, and the version read in it; `None` for a range
    /// type that orders no versions (`GIT`).
    fn in_order_of(&self, range: &Range) -> Option<Result<(Scheme, &VersionKey), String>> {
        match range.kind.as_str() {
            "SEMVER" => Some(self.semver().map(|key| (Scheme::Semver, key))),
            "ECOSYSTEM" => Some(
                self.ecosystem
                    .as_ref()
                    .map(|(scheme, key)| (*scheme, key))
                    .ok_or_else(|| {
                        format!(
                            "no version order is known for ecosystem {}",
                            self.package.ecosystem.0
                        )
                    }),
            ),
            _ => None,
        }
    }

    fn semver(&self) -> Result<&VersionKey, String> {
        if let Some((Scheme::Semver, key)) = &self.ecosystem {
            return Ok(key);
        }
        self.semver
            .get_or_init(|| Scheme::Semver.parse(&self.package.version))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Evaluates one range for a version read in `scheme`, per the schema's algorithm.
pub fn range_affects(range: &Range, scheme: Scheme, version: &VersionKey) -> Result<bool, String> {
    let mut events = Vec::with_capacity(range.events.len());
    for event in &range.events {
        let (kind, text) = if let Some(v) = &event.introduced {
            (Kind::Introduced, v)
        } else if let Some(v) = &event.fixed {
            (Kind::Fixed, v)
        } else if let Some(v) = &event.last_affected {
            (Kind::LastAffected, v)
        } else if let Some(v) = &event.limit {
            (Kind::Limit, v)
        } else {
            return Err("a range event names no version".to_string());
        };
        events.push((kind, Bound::parse(scheme, text)?));
    }
    let limits: Vec<&Bound> = events
        .iter()
        .filter(|(k, _)| *k == Kind::Limit)
        .map(|(_, b)| b)
        .collect();
    if !limits.is_empty() && !limits.iter().any(|l| l.order_of(version).is_lt()) {
        return Ok(false);
    }
    events.sort_by(|a, b| a.1.compare(&b.1));
    let mut affected = false;
    for (kind, bound) in &events {
        let order = bound.order_of(version);
        match kind {
            Kind::Introduced if order.is_ge() => affected = true,
            Kind::Fixed if order.is_ge() => affected = false,
            Kind::LastAffected if order.is_gt() => affected = false,
            _ => {}
        }
    }
    Ok(affected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::{Affected, AffectedPackage, Event};

    fn event(kind: &str, v: &str) -> Event {
        let mut e = Event::default();
        let v = Some(v.to_string());
        match kind {
            "introduced" => e.introduced = v,
            "fixed" => e.fixed = v,
            "last_affected" => e.last_affected = v,
            _ => e.limit = v,
        }
        e
    }

    fn vuln(ecosystem: &str, name: &str, versions: &[&str], ranges: Vec<Range>) -> Vulnerability {
        Vulnerability {
            id: "x_TEST-1".into(),
            modified: None,
            withdrawn: None,
            aliases: vec![],
            summary: None,
            severity: vec![],
            affected: vec![Affected {
                package: Some(AffectedPackage {
                    ecosystem: ecosystem.into(),
                    name: name.into(),
                }),
                versions: versions.iter().map(|s| s.to_string()).collect(),
                ranges,
                severity: vec![],
            }],
            database_specific: None,
        }
    }

    fn range(kind: &str, events: &[(&str, &str)]) -> Range {
        Range {
            kind: kind.into(),
            repo: None,
            events: events.iter().map(|(k, v)| event(k, v)).collect(),
        }
    }

    fn hit(v: &Vulnerability, eco: &str, name: &str, version: &str) -> bool {
        affects(v, &Package::new(eco, name, version, "t")).unwrap()
    }

    #[test]
    fn introduced_and_fixed() {
        let v = vuln(
            "npm",
            "a",
            &[],
            vec![range("SEMVER", &[("introduced", "0"), ("fixed", "1.2.0")])],
        );
        assert!(hit(&v, "npm", "a", "1.1.9"));
        assert!(!hit(&v, "npm", "a", "1.2.0"));
        assert!(!hit(&v, "npm", "b", "1.0.0"));
        assert!(!hit(&v, "PyPI", "a", "1.0.0"));
    }

    #[test]
    fn several_pairs_in_one_range_in_any_order() {
        let v = vuln(
            "npm",
            "a",
            &[],
            vec![range(
                "SEMVER",
                &[
                    ("fixed", "2.5.1"),
                    ("introduced", "2.0.0"),
                    ("fixed", "1.4.2"),
                    ("introduced", "1.0.0"),
                ],
            )],
        );
        assert!(!hit(&v, "npm", "a", "0.9.0"));
        assert!(hit(&v, "npm", "a", "1.4.1"));
        assert!(!hit(&v, "npm", "a", "1.9.0"));
        assert!(hit(&v, "npm", "a", "2.5.0"));
        assert!(!hit(&v, "npm", "a", "3.0.0"));
    }

    #[test]
    fn last_affected_is_inclusive() {
        let v = vuln(
            "PyPI",
            "a",
            &[],
            vec![range(
                "ECOSYSTEM",
                &[("introduced", "1.0"), ("last_affected", "1.5")],
            )],
        );
        assert!(hit(&v, "PyPI", "a", "1.5.0"));
        assert!(!hit(&v, "PyPI", "a", "1.5.post1"));
        assert!(!hit(&v, "PyPI", "a", "0.9"));
    }

    #[test]
    fn limit_bounds_the_range() {
        let v = vuln(
            "npm",
            "a",
            &[],
            vec![range("SEMVER", &[("introduced", "0"), ("limit", "2.0.0")])],
        );
        assert!(hit(&v, "npm", "a", "1.9.9"));
        assert!(!hit(&v, "npm", "a", "2.0.0"));
        let star = vuln(
            "npm",
            "a",
            &[],
            vec![range("SEMVER", &[("introduced", "1.0.0"), ("limit", "*")])],
        );
        assert!(hit(&star, "npm", "a", "99.0.0"));
    }

    #[test]
    fn exact_versions_and_git_ranges() {
        let v = vuln(
            "PyPI",
            "a",
            &["1.0rc1"],
            vec![range("GIT", &[("introduced", "0"), ("fixed", "abc")])],
        );
        assert!(hit(&v, "PyPI", "a", "1.0rc1"));
        assert!(!hit(&v, "PyPI", "a", "1.0"));
    }

    #[test]
    fn withdrawn_never_matches() {
        let mut v = vuln("npm", "a", &["1.0.0"], vec![]);
        v.withdrawn = Some("2024-01-01T00:00:00Z".into());
        assert!(!hit(&v, "npm", "a", "1.0.0"));
    }

    #[test]
    fn unversioned_and_unreadable_versions_are_undecided() {
        let v = vuln(
            "npm",
            "a",
            &[""],
            vec![range(
                "SEMVER",
                &[("introduced", "0"), ("fixed", "4.17.21")],
            )],
        );
        assert!(affects(&v, &Package::new("npm", "a", "", "t")).is_err());
        let err = affects(&v, &Package::new("npm", "a", "not-a-version", "t")).unwrap_err();
        assert!(
            err.starts_with("x_TEST-1: \"not-a-version\" is not a version"),
            "{err}"
        );
        assert!(!hit(&v, "npm", "a", "4.17.21"));
    }

    #[test]
    fn undecidable_cases_are_errors() {
        let v = vuln(
            "opam",
            "lwt",
            &[],
            vec![range("ECOSYSTEM", &[("introduced", "0")])],
        );
        assert!(affects(&v, &Package::new("opam", "lwt", "3.4.0", "t")).is_err());
        let p = vuln(
            "PyPI",
            "a",
            &[],
            vec![range("ECOSYSTEM", &[("introduced", "0")])],
        );
        assert!(affects(&p, &Package::new("PyPI", "a", "not a version!", "t")).is_err());
    }

    #[test]
    fn debian_suffixes() {
        let v = vuln(
            "Debian:12",
            "openssl",
            &[],
            vec![range(
                "ECOSYSTEM",
                &[("introduced", "0"), ("fixed", "3.0.11-1~deb12u1")],
            )],
        );
        assert!(hit(&v, "Debian", "openssl", "3.0.9-1"));
        assert!(hit(&v, "Debian:12", "openssl", "3.0.11-1~deb12u0"));
        assert!(!hit(&v, "Debian:11", "openssl", "3.0.9-1"));
    }
}
