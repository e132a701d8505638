//! The `qcow-size` binary: operands, standard input, output formats and exit codes.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn records(stdout: &[u8]) -> Vec<Value> {
    serde_json::Deserializer::from_slice(stdout)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect()
}

/// The committed expectations, without what depends on the filesystem.
fn expected() -> Vec<Value> {
    let text = std::fs::read(data_dir().join("expected.jsonl")).unwrap();
    records(&text).into_iter().map(without_actual).collect()
}

/// A record without what depends on the filesystem: `actual_size_bytes`, and a raw file's
/// `allocated_bytes` (its holes).
fn without_actual(mut v: Value) -> Value {
    let raw = v["format"] == "raw";
    let object = v.as_object_mut().unwrap();
    object.remove("actual_size_bytes");
    if raw {
        object.remove("allocated_bytes");
    }
    v
}

const IMAGES: [&str; 5] = [
    "base.qcow2",
    "overlay.qcow2",
    "v2-512.qcow2",
    "extl2-zstd.qcow2",
    "raw.img",
];

#[test]
fn operands_give_one_record_each() {
    let out = cargo_bin_cmd!("qcow-size")
        .args(IMAGES)
        .current_dir(data_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let got: Vec<Value> = records(&out.stdout)
        .into_iter()
        .map(without_actual)
        .collect();
    assert_eq!(got, expected());
}

#[test]
fn paths_per_line_on_stdin() {
    let out = cargo_bin_cmd!("qcow-size")
        .current_dir(data_dir())
        .write_stdin(IMAGES.join("\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let got: Vec<Value> = records(&out.stdout)
        .into_iter()
        .map(without_actual)
        .collect();
    assert_eq!(got, expected());
}

#[test]
fn json_records_on_stdin_through_dash() {
    let input =
        "{\"type\":\"image\",\"path\":\"raw.img\"}\n{\"path\":\"base.qcow2\",\"other\":[1]}";
    let out = cargo_bin_cmd!("qcow-size")
        .args(["v2-512.qcow2", "-"])
        .current_dir(data_dir())
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let paths: Vec<Value> = records(&out.stdout)
        .iter()
        .map(|r| r["path"].clone())
        .collect();
    assert_eq!(
        paths,
        ["v2-512.qcow2", "raw.img", "base.qcow2"].map(Value::from)
    );
}

#[test]
fn malformed_stdin_records_are_located() {
    let out = cargo_bin_cmd!("qcow-size")
        .write_stdin("{\"path\":\"raw.img\"}\n{\"path\": 3}")
        .current_dir(data_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("qcow-size: error: <stdin>:2:"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn no_scan_leaves_allocation_null() {
    let out = cargo_bin_cmd!("qcow-size")
        .args(["--no-scan", "base.qcow2"])
        .current_dir(data_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r = &records(&out.stdout)[0];
    let full = &expected()[0];
    for field in [
        "allocated_clusters",
        "allocated_bytes",
        "compressed_clusters",
        "zero_clusters",
        "fragmented_clusters",
        "image_end_offset_bytes",
    ] {
        assert_eq!(r[field], Value::Null, "{field}");
    }
    for field in [
        "virtual_size_bytes",
        "file_size_bytes",
        "snapshots",
        "bitmaps",
    ] {
        assert_eq!(r[field], full[field], "{field}");
    }
}

#[test]
fn a_missing_image_fails_after_the_others() {
    let out = cargo_bin_cmd!("qcow-size")
        .args(["missing.qcow2", "raw.img"])
        .current_dir(data_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        records(&out.stdout).len(),
        1,
        "the readable image is still reported"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("qcow-size: error: missing.qcow2: cannot open: "),
        "{stderr}"
    );
}

#[test]
fn a_malformed_header_is_one_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(data_dir().join("base.qcow2")).unwrap();
    bytes[20..24].copy_from_slice(&30u32.to_be_bytes());
    let path = dir.path().join("bad.qcow2");
    std::fs::write(&path, bytes).unwrap();
    let out = cargo_bin_cmd!("qcow-size").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        format!(
            "qcow-size: error: {}: unsupported cluster size 2^30: expected 2^9 to 2^21\n",
            path.display()
        )
    );
}

#[test]
fn csv_table_and_markdown() {
    let run = |format: &str| {
        let out = cargo_bin_cmd!("qcow-size")
            .args(["--output", format, "base.qcow2", "raw.img"])
            .current_dir(data_dir())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    let csv = run("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "path,format,virtual,file,actual,allocated,image_end,backing_file"
    );
    assert!(
        lines[1].starts_with("base.qcow2,qcow2,16777216,77856,"),
        "{csv}"
    );
    assert!(lines[2].starts_with("raw.img,raw,65536,65536,"), "{csv}");
    let table = run("table");
    assert!(table.lines().nth(1).unwrap().contains("16 MiB"), "{table}");
    let md = run("markdown");
    assert!(md.starts_with("| path | format |"), "{md}");
    assert_eq!(md.lines().count(), 4);
}

#[test]
fn pretty_json_is_still_one_value_per_image() {
    let out = cargo_bin_cmd!("qcow-size")
        .args(["--pretty", "raw.img", "v2-512.qcow2"])
        .current_dir(data_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).lines().count() > 10);
    assert_eq!(records(&out.stdout).len(), 2);
}

#[test]
fn bad_usage_exits_2_and_help_has_examples() {
    let out = cargo_bin_cmd!("qcow-size").arg("--bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let help = cargo_bin_cmd!("qcow-size").arg("--help").output().unwrap();
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(
        text.contains("Examples:") && text.contains("Exit status:"),
        "{text}"
    );
    assert!(text.contains("| jq"), "{text}");
}

/// A copy of a committed image in `dir` under `name`, with `pokes` applied.
fn poked(dir: &Path, from: &str, name: &str, pokes: &[(usize, &[u8])]) -> PathBuf {
    let mut bytes = std::fs::read(data_dir().join(from)).unwrap();
    for (offset, data) in pokes {
        bytes[*offset..offset + data.len()].copy_from_slice(data);
    }
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn check_is_clean_on_a_good_image_and_exits_1_on_corruption() {
    let out = cargo_bin_cmd!("qcow-size")
        .args(["--check", "base.qcow2", "v2-512.qcow2"])
        .current_dir(data_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    for r in records(&out.stdout) {
        assert_eq!(r["check_verdict"], "clean");
        assert_eq!(
            (r["corruptions"].as_u64(), r["leaks"].as_u64()),
            (Some(0), Some(0))
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let header = std::fs::read(data_dir().join("base.qcow2")).unwrap();
    let l1 = u64::from_be_bytes(header[40..48].try_into().unwrap()) as usize;
    let mut entry = [0u8; 8];
    entry.copy_from_slice(&header[l1..l1 + 8]);
    entry[7] |= 0x02;
    let bad = poked(dir.path(), "base.qcow2", "bad.qcow2", &[(l1, &entry)]);
    let out = cargo_bin_cmd!("qcow-size")
        .arg("--check")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r = &records(&out.stdout)[0];
    assert_eq!(r["check_verdict"], "corruptions");
    assert_eq!(r["corruptions"], 1);
    assert_eq!(r["allocated_bytes"], expected()[0]["allocated_bytes"]);
}

#[test]
fn backing_chain_reports_every_layer_and_the_flattened_data() {
    let out = cargo_bin_cmd!("qcow-size")
        .args(["--backing-chain", "--measure", "overlay.qcow2"])
        .current_dir(data_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let layers = records(&out.stdout);
    assert_eq!(layers.len(), 2);
    assert_eq!(
        (layers[0]["depth"].as_u64(), layers[1]["depth"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(layers[1]["path"], "base.qcow2");
    assert_eq!(layers[0]["chain_allocated_bytes"], 45056);
    assert_eq!(layers[0]["required_bytes"], 458_752);
    assert_eq!(layers[0]["fully_allocated_bytes"], 17_104_896);
    assert!(layers[1].get("chain_allocated_bytes").is_none());
}

#[test]
fn backing_loops_and_missing_backing_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    // overlay.qcow2 names "base.qcow2": saved under that name, it is its own backing file.
    poked(dir.path(), "overlay.qcow2", "base.qcow2", &[]);
    let header = std::fs::read(data_dir().join("overlay.qcow2")).unwrap();
    let name_at = u64::from_be_bytes(header[8..16].try_into().unwrap()) as usize;
    poked(
        dir.path(),
        "overlay.qcow2",
        "aaaa.qcow2",
        &[(name_at, b"bbbb.qcow2")],
    );
    poked(
        dir.path(),
        "overlay.qcow2",
        "bbbb.qcow2",
        &[(name_at, b"aaaa.qcow2")],
    );
    poked(
        dir.path(),
        "overlay.qcow2",
        "lost.qcow2",
        &[(name_at, b"none.qcow2")],
    );
    for (image, expected) in [
        ("base.qcow2", "backing chain loops: base.qcow2"),
        ("aaaa.qcow2", "backing chain loops: aaaa.qcow2"),
        (
            "lost.qcow2",
            "cannot open backing file none.qcow2 of lost.qcow2",
        ),
    ] {
        let out = cargo_bin_cmd!("qcow-size")
            .args(["--backing-chain", image])
            .current_dir(dir.path())
            .timeout(std::time::Duration::from_secs(10))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{image}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.starts_with(&format!("qcow-size: error: {image}: {expected}")),
            "{stderr}"
        );
        let plain = cargo_bin_cmd!("qcow-size")
            .arg(image)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(
            plain.status.code(),
            Some(0),
            "without the chain only the image is read"
        );
    }
}

#[test]
fn measure_needs_the_scan() {
    let out = cargo_bin_cmd!("qcow-size")
        .args(["--measure", "--no-scan", "base.qcow2"])
        .current_dir(data_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}

#[test]
fn unwalkable_tables_give_a_corrupt_verdict_and_no_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let header = std::fs::read(data_dir().join("base.qcow2")).unwrap();
    let l1 = u64::from_be_bytes(header[40..48].try_into().unwrap()) as usize;
    let far = (1u64 << 40 | 1 << 63).to_be_bytes();
    let bad = poked(dir.path(), "base.qcow2", "far.qcow2", &[(l1, &far)]);
    let out = cargo_bin_cmd!("qcow-size").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "without --check the walk fails");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("L2 table at offset 0x10000000000"),
        "{stderr}"
    );
    let out = cargo_bin_cmd!("qcow-size")
        .args(["--check", "--measure"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r = &records(&out.stdout)[0];
    assert_eq!(r["check_verdict"], "corruptions");
    assert_eq!(r["allocated_bytes"], Value::Null);
    assert!(r.get("required_bytes").is_none(), "{r}");
}
