//! Checks each scheme against the version-ordering pairs of the shared fixtures
//! (`semantic/*.txt`, lines `A <op> B`) when they are present beside the repository.

use std::cmp::Ordering;
use std::path::PathBuf;

use super::{Scheme, compare};

fn semantic_dir() -> Option<PathBuf> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/osv/semantic");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: {} is absent", dir.display());
        None
    }
}

fn parse_op(op: &str) -> Option<Ordering> {
    match op {
        "<" => Some(Ordering::Less),
        "=" => Some(Ordering::Equal),
        ">" => Some(Ordering::Greater),
        _ => None,
    }
}

/// Compares every pair of a fixture file in both directions; returns (checked, rejected).
/// A pair the scheme cannot parse counts as rejected only when `allow_rejects`.
fn check_file(scheme: Scheme, name: &str, allow_rejects: bool) -> (usize, usize) {
    check_file_except(scheme, name, allow_rejects, &[])
}

/// Like [`check_file`], but the `expected_differences` lines must give the other answer:
/// they are where the fixture's author departed from the ecosystem's own tool.
fn check_file_except(
    scheme: Scheme,
    name: &str,
    allow_rejects: bool,
    expected_differences: &[&str],
) -> (usize, usize) {
    let Some(dir) = semantic_dir() else {
        return (0, 0);
    };
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let (mut checked, mut rejected) = (0, 0);
    let mut mismatches = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with("# ") || line.starts_with("// ") {
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts.len(), 3, "{name}: {line}");
        let expected = parse_op(parts[1]).unwrap();
        match (
            compare(scheme, parts[0], parts[2]),
            compare(scheme, parts[2], parts[0]),
        ) {
            (Ok(forward), Ok(_)) if expected_differences.contains(&line) => {
                assert_ne!(forward, expected, "{name}: {line} now agrees");
                println!("{name}: {line}: the ecosystem's tool says {forward:?}");
            }
            (Ok(forward), Ok(backward)) => {
                if forward != expected || backward != expected.reverse() {
                    mismatches.push(line.to_string());
                }
                checked += 1;
            }
            (Err(e), _) | (_, Err(e)) => {
                assert!(allow_rejects, "{name}: {line}: {e}");
                rejected += 1;
            }
        }
    }
    assert!(mismatches.is_empty(), "{name}: {mismatches:#?}");
    assert!(checked > 0, "{name} had no pairs");
    (checked, rejected)
}

#[test]
fn semver_matches_fixtures() {
    check_file(Scheme::Semver, "semver-versions.txt", false);
}

#[test]
fn debian_matches_fixtures() {
    check_file(Scheme::Debian, "debian-versions.txt", false);
    check_file(Scheme::Debian, "debian-versions-generated.txt", false);
}

#[test]
fn pypi_matches_fixtures_where_pep440_applies() {
    let (checked, rejected) = check_file(Scheme::Pypi, "pypi-versions.txt", true);
    println!("pypi-versions.txt: {checked} checked, {rejected} non-PEP 440 pairs rejected");
    let (checked, rejected) = check_file(Scheme::Pypi, "pypi-versions-generated.txt", true);
    println!("pypi-versions-generated.txt: {checked} checked, {rejected} rejected");
    assert!(rejected < 100);
}

#[test]
fn rubygems_matches_fixtures() {
    check_file(Scheme::RubyGems, "rubygems-versions.txt", false);
    check_file(Scheme::RubyGems, "rubygems-versions-generated.txt", false);
}

#[test]
fn nuget_matches_fixtures() {
    check_file(Scheme::NuGet, "nuget-versions.txt", false);
}

#[test]
fn packagist_matches_fixtures() {
    check_file(Scheme::Packagist, "packagist-versions-generated.txt", false);
    // PHP 8.2's version_compare gives the other answer on these hand-written lines.
    check_file_except(
        Scheme::Packagist,
        "packagist-versions.txt",
        false,
        PHP_DIFFERENCES,
    );
}

#[test]
fn maven_matches_fixtures() {
    check_file_except(
        Scheme::Maven,
        "maven-versions.txt",
        false,
        MAVEN_DIFFERENCES,
    );
    check_file_except(
        Scheme::Maven,
        "maven-versions-generated.txt",
        false,
        MAVEN_DIFFERENCES,
    );
}

#[test]
fn rpm_matches_fixtures() {
    check_file(Scheme::Rpm, "redhat-versions.txt", false);
}

#[test]
fn alpine_matches_fixtures() {
    check_file(Scheme::Alpine, "alpine-versions-generated.txt", false);
    check_file(Scheme::Alpine, "alpine-versions.txt", false);
}

#[test]
fn pub_matches_fixtures() {
    check_file(Scheme::Pub, "pub-versions.txt", false);
}

#[test]
fn hackage_matches_fixtures() {
    check_file(Scheme::Hackage, "hackage-versions.txt", false);
}

#[test]
fn cran_matches_fixtures() {
    check_file(Scheme::R, "cran-versions.txt", false);
    check_file(Scheme::R, "cran-versions-generated.txt", false);
}

/// Lines of `packagist-versions.txt` where PHP's `version_compare` disagrees with the file:
/// it drops a `#` part after a dot, and reads numbers no further than 2^63 - 1.
const PHP_DIFFERENCES: &[&str] = &[
    "1.2.3.# = 1.2.3",
    "1.2.3.# = 1.2.3.1",
    "999999999999999999999999999991 < 999999999999999999999999999999",
    "999999999999999999999999999991.999999999999999999999999999991.999999999999999999999999999991 < 999999999999999999999999999999.999999999999999999999999999991.999999999999999999999999999991",
];

/// Lines of the Maven fixtures that Maven 3.8.7's `ComparableVersion` answers the other way:
/// the generated file was made with maven-artifact 3.8.6, before Maven read a qualifier after
/// a dot like one after a hyphen (`1.0.RC1` = `1.0-RC1`); the hand-written `1-1 = 1-ga-1`
/// was never Maven's answer.
const MAVEN_DIFFERENCES: &[&str] = &[
    "1-1 = 1-ga-1",
    "1.0.0-RC16 < 1.0.0.RC8-beta",
    "1.0.0-gradle-rework-beta3 < 1.0.0.RC7-3",
    "2.9.0-1 < 2.9.0.RC1",
    "6.1.12.rc5 < 6.1.12rc1",
    "1.1.31.sec10 < 1.1.31_noneautotype",
    "1.1.34.sec10 < 1.1.34_noneautotype",
    "1.1.46.sec10 < 1.1.46_noneautotype",
    "1.2.8.sec10_noneautotype < 1.2.8_noneautotype",
    "1.2.31.sec10 < 1.2.31_noneautotype",
    "1.2.48.sec10 < 1.2.48_noneautotype",
    "1.2.50.sec10 < 1.2.50_noneautotype",
    "1.2.54.sec10 < 1.2.54_noneautotype",
    "1.2.57.sec10 < 1.2.57_noneautotype",
    "1.2.60.sec10 < 1.2.60_noneautotype",
    "1.2.67.sec10 < 1.2.67_noneautotype",
    "1.0.0rc0 < 1.0.beta8",
    "1.5.9.RC1 < 1.5.9-RC0",
    "1.1.0-01-glassfish < 1.1.0.Beta1",
];
