//! The corrupt and hostile images of the shared fixtures (`crafted/cases.json` says what
//! `qemu-img` 10 did with each): never a panic or a hang, a refusal wherever `qemu-img info`
//! refuses, and the same sizes wherever both answer.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

fn crafted_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/qcow2/crafted");
    if dir.join("cases.json").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} is absent (the shared fixtures are not on this machine)",
            dir.display()
        );
        None
    }
}

fn cases(dir: &Path) -> Vec<Value> {
    let text = std::fs::read(dir.join("cases.json")).unwrap();
    serde_json::from_slice::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Runs qcow-size on one crafted image and checks it against what qemu-img did.
fn check_case(dir: &Path, case: &Value, extra: &[&str]) {
    let file = case["file"].as_str().unwrap();
    let out = cargo_bin_cmd!("qcow-size")
        .args(extra)
        .arg(file)
        .current_dir(dir)
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    let code = out.status.code();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(code, Some(0 | 2)) || extra.contains(&"--check") && code == Some(1),
        "{file}: exit {code:?} (panic, signal or timeout): {stderr}"
    );
    let info = &case["qemu"]["info"];
    if info["rc"] != 0 {
        assert_eq!(
            code,
            Some(2),
            "{file}: qemu-img info refuses it, so must we"
        );
    }
    if code == Some(2) {
        assert_eq!(stderr.lines().count(), 1, "{file}: {stderr}");
        let prefix = format!("qcow-size: error: {file}: ");
        assert!(stderr.starts_with(&prefix), "{file}: {stderr}");
        return;
    }
    let record: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(record["virtual_size_bytes"], info["virtual-size"], "{file}");
    assert_eq!(
        record["dirty"].as_bool().unwrap_or(false),
        info["dirty-flag"],
        "{file}"
    );
    if !info["corrupt"].is_null() {
        assert_eq!(record["corrupt"], info["corrupt"], "{file}");
    }
    let check = &case["qemu"]["check"];
    let scanned = extra.is_empty();
    if scanned && matches!(check["rc"].as_i64(), Some(0 | 2 | 3)) {
        let json = &check["json"];
        let count = |v: &Value| Value::from(v.as_u64().unwrap_or(0));
        assert_eq!(
            record["allocated_clusters"],
            count(&json["allocated-clusters"]),
            "{file}"
        );
        assert_eq!(
            record["compressed_clusters"],
            count(&json["compressed-clusters"]),
            "{file}"
        );
        assert_eq!(
            record["image_end_offset_bytes"], json["image-end-offset"],
            "{file}"
        );
    }
}

#[test]
fn every_crafted_image_is_refused_or_measured_like_qemu_img() {
    let Some(dir) = crafted_dir() else {
        return;
    };
    let cases = cases(&dir);
    assert!(!cases.is_empty());
    for case in &cases {
        check_case(&dir, case, &[]);
        check_case(&dir, case, &["--no-scan"]);
        check_case(&dir, case, &["--check"]);
    }
}
