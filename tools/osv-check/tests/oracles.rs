//! Version orders checked against the ecosystems' own tools, when they are installed:
//! `dpkg --compare-versions`, Python `packaging.version`, npm's `semver`, Rust's `semver`
//! crate, Maven's `ComparableVersion` (run from the Maven library jar), RubyGems'
//! `Gem::Version`, PHP's `version_compare` (after Composer's removal of a leading `v`) and
//! `rpm`'s `rpm.vercmp`. Each tool compares hand-picked versions, the shared fixtures' pairs
//! and pairs generated from the tricky parts of its format. A missing tool skips its check
//! with a printed reason; the committed node-semver answers are always checked.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::cmp::Ordering;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn op(order: Ordering) -> &'static str {
    match order {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

/// True when `program args…` runs and succeeds; otherwise prints why the check skips.
fn available(program: &str, args: &[&str], hint: &str) -> bool {
    let ok = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        println!("skipped: {program} {} failed ({hint})", args.join(" "));
    }
    ok
}

/// Runs a program that reads `a<TAB>b` lines and prints `<`, `=`, `>` or `invalid` for each.
fn ask(program: &str, args: &[&str], pairs: &[(String, String)]) -> Vec<String> {
    let input: String = pairs.iter().map(|(a, b)| format!("{a}\t{b}\n")).collect();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "{program} failed");
    let answers: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    assert_eq!(answers.len(), pairs.len(), "{program}: one answer per pair");
    answers
}

/// Compares the scheme with the tool's answers. `invalid` pairs must be rejected by the
/// scheme too when `same_validity`; `known` lists the pairs where the tool is not an order
/// (it calls a version less than itself) and the scheme keeps one.
fn agree(
    scheme: Scheme,
    tool: &str,
    pairs: &[(String, String)],
    answers: &[String],
    same_validity: bool,
    known: &[(&str, &str)],
) {
    let (mut checked, mut invalid, mut differences) = (0, 0, Vec::new());
    for ((a, b), theirs) in pairs.iter().zip(answers) {
        let ours = compare(scheme, a, b);
        if theirs == "invalid" {
            invalid += 1;
            if same_validity && ours.is_ok() {
                differences.push(format!("{a:?} vs {b:?}: {tool} rejects, we accept"));
            }
            continue;
        }
        match ours {
            Ok(order) if op(order) == theirs => checked += 1,
            _ if known.contains(&(a.as_str(), b.as_str())) => {}
            other => differences.push(format!("{a:?} vs {b:?}: {tool} {theirs}, we {other:?}")),
        }
    }
    println!("{tool}: {checked} pairs agree, {invalid} rejected by it");
    assert!(differences.is_empty(), "{differences:#?}");
    assert!(checked > 0, "{tool}: nothing compared");
}

/// The shared fixtures' pairs of one file (`A <op> B` lines), or none when absent.
fn fixture_pairs(file: &str) -> Vec<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/osv/semantic")
        .join(file);
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("no fixture pairs: {} is absent", path.display());
        return Vec::new();
    };
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("# ") && !l.starts_with("// "))
        .map(|l| {
            let parts: Vec<&str> = l.split(' ').collect();
            (parts[0].to_string(), parts[2].to_string())
        })
        .collect()
}

/// What generated versions of a format are made of: each is one of `first`, followed by up
/// to five of `parts`, each after one of `separators`.
struct Grammar {
    first: &'static [&'static str],
    parts: &'static [&'static str],
    separators: &'static [&'static str],
}

/// Versions built from a format's grammar: `count` pairs (deterministic for a seed).
fn generated(seed: u64, count: usize, grammar: &Grammar) -> Vec<(String, String)> {
    let Grammar {
        first,
        parts,
        separators,
    } = grammar;
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut version = || {
        let mut text = first[rng.usize(..first.len())].to_string();
        for _ in 0..rng.usize(..6) {
            text.push_str(separators[rng.usize(..separators.len())]);
            text.push_str(parts[rng.usize(..parts.len())]);
        }
        text
    };
    (0..count).map(|_| (version(), version())).collect()
}

/// The pairs to put to a tool: the shared fixtures' `files`, then 4,000 generated pairs
/// (see [`generated`]).
fn corpus(files: &[&str], seed: u64, grammar: &Grammar) -> Vec<(String, String)> {
    let mut all: Vec<_> = files.iter().flat_map(|f| fixture_pairs(f)).collect();
    all.extend(generated(seed, 4000, grammar));
    all
}

/// How generated Maven versions are made.
const MAVEN: Grammar = Grammar {
    first: &["1", "0", "1.0", "01", "a", "RC", "1-", ".1", "Final"],
    parts: &[
        "0",
        "1",
        "2",
        "00",
        "01",
        "10",
        "123456789012",
        "99999999999999999999",
        "a",
        "b",
        "m",
        "alpha",
        "beta",
        "milestone",
        "rc",
        "cr",
        "snapshot",
        "SNAPSHOT",
        "ga",
        "final",
        "release",
        "sp",
        "foo",
        "x",
        "z",
        "1a",
        "a1",
        "",
    ],
    separators: &[".", "-", ""],
};

/// How generated Rubygems versions are made.
const RUBYGEMS: Grammar = Grammar {
    first: &["0", "1", "1.0", "2.a", "01"],
    parts: &[
        "0",
        "1",
        "2",
        "00",
        "01",
        "10",
        "99999999999999999999",
        "a",
        "b",
        "pre",
        "rc",
        "alpha",
        "beta",
        "A",
        "Z",
        "1a",
        "a1",
        "a0",
    ],
    separators: &[".", "-", ""],
};

/// How generated Packagist versions are made.
const PACKAGIST: Grammar = Grammar {
    first: &["0", "1", "1.0", "v1", "V2", "10", "", "dev", "1a"],
    parts: &[
        "0",
        "1",
        "2",
        "01",
        "10",
        "9",
        "9223372036854775807",
        "99999999999999999999",
        "a",
        "b",
        "alpha",
        "beta",
        "RC",
        "rc",
        "dev",
        "pl",
        "p",
        "patch",
        "foo",
        "x",
        "1a",
        "b2",
    ],
    separators: &[".", "-", "_", "+", ""],
};

/// How generated Rpm versions are made.
const RPM: Grammar = Grammar {
    first: &["0", "1", "1:1", "0:1", "2:0", "1.0", "a"],
    parts: &[
        "0", "1", "2", "01", "10", "a", "b", "A", "z", "el8", "el8_8", "fc38", "git", "rc1", "~",
        "^", "~rc1", "^post", "",
    ],
    separators: &[".", "-", "_", "+", "~", "^", ""],
};

#[test]
fn debian_agrees_with_dpkg() {
    if !available("dpkg", &["--version"], "apt-get install dpkg") {
        return;
    }
    let mut all = owned(&pairs(DEBIAN_VERSIONS));
    all.extend(generated(
        1,
        300,
        &Grammar {
            first: &["0", "1", "1:1", "2:0", "10", "1.0", "0:0"],
            parts: &[
                "0",
                "1",
                "01",
                "10",
                "a",
                "A",
                "b",
                "z",
                "dfsg",
                "deb12u1",
                "~",
                "~~",
                "+",
                "rc1",
                "ubuntu0.1",
                "9",
            ],
            separators: &[".", "-", "+", "~", ""],
        },
    ));
    let answers: Vec<String> = all
        .iter()
        .map(|(a, b)| {
            let test = |relation: &str| {
                Command::new("dpkg")
                    .args(["--compare-versions", a, relation, b])
                    .stderr(Stdio::null())
                    .status()
                    .unwrap()
                    .code()
            };
            match (test("lt"), test("eq")) {
                (Some(0), _) => "<",
                (Some(1), Some(0)) => "=",
                (Some(1), Some(1)) => ">",
                _ => "invalid",
            }
            .to_string()
        })
        .collect();
    agree(Scheme::Debian, "dpkg", &all, &answers, true, &[]);
}

const PACKAGING_SCRIPT: &str = r#"
import sys
from packaging.version import Version, InvalidVersion
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    try:
        x, y = Version(a), Version(b)
    except InvalidVersion:
        print("invalid")
        continue
    print("<" if x < y else ">" if x > y else "=")
"#;

#[test]
fn pypi_agrees_with_python_packaging() {
    if !available(
        "python3",
        &["-c", "import packaging.version"],
        "pip install packaging",
    ) {
        return;
    }
    let mut all = owned(&pairs(PYPI_VERSIONS));
    all.extend(fixture_pairs("pypi-versions.txt"));
    all.extend(fixture_pairs("pypi-versions-generated.txt"));
    all.extend(generated(
        2,
        3000,
        &Grammar {
            first: &["0", "1", "1!1", "v1", "01", "1.0"],
            parts: &[
                "0", "1", "2", "10", "01", "a1", "b", "rc2", "c1", "alpha", "pre", "preview",
                "post1", "r", "rev2", "dev", "dev3", "+local", "+l.1", "-1",
            ],
            separators: &[".", "", "-", "_"],
        },
    ));
    let answers = ask("python3", &["-c", PACKAGING_SCRIPT], &all);
    agree(Scheme::Pypi, "packaging", &all, &answers, true, &[]);
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

/// Strict SemVer 2.0 versions built from its tricky parts (numeric and alphanumeric
/// pre-release identifiers, hyphens, build metadata).
fn semver_pairs(seed: u64, count: usize) -> Vec<(String, String)> {
    const CORE: &[&str] = &["0", "1", "2", "10", "11", "9007199254740991"];
    const IDS: &[&str] = &[
        "0", "1", "2", "10", "alpha", "beta", "rc", "x-y", "-", "--", "a1", "1a", "A", "Z", "z9",
    ];
    const BUILD: &[&str] = &["b", "1", "x-y", "001"];
    fn pick(rng: &mut fastrand::Rng, list: &[&str], n: usize) -> String {
        let items: Vec<&str> = (0..n).map(|_| list[rng.usize(..list.len())]).collect();
        items.join(".")
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut version = || {
        let mut text = pick(&mut rng, CORE, 3);
        if rng.u8(..10) < 6 {
            let n = 1 + rng.usize(..3);
            text = format!("{text}-{}", pick(&mut rng, IDS, n));
        }
        if rng.u8(..10) < 3 {
            let n = 1 + rng.usize(..2);
            text = format!("{text}+{}", pick(&mut rng, BUILD, n));
        }
        text
    };
    (0..count).map(|_| (version(), version())).collect()
}

const NODE_SCRIPT: &str = r#"
const semver = require('semver');
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter((l) => l);
console.log(lines.map((l) => {
  const [a, b] = l.split('\t');
  if (!semver.valid(a) || !semver.valid(b)) return 'invalid';
  const c = semver.compare(a, b);
  return c < 0 ? '<' : c > 0 ? '>' : '=';
}).join('\n'));
"#;

#[test]
fn semver_agrees_with_node_semver_live() {
    if !available(
        "node",
        &["-e", "require('semver')"],
        "npm install semver and set NODE_PATH",
    ) {
        return;
    }
    let listed = owned(&pairs(NPM_VERSIONS));
    let answers = ask("node", &["-e", NODE_SCRIPT], &listed);
    for ((a, b), theirs) in listed.iter().zip(&answers) {
        println!("{a} {theirs} {b}");
    }
    agree(Scheme::Semver, "node-semver", &listed, &answers, false, &[]);
    let generated = semver_pairs(7, 4000);
    let answers = ask("node", &["-e", NODE_SCRIPT], &generated);
    agree(
        Scheme::Semver,
        "node-semver",
        &generated,
        &answers,
        false,
        &[],
    );
}

#[test]
fn semver_agrees_with_the_rust_semver_crate() {
    let mut all = owned(&pairs(NPM_VERSIONS));
    all.extend(semver_pairs(8, 4000));
    let mut checked = 0;
    for (a, b) in &all {
        let (Ok(x), Ok(y)) = (semver::Version::parse(a), semver::Version::parse(b)) else {
            continue;
        };
        assert_eq!(
            compare(Scheme::Semver, a, b).unwrap(),
            x.cmp_precedence(&y),
            "{a} vs {b}"
        );
        checked += 1;
    }
    assert!(checked > 3000, "{checked}");
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
                            s.parse(version).and_then(|v| range_affects(r, s, &v))
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

/// Listed versions that the record's own ranges exclude. PYSEC-2023-61 lists the 3.2 and
/// 4.2 pre-releases although its ranges start at `3.2` and `4.2`, which PEP 440 orders after
/// them. GHSA-f4qf-m5gf-8jm8 lists `9.0.0.M1`…`M10` although its range starts at
/// `9.0.0-M11`: Maven before 3.8.7 put `9.0.0.M1` after `9.0.0-M11`, Maven since reads
/// `.M1` as `-M1`. The `versions` lists still report all of them affected.
const DATA_QUIRKS: &[&str] = &[
    "PYSEC-2023-61 django 3.2a1",
    "PYSEC-2023-61 django 3.2b1",
    "PYSEC-2023-61 django 3.2rc1",
    "PYSEC-2023-61 django 4.2a1",
    "PYSEC-2023-61 django 4.2b1",
    "PYSEC-2023-61 django 4.2rc1",
    "GHSA-f4qf-m5gf-8jm8 org.apache.tomcat:tomcat-coyote 9.0.0.M1",
    "GHSA-f4qf-m5gf-8jm8 org.apache.tomcat:tomcat-coyote 9.0.0.M10",
    "GHSA-f4qf-m5gf-8jm8 org.apache.tomcat:tomcat-coyote 9.0.0.M3",
    "GHSA-f4qf-m5gf-8jm8 org.apache.tomcat:tomcat-coyote 9.0.0.M4",
    "GHSA-f4qf-m5gf-8jm8 org.apache.tomcat:tomcat-coyote 9.0.0.M6",
    "GHSA-f4qf-m5gf-8jm8 org.apache.tomcat:tomcat-coyote 9.0.0.M8",
    "GHSA-f4qf-m5gf-8jm8 org.apache.tomcat:tomcat-coyote 9.0.0.M9",
];

/// Prints `<`, `=` or `>` for each pair with Maven's own `ComparableVersion`; its `main`
/// compares each argument with the next, so pairs are passed as a flat list.
fn ask_maven(jar: &Path, pairs: &[(String, String)]) -> Vec<String> {
    let mut answers = Vec::with_capacity(pairs.len());
    for chunk in pairs.chunks(2000) {
        let output = Command::new("java")
            .arg("-cp")
            .arg(jar)
            .arg("org.apache.maven.artifact.versioning.ComparableVersion")
            .args(chunk.iter().flat_map(|(a, b)| [a, b]))
            .output()
            .unwrap();
        assert!(output.status.success(), "ComparableVersion failed");
        let text = String::from_utf8(output.stdout).unwrap();
        let comparisons: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("   "))
            .map(|l| l.split_whitespace().nth(1).unwrap())
            .collect();
        assert_eq!(comparisons.len(), chunk.len() * 2 - 1);
        answers.extend(comparisons.iter().step_by(2).map(|o| match *o {
            "==" => "=".to_string(),
            other => other.to_string(),
        }));
    }
    answers
}

/// The Maven library jar Debian installs (package `libmaven3-core-java`).
fn maven_jar() -> Option<PathBuf> {
    let candidates = [
        "/usr/share/java/maven3-artifact.jar",
        "/usr/share/maven/lib/maven-artifact-3.x.jar",
    ];
    let jar = candidates.iter().map(PathBuf::from).find(|p| p.is_file());
    if jar.is_none() {
        println!("skipped: no maven-artifact jar (apt-get install libmaven3-core-java)");
    }
    jar
}

#[test]
fn maven_agrees_with_comparable_version() {
    let Some(jar) = maven_jar() else { return };
    if !available(
        "java",
        &["-version"],
        "apt-get install default-jre-headless",
    ) {
        return;
    }
    let all = corpus(
        &["maven-versions.txt", "maven-versions-generated.txt"],
        3,
        &MAVEN,
    );
    let answers = ask_maven(&jar, &all);
    agree(
        Scheme::Maven,
        "ComparableVersion",
        &all,
        &answers,
        false,
        &[],
    );
}

const RUBY_SCRIPT: &str = r#"
STDIN.each_line do |line|
  a, b = line.chomp.split("\t", 2)
  begin
    c = Gem::Version.new(a) <=> Gem::Version.new(b)
    puts(c < 0 ? "<" : c > 0 ? ">" : "=")
  rescue ArgumentError
    puts "invalid"
  end
end
"#;

#[test]
fn rubygems_agrees_with_gem_version() {
    if !available("ruby", &["-e", "Gem::Version"], "apt-get install ruby") {
        return;
    }
    let all = corpus(
        &["rubygems-versions.txt", "rubygems-versions-generated.txt"],
        4,
        &RUBYGEMS,
    );
    let answers = ask("ruby", &["-e", RUBY_SCRIPT], &all);
    agree(Scheme::RubyGems, "Gem::Version", &all, &answers, false, &[]);
}

const PHP_SCRIPT: &str = r#"
while (($line = fgets(STDIN)) !== false) {
    [$a, $b] = explode("\t", rtrim($line, "\n"), 2);
    $strip = fn ($v) => preg_replace('/^[vV](?=[0-9])/', '', $v);
    $c = version_compare($strip($a), $strip($b));
    echo $c < 0 ? "<" : ($c > 0 ? ">" : "="), "\n";
}
"#;

/// Pairs where PHP's `version_compare` is not an order: it calls a version whose last part
/// is left empty (here by a dropped `#`) less than itself.
const PHP_NOT_AN_ORDER: &[(&str, &str)] = &[("1.2.3.#", "1.2.3.#")];

#[test]
fn packagist_agrees_with_php_version_compare() {
    if !available(
        "php",
        &["-r", "version_compare('1', '2');"],
        "apt-get install php-cli",
    ) {
        return;
    }
    let all = corpus(
        &["packagist-versions.txt", "packagist-versions-generated.txt"],
        5,
        &PACKAGIST,
    );
    let answers = ask("php", &["-r", PHP_SCRIPT], &all);
    agree(
        Scheme::Packagist,
        "version_compare",
        &all,
        &answers,
        false,
        PHP_NOT_AN_ORDER,
    );
}

/// A Lua program for `rpm --eval` that compares every pair with `rpm.vercmp`.
fn rpm_program(pairs: &[(String, String)]) -> String {
    let quote = |s: &str| format!("[==[{s}]==]");
    let list: Vec<String> = pairs
        .iter()
        .map(|(a, b)| format!("{{{},{}}}", quote(a), quote(b)))
        .collect();
    format!(
        "for _, p in ipairs({{{}}}) do\n\
         local ok, r = pcall(rpm.vercmp, p[1], p[2])\n\
         io.write(not ok and 'invalid' or r < 0 and '<' or r > 0 and '>' or '=', '\\n')\n\
         end\n",
        list.join(",")
    )
}

#[test]
fn rpm_agrees_with_rpm_vercmp() {
    if !available(
        "rpm",
        &["--eval", "%{lua: rpm.vercmp('1', '2')}"],
        "apt-get install rpm",
    ) {
        return;
    }
    let all = corpus(&["redhat-versions.txt"], 6, &RPM);
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("compare.lua");
    std::fs::write(&program, rpm_program(&all)).unwrap();
    let output = Command::new("rpm")
        .arg("--eval")
        .arg(format!("%{{lua: dofile('{}')}}", program.display()))
        .output()
        .unwrap();
    let answers: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    assert_eq!(answers.len(), all.len());
    agree(Scheme::Rpm, "rpm.vercmp", &all, &answers, false, &[]);
}
