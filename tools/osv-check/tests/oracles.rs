//! Version orders checked against the ecosystems' own tools: `dpkg --compare-versions`,
//! Python `packaging.version`, npm's `semver` (live when installed, and always through the
//! committed pairs it produced) and Rust's `semver` crate. A missing tool skips its live
//! check with a printed reason.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::cmp::Ordering;
use std::process::Command;

use osv_check::version::{Scheme, compare};

const DEBIAN_VERSIONS: &[&str] = &[
    "0",
    "1.0",
    "1.0-1",
    "1.0-1~deb12u1",
    "1.0-1+deb12u1",
    "1.0~rc1",
    "1.0~rc1-1",
    "1.0~~",
    "1.0a",
    "1.0+dfsg",
    "1.0.1",
    "1:0.9",
    "2:0",
    "1.2.3-1ubuntu1",
    "1.2.3-1ubuntu0.1",
    "1.2.3-10",
    "1.2.3-9",
    "8.03.3-03+deb11u1",
    "8.03.3-3+deb11u1",
    "2.7.4+reloaded2-13",
    "2.7.4+reloaded2-13+deb9u1",
    "3.0.11-1~deb12u2",
    "3.0.13-1~deb12u1",
    "1.0-a",
    "1.0-A",
    "1.0.",
    "1.0-0",
    "0:1.0",
];

const PYPI_VERSIONS: &[&str] = &[
    "0",
    "1.0",
    "1.0.0",
    "1.0.post1",
    "1.0-1",
    "1.0.dev1",
    "1.0a1",
    "1.0a1.dev2",
    "1.0b2",
    "1.0rc1",
    "1.0RC2",
    "1.0+local.1",
    "1.0+local.2",
    "1.0+abc",
    "1!0.1",
    "2.0",
    "2.0.0.0.1",
    "1.1",
    "1.10",
    "1.9",
    "v1.2",
    "1.2.post0.dev1",
    "1.0c1",
    "1.0pre3",
    "1.0-r4",
    "1.0.0-alpha",
    "2.32.2",
    "2.31.0",
];

/// The versions `tests/data/npm-semver-pairs.txt` compares.
const NPM_VERSIONS: &[&str] = &[
    "0.0.0",
    "0.0.1",
    "0.1.0",
    "0.9.9",
    "0.10.0",
    "1.0.0-0",
    "1.0.0-1",
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.1.0",
    "1.2.3-4",
    "1.2.3-5",
    "1.2.3-5-foo",
    "1.2.3-a.5",
    "1.2.3-a.10",
    "1.2.3-a.b",
    "1.2.3-r100",
    "1.2.3-r2",
    "1.2.3-R2",
    "1.2.3",
    "1.2.3+build.7",
    "2.0.0",
    "2.0.0-rc.1+exp.sha.5114f85",
    "10.0.0",
    "1.999999.0",
    "3.0.0-alpha.-1",
    "3.0.0-alpha.0",
    "3.0.0-x-y-z.--",
    "7.5.2",
    "7.5.10",
    "12.0.0-0",
];

fn pairs(versions: &[&'static str]) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    for (i, a) in versions.iter().enumerate() {
        for b in &versions[i + 1..] {
            out.push((*a, *b));
        }
    }
    out
}

fn op(order: Ordering) -> &'static str {
    match order {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

#[test]
fn debian_agrees_with_dpkg() {
    if Command::new("dpkg").arg("--version").output().is_err() {
        println!("skipped: dpkg is not installed");
        return;
    }
    let mut checked = 0;
    for (a, b) in pairs(DEBIAN_VERSIONS) {
        let ours = compare(Scheme::Debian, a, b).unwrap();
        let lt = Command::new("dpkg")
            .args(["--compare-versions", a, "lt", b])
            .status()
            .unwrap()
            .success();
        let eq = Command::new("dpkg")
            .args(["--compare-versions", a, "eq", b])
            .status()
            .unwrap()
            .success();
        let theirs = if lt {
            Ordering::Less
        } else if eq {
            Ordering::Equal
        } else {
            Ordering::Greater
        };
        assert_eq!(ours, theirs, "{a} vs {b}");
        checked += 1;
    }
    println!("dpkg agreed on {checked} pairs");
}

const PACKAGING_SCRIPT: &str = r#"
import sys
from packaging.version import Version, InvalidVersion
for line in sys.stdin:
    a, b = line.split()
    try:
        x, y = Version(a), Version(b)
    except InvalidVersion:
        print("invalid")
        continue
    print("<" if x < y else ">" if x > y else "=")
"#;

#[test]
fn pypi_agrees_with_python_packaging() {
    let probe = Command::new("python3")
        .args(["-c", "import packaging.version"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        println!(
            "skipped: python3 with the packaging module is not installed (pip install packaging)"
        );
        return;
    }
    let all = pairs(PYPI_VERSIONS);
    let input: String = all.iter().map(|(a, b)| format!("{a} {b}\n")).collect();
    let mut child = Command::new("python3")
        .args(["-c", PACKAGING_SCRIPT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let answers: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(answers.len(), all.len());
    for ((a, b), theirs) in all.iter().zip(&answers) {
        match compare(Scheme::Pypi, a, b) {
            Ok(ours) => assert_eq!(op(ours), theirs, "{a} vs {b}"),
            Err(e) => assert_eq!(theirs, "invalid", "{a} vs {b}: {e}"),
        }
    }
    println!("packaging agreed on {} pairs", all.len());
}

#[test]
fn semver_agrees_with_committed_node_semver_pairs() {
    let text = include_str!("data/npm-semver-pairs.txt");
    let mut checked = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let parts: Vec<&str> = line.split(' ').collect();
        let ours = compare(Scheme::Semver, parts[0], parts[2]).unwrap();
        assert_eq!(op(ours), parts[1], "{line}");
        checked += 1;
    }
    assert_eq!(checked, pairs(NPM_VERSIONS).len());
}

const NODE_SCRIPT: &str = r#"
const semver = require('semver');
const lines = require('fs').readFileSync(0, 'utf8').trim().split('\n');
console.log(lines.map((l) => { const [a, b] = l.split(' '); const c = semver.compare(a, b);
  return c < 0 ? '<' : c > 0 ? '>' : '='; }).join('\n'));
"#;

#[test]
fn semver_agrees_with_node_semver_live() {
    let probe = Command::new("node")
        .args(["-e", "require('semver')"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        println!(
            "skipped: node cannot load the semver package (npm install semver; set NODE_PATH)"
        );
        return;
    }
    let all = pairs(NPM_VERSIONS);
    let input: String = all.iter().map(|(a, b)| format!("{a} {b}\n")).collect();
    let mut child = Command::new("node")
        .args(["-e", NODE_SCRIPT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let answers = String::from_utf8(output.stdout).unwrap();
    for ((a, b), theirs) in all.iter().zip(answers.lines()) {
        let ours = compare(Scheme::Semver, a, b).unwrap();
        println!("{a} {} {b}", op(ours));
        assert_eq!(op(ours), theirs, "{a} vs {b}");
    }
}

#[test]
fn semver_agrees_with_the_rust_semver_crate() {
    let strict: Vec<&str> = NPM_VERSIONS
        .iter()
        .copied()
        .filter(|v| semver::Version::parse(v).is_ok())
        .collect();
    assert!(strict.len() > 30);
    for (i, a) in strict.iter().enumerate() {
        for b in &strict[i + 1..] {
            let theirs = semver::Version::parse(a)
                .unwrap()
                .cmp_precedence(&semver::Version::parse(b).unwrap());
            assert_eq!(compare(Scheme::Semver, a, b).unwrap(), theirs, "{a} vs {b}");
        }
    }
}

/// The osv.dev-served records of the shared fixtures list every affected version next to
/// their ranges (osv.dev enumerates them from the registries with the ecosystems' own
/// orders): evaluating the ranges alone must find each listed version affected.
#[test]
fn fixture_version_lists_agree_with_range_evaluation() {
    use osv_check::matching::range_affects;
    use osv_check::osv::Vulnerability;
    use osv_check::package::Ecosystem;

    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/osv/db");
    if !dir.is_dir() {
        println!("skipped: {} is absent", dir.display());
        return;
    }
    let (mut checked, mut rejected, mut disagreements) = (0, 0, Vec::new());
    for ecosystem in ["Maven", "PyPI", "Go", "npm"] {
        let Ok(entries) = std::fs::read_dir(dir.join(ecosystem)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let vuln: Vulnerability =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            for affected in &vuln.affected {
                let Some(package) = &affected.package else {
                    continue;
                };
                let eco = Ecosystem(package.ecosystem.clone());
                let Some(scheme) = Scheme::for_ecosystem(&eco) else {
                    continue;
                };
                let ranges: Vec<_> = affected.ranges.iter().filter(|r| r.kind != "GIT").collect();
                if ranges.is_empty() {
                    continue;
                }
                for version in &affected.versions {
                    let results: Vec<Result<bool, String>> = ranges
                        .iter()
                        .map(|r| {
                            let s = if r.kind == "SEMVER" {
                                Scheme::Semver
                            } else {
                                scheme
                            };
                            range_affects(r, s, version)
                        })
                        .collect();
                    if results.iter().any(Result::is_err) {
                        rejected += 1;
                        continue;
                    }
                    checked += 1;
                    let line = format!("{} {} {version}", vuln.id, package.name);
                    if !results.iter().any(|r| r == &Ok(true))
                        && !DATA_QUIRKS.contains(&line.as_str())
                    {
                        disagreements.push(line);
                    }
                }
            }
        }
    }
    println!(
        "{checked} listed versions checked against their ranges, {rejected} not valid in their scheme"
    );
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

/// Listed versions that the record's own ranges exclude: PYSEC-2023-61 lists the 3.2 and
/// 4.2 pre-releases although its ranges start at `3.2` and `4.2`, which PEP 440 orders
/// after them (the `versions` list still reports them affected).
const DATA_QUIRKS: &[&str] = &[
    "PYSEC-2023-61 django 3.2a1",
    "PYSEC-2023-61 django 3.2b1",
    "PYSEC-2023-61 django 3.2rc1",
    "PYSEC-2023-61 django 4.2a1",
    "PYSEC-2023-61 django 4.2b1",
    "PYSEC-2023-61 django 4.2rc1",
];
