//! Version ordering per ecosystem: each scheme parses a version string into a key whose order
//! is the order of the ecosystem's own tool.

pub mod alpine;
pub mod debian;
pub mod dotted;
pub mod maven;
pub mod packagist;
pub mod rpm;
pub mod rubygems;
pub mod semver;

use std::cmp::Ordering;
use std::str::FromStr;

use crate::package::{Ecosystem, RUST_CRATES};

/// A version order the matcher knows exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// SemVer 2.0 made lenient (leading `v`, any number of components).
    Semver,
    /// PEP 440, as Python `packaging` orders it.
    Pypi,
    /// dpkg's order.
    Debian,
    /// RubyGems' `Gem::Version` order.
    RubyGems,
    /// NuGet's order (four numeric parts, case-insensitive labels).
    NuGet,
    /// PHP's `version_compare`, for Packagist.
    Packagist,
    /// Maven's `ComparableVersion` order.
    Maven,
    /// apk's order, for Alpine and its relatives.
    Alpine,
    /// `rpm`'s order, for Red Hat, SUSE and the other RPM distributions.
    Rpm,
    /// Dart's `pub_semver` order: SemVer where build metadata counts, after the pre-release.
    Pub,
    /// Hackage's order (`Data.Version`): numbers between dots.
    Hackage,
    /// R's `package_version` order, for CRAN and Bioconductor: numbers between `.` or `-`.
    R,
}

impl Scheme {
    /// Every scheme, for exhaustive checks.
    pub const ALL: [Scheme; 12] = [
        Scheme::Semver,
        Scheme::Pypi,
        Scheme::Debian,
        Scheme::RubyGems,
        Scheme::NuGet,
        Scheme::Packagist,
        Scheme::Maven,
        Scheme::Alpine,
        Scheme::Rpm,
        Scheme::Pub,
        Scheme::Hackage,
        Scheme::R,
    ];

    /// The scheme of an OSV ecosystem's `ECOSYSTEM` ranges, or `None` when the order is not
    /// implemented (a package of that ecosystem cannot be checked offline).
    pub fn for_ecosystem(ecosystem: &Ecosystem) -> Option<Scheme> {
        match ecosystem.base() {
            "npm" | "Go" | "Hex" | "SwiftURL" | "Bitnami" | "Julia" | "VSCode" => {
                Some(Scheme::Semver)
            }
            b if b == RUST_CRATES => Some(Scheme::Semver),
            "PyPI" => Some(Scheme::Pypi),
            "Debian" | "Ubuntu" | "Echo" => Some(Scheme::Debian),
            "RubyGems" => Some(Scheme::RubyGems),
            "NuGet" => Some(Scheme::NuGet),
            "Packagist" => Some(Scheme::Packagist),
            "Maven" => Some(Scheme::Maven),
            "Alpine"
            | "Wolfi"
            | "Chainguard"
            | "MinimOS"
            | "Alpaquita"
            | "BellSoft Hardened Containers" => Some(Scheme::Alpine),
            "Red Hat" | "AlmaLinux" | "Rocky Linux" | "SUSE" | "openSUSE" | "Mageia"
            | "openEuler" => Some(Scheme::Rpm),
            "Pub" => Some(Scheme::Pub),
            "Hackage" => Some(Scheme::Hackage),
            "CRAN" | "Bioconductor" => Some(Scheme::R),
            _ => None,
        }
    }

    /// Parses a version in this scheme; an error says why the string is not a version. The
    /// SemVer-like orders (npm, Rust crates, Go …, NuGet, Pub) read the rest of a version
    /// leniently, as their tools do, but only once it starts like one: with a digit, after an
    /// optional `v` (NuGet: after surrounding whitespace, and no `v`). Anything else
    /// (`not-a-version`, `latest`, an empty string) is rejected rather than read as `0`.
    pub fn parse(self, text: &str) -> Result<VersionKey, String> {
        self.check_start(text)?;
        match self {
            Scheme::Semver => Ok(VersionKey::Semver(semver::SemverLike::parse(text))),
            Scheme::Pypi => pep440_rs::Version::from_str(text)
                .map(|v| VersionKey::Pypi(Box::new(v)))
                .map_err(|e| format!("{text:?} is not a PEP 440 version: {e}")),
            Scheme::Debian => debian::DebianVersion::parse(text).map(VersionKey::Debian),
            Scheme::RubyGems => Ok(VersionKey::RubyGems(rubygems::GemVersion::parse(text))),
            Scheme::NuGet => Ok(VersionKey::Semver(semver::SemverLike::parse_nuget(text))),
            Scheme::Packagist => Ok(VersionKey::Packagist(packagist::PhpVersion::parse(text))),
            Scheme::Maven => Ok(VersionKey::Maven(maven::MavenVersion::parse(text))),
            Scheme::Alpine => Ok(VersionKey::Alpine(alpine::ApkVersion::parse(text))),
            Scheme::Rpm => Ok(VersionKey::Rpm(rpm::RpmVersion::parse(text))),
            Scheme::Pub => Ok(VersionKey::Semver(semver::SemverLike::parse_pub(text))),
            Scheme::Hackage => dotted::DottedVersion::parse_hackage(text).map(VersionKey::Dotted),
            Scheme::R => dotted::DottedVersion::parse_r(text).map(VersionKey::Dotted),
        }
    }

    /// Rejects, for the SemVer-like orders, text that does not start like a version.
    fn check_start(self, text: &str) -> Result<(), String> {
        let (body, expected) = match self {
            Scheme::Semver | Scheme::Pub => (
                text.strip_prefix('v').unwrap_or(text),
                "a SemVer-like version starts with a digit, after an optional \"v\"",
            ),
            Scheme::NuGet => (text.trim(), "a NuGet version starts with a digit"),
            _ => return Ok(()),
        };
        if body.starts_with(|c: char| c.is_ascii_digit()) {
            Ok(())
        } else {
            Err(format!("{text:?} is not a version ({expected})"))
        }
    }
}

/// A parsed version; keys of the same scheme compare, keys of different schemes never meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionKey {
    /// A SemVer-like version.
    Semver(semver::SemverLike),
    /// A PEP 440 version.
    Pypi(Box<pep440_rs::Version>),
    /// A Debian version.
    Debian(debian::DebianVersion),
    /// A RubyGems version.
    RubyGems(rubygems::GemVersion),
    /// A PHP version.
    Packagist(packagist::PhpVersion),
    /// A Maven version.
    Maven(maven::MavenVersion),
    /// An apk version.
    Alpine(alpine::ApkVersion),
    /// An RPM version.
    Rpm(rpm::RpmVersion),
    /// A Hackage or R version.
    Dotted(dotted::DottedVersion),
}

impl VersionKey {
    /// The order of two keys, or `None` when they come from different schemes.
    pub fn compare(&self, other: &VersionKey) -> Option<Ordering> {
        match (self, other) {
            (VersionKey::Semver(a), VersionKey::Semver(b)) => Some(a.cmp(b)),
            (VersionKey::Pypi(a), VersionKey::Pypi(b)) => Some(a.cmp(b)),
            (VersionKey::Debian(a), VersionKey::Debian(b)) => Some(a.cmp(b)),
            (VersionKey::RubyGems(a), VersionKey::RubyGems(b)) => Some(a.cmp(b)),
            (VersionKey::Packagist(a), VersionKey::Packagist(b)) => Some(a.cmp(b)),
            (VersionKey::Maven(a), VersionKey::Maven(b)) => Some(a.cmp(b)),
            (VersionKey::Alpine(a), VersionKey::Alpine(b)) => Some(a.cmp(b)),
            (VersionKey::Rpm(a), VersionKey::Rpm(b)) => Some(a.cmp(b)),
            (VersionKey::Dotted(a), VersionKey::Dotted(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Compares two version strings in a scheme (both must parse).
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Result<Ordering, String> {
    let a = scheme.parse(a)?;
    let b = scheme.parse(b)?;
    a.compare(&b)
        .ok_or_else(|| "versions of different schemes".to_string())
}

#[cfg(test)]
mod fixtures;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_like_orders_reject_what_does_not_start_like_a_version() {
        for scheme in [Scheme::Semver, Scheme::Pub, Scheme::NuGet] {
            for bad in ["", "v", "not-a-version", "latest", "*", "x1.0", "-1"] {
                assert!(scheme.parse(bad).is_err(), "{scheme:?} {bad:?}");
            }
            assert!(scheme.parse("1.0.0-rc.1").is_ok(), "{scheme:?}");
        }
        assert!(Scheme::Semver.parse("v1.2.3").is_ok());
        assert!(Scheme::Pub.parse("v1.2.3+4").is_ok());
        assert!(Scheme::NuGet.parse(" 1.0 ").is_ok());
        assert!(
            Scheme::NuGet.parse("v1.0").is_err(),
            "NuGet has no v prefix"
        );
        assert!(
            Scheme::Semver.parse("V1.0").is_err(),
            "the lenient parser strips only v"
        );
        let err = Scheme::Semver.parse("not-a-version").unwrap_err();
        assert_eq!(
            err,
            "\"not-a-version\" is not a version (a SemVer-like version starts with a digit, after an optional \"v\")"
        );
    }
}
