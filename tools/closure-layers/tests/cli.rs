//! Runs the `closure-layers` binary on the graphs in tests/data.
//!
//! The graphs were built by Nix 2.8 from tests/data/closures.nix (raw derivations, no nixpkgs):
//! `*.graph.json` is the `graph` key of the `exportReferencesGraph` file, `*.path-info-2.8.json` is
//! `nix path-info --json --recursive` of the same closure, and the 2.19 and 2.33 files are that
//! output rewritten in the later shapes (object keyed by path; versioned wrapper with base names).
//! The `*.expected.json` layers are what nixpkgs' `auto-layer.py` (limit = max-layers - 1) and
//! `closure-graph.py` followed by the legacy `streamLayeredImage` split print for those graphs, and
//! the `*.pipeline-*.expected.json` layers what `flatten_references_graph` (python-igraph 1.0)
//! prints for the pipeline named in the test.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap()
}

fn json(text: &[u8]) -> Value {
    serde_json::from_slice(text).unwrap()
}

fn records(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The graphs of three images: two versions of the webapp and the worker.
const IMAGES: [&str; 3] = [
    "webapp-1.0.graph.json",
    "webapp-1.1.graph.json",
    "worker.graph.json",
];

/// The paths of files in tests/data, as operands.
fn data_paths(names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|f| data(f).to_str().unwrap().to_string())
        .collect()
}

/// Runs the tool on `stdin` and returns stdout and stderr, asserting exit 0.
fn run_ok_with(args: &[&str], stdin: &str) -> (Vec<u8>, String) {
    let out = cargo_bin_cmd!("closure-layers")
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    (out.stdout, stderr)
}

/// Runs the tool and returns stdout, asserting exit 0.
fn run_ok(args: &[&str]) -> Vec<u8> {
    run_ok_with(args, "").0
}

/// Runs the tool expecting exit 2 and returns the error line.
fn run_err(args: &[&str], stdin: &str) -> String {
    let out = cargo_bin_cmd!("closure-layers")
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty(), "no data on error");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(err.lines().count(), 1, "one error line: {err}");
    err
}

#[test]
fn auto_layers_equal_nixpkgs() {
    for (file, max_layers, expected) in [
        (
            "webapp-1.0.graph.json",
            "100",
            "webapp-1.0.auto-99.expected.json",
        ),
        (
            "webapp-1.0.graph.json",
            "4",
            "webapp-1.0.auto-3.expected.json",
        ),
        ("worker.graph.json", "5", "worker.auto-4.expected.json"),
    ] {
        let out = run_ok(&[
            "--max-layers",
            max_layers,
            "--output",
            "nix",
            data(file).to_str().unwrap(),
        ]);
        assert_eq!(
            json(&out),
            json(read(expected).as_bytes()),
            "{file} --max-layers {max_layers}"
        );
    }
}

#[test]
fn popularity_layers_equal_nixpkgs() {
    for (max_layers, expected) in [
        ("100", "webapp-1.0.popularity-99.expected.json"),
        ("4", "webapp-1.0.popularity-3.expected.json"),
    ] {
        let file = data("webapp-1.0.graph.json");
        let out = run_ok(&[
            "-a",
            "popularity",
            "--max-layers",
            max_layers,
            "-o",
            "nix",
            file.to_str().unwrap(),
        ]);
        assert_eq!(
            json(&out),
            json(read(expected).as_bytes()),
            "--max-layers {max_layers}"
        );
    }
}

#[test]
fn every_input_shape_gives_the_same_layers() {
    let expected = json(read("webapp-1.0.auto-3.expected.json").as_bytes());
    for file in [
        "webapp-1.0.path-info-2.8.json",
        "webapp-1.0.path-info-2.19.json",
        "webapp-1.0.path-info-2.33.json",
    ] {
        let out = run_ok(&[
            "--max-layers",
            "4",
            "-o",
            "nix",
            data(file).to_str().unwrap(),
        ]);
        assert_eq!(json(&out), expected, "{file}");
    }
}

#[test]
fn reads_standard_input_with_and_without_dash() {
    let expected = json(read("webapp-1.0.auto-99.expected.json").as_bytes());
    for args in [&["-o", "nix"][..], &["-o", "nix", "-"]] {
        let (out, _) = run_ok_with(args, &read("webapp-1.0.graph.json"));
        assert_eq!(json(&out), expected);
    }
}

#[test]
fn layer_records_and_summary() {
    let out = run_ok(&[
        "--max-layers",
        "4",
        data("webapp-1.0.graph.json").to_str().unwrap(),
    ]);
    let recs = records(&out);
    let (layers, summary) = recs.split_at(recs.len() - 1);
    assert_eq!(layers.len(), 3);
    let graph = json(read("webapp-1.0.graph.json").as_bytes());
    let total: u64 = graph["graph"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["narSize"].as_u64().unwrap())
        .sum();
    for (i, layer) in layers.iter().enumerate() {
        assert_eq!(layer["type"], "layer");
        assert_eq!(layer["index"], i);
        assert_eq!(
            layer["path_count"],
            layer["paths"].as_array().unwrap().len()
        );
        assert!(layer["closure_size_bytes"].as_u64() >= layer["nar_size_bytes"].as_u64());
    }
    assert_eq!(
        layers[2]["closure_size_bytes"], total,
        "the last layer's closure is the whole image"
    );
    let summary = &summary[0];
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["algorithm"], "auto");
    assert_eq!(summary["layer_count"], 3);
    assert_eq!(summary["path_count"], 11);
    assert_eq!(summary["nar_size_bytes"], total);
    assert_eq!(summary["available_layers"], 3);
}

#[test]
fn root_and_exclude_select_paths() {
    let file = data("webapp-1.0.graph.json");
    let graph = json(read("webapp-1.0.graph.json").as_bytes());
    let path_of = |name: &str| {
        graph["graph"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["path"].as_str().unwrap().to_string())
            .find(|p| p.ends_with(name))
            .unwrap()
    };
    let python = path_of("-python3-3.12");
    let out = run_ok(&["--root", &python, "-o", "nix", file.to_str().unwrap()]);
    let paths: Vec<Value> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l.as_array().unwrap().clone())
        .collect();
    assert_eq!(paths.len(), 5, "python, openssl, zlib, ncurses, libc");
    let entry = path_of("-entrypoint");
    let out = run_ok(&["--exclude", &entry, "-o", "nix", file.to_str().unwrap()]);
    let all: Vec<Value> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l.as_array().unwrap().clone())
        .collect();
    assert_eq!(all.len(), 10);
    assert!(!all.contains(&Value::String(entry)));
}

#[test]
fn from_image_layers_use_up_the_budget() {
    let file = data("webapp-1.0.graph.json");
    let with_base = run_ok(&[
        "--max-layers",
        "14",
        "--from-image-layers",
        "10",
        "-o",
        "nix",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        json(&with_base),
        json(read("webapp-1.0.auto-3.expected.json").as_bytes())
    );
    let err = run_err(
        &[
            "--max-layers",
            "11",
            "--from-image-layers",
            "10",
            file.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        err.starts_with("closure-layers: error: --max-layers 11 leaves no layer for store paths"),
        "{err}"
    );
}

#[test]
fn pipeline_from_text_and_file() {
    let file = data("webapp-1.0.graph.json");
    let pipeline = r#"[["popularity_contest"], ["limit_layers", 3]]"#;
    let from_text = run_ok(&["--pipeline", pipeline, "-o", "nix", file.to_str().unwrap()]);
    let dir = tempfile::tempdir().unwrap();
    let pipeline_file = dir.path().join("pipeline.json");
    std::fs::write(&pipeline_file, pipeline).unwrap();
    let from_file = run_ok(&[
        "--pipeline",
        pipeline_file.to_str().unwrap(),
        "-o",
        "nix",
        file.to_str().unwrap(),
    ]);
    assert_eq!(json(&from_text), json(&from_file));
    // The interim nixpkgs default: the same singletons as the legacy popularity split.
    let legacy = json(read("webapp-1.0.popularity-3.expected.json").as_bytes());
    assert_eq!(json(&from_text)[0], legacy[0]);
    assert_eq!(json(&from_text)[1], legacy[1]);
}

#[test]
fn pipelines_equal_nixpkgs() {
    let file = data("webapp-1.0.graph.json");
    let split = data("split-python.pipeline.json");
    for (pipeline, expected) in [
        (
            r#"[["popularity_contest"],["limit_layers",3]]"#,
            "webapp-1.0.pipeline-popularity-3.expected.json",
        ),
        (
            split.to_str().unwrap(),
            "webapp-1.0.pipeline-split-python.expected.json",
        ),
    ] {
        let out = run_ok(&["--pipeline", pipeline, "-o", "nix", file.to_str().unwrap()]);
        assert_eq!(json(&out), json(read(expected).as_bytes()), "{pipeline}");
    }
}

#[test]
fn bad_pipeline_names_the_step() {
    let file = data("webapp-1.0.graph.json");
    let err = run_err(
        &[
            "--pipeline",
            r#"[["popularity_contest"], ["limit_layers", -1]]"#,
            file.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(
        err.trim_end(),
        "closure-layers: error: --pipeline: step 2 (limit_layers): expected a positive integer, found -1"
    );
}

#[test]
fn malformed_inputs_exit_2_with_a_location() {
    let err = run_err(
        &[],
        "{\"graph\": [{\"path\": \"/nix/store/a-a\", \"narSize\": \"big\"}]}",
    );
    assert_eq!(
        err.trim_end(),
        "closure-layers: error: <stdin>:1:54: invalid type: string \"big\", expected u64"
    );
    let err = run_err(
        &["-"],
        "[{\"path\": \"/nix/store/a-a\", \"narSize\": 1, \"references\": [\"/nix/store/b-b\"]}]",
    );
    assert_eq!(
        err.trim_end(),
        "closure-layers: error: <stdin>:1:58: /nix/store/a-a references /nix/store/b-b, which is not in the graph"
    );
    let cycle = r#"[{"path": "/nix/store/a-a", "narSize": 1, "references": ["/nix/store/b-b"]},
                    {"path": "/nix/store/b-b", "narSize": 1, "references": ["/nix/store/a-a"]}]"#;
    let err = run_err(&[], cycle);
    assert!(
        err.contains("reference cycle /nix/store/a-a -> /nix/store/b-b -> /nix/store/a-a"),
        "{err}"
    );
    let err = run_err(&[], "[]");
    assert!(err.contains("no store paths"), "{err}");
    let err = run_err(&["/nonexistent/graph.json"], "");
    assert!(
        err.starts_with("closure-layers: error: /nonexistent/graph.json: cannot open"),
        "{err}"
    );
    let err = run_err(&[], "{\"/nix/store/a-a\": null}");
    assert!(err.contains("not valid in the store"), "{err}");
}

#[test]
fn every_broken_graph_is_one_located_error() {
    let node = |path: &str, refs: &str| {
        format!(r#"{{"path": "/nix/store/{path}", "narSize": 1, "references": [{refs}]}}"#)
    };
    let cases = [
        (
            format!("[{},\n {}]", node("a-a", ""), node("a-a", "")),
            "<stdin>:2:3: /nix/store/a-a is listed twice".to_string(),
        ),
        (
            r#"[{"path": "/nix/store/a-a", "references": []}]"#.to_string(),
            r#"<stdin>:1:3: /nix/store/a-a: missing "narSize""#.to_string(),
        ),
        (
            r#"{"/nix/store/a-a": {"narSize": 1}}"#.to_string(),
            r#"<stdin>:1:2: /nix/store/a-a: missing "references""#.to_string(),
        ),
        (
            // Three paths that reference themselves and, in a ring, each other.
            format!(
                "[{},\n {},\n {}]",
                node("a-a", r#""/nix/store/a-a", "/nix/store/b-b""#),
                node("b-b", r#""/nix/store/b-b", "/nix/store/c-c""#),
                node("c-c", r#""/nix/store/c-c", "/nix/store/a-a""#)
            ),
            "<stdin>:1:3: reference cycle /nix/store/a-a -> /nix/store/b-b -> /nix/store/c-c -> \
             /nix/store/a-a: expected an acyclic closure"
                .to_string(),
        ),
        (
            format!("[{}]", node("plain", "")),
            r#"<stdin>:1:3: "/nix/store/plain": expected a store path such as /nix/store/<hash>-<name>"#
                .to_string(),
        ),
        (
            String::new(),
            "<stdin>: no store paths: expected a non-empty closure".to_string(),
        ),
        (
            r#"{"graph": []}"#.to_string(),
            "<stdin>: no store paths: expected a non-empty closure".to_string(),
        ),
    ];
    for (input, message) in cases {
        let err = run_err(&[], &input);
        assert_eq!(
            err.trim_end(),
            format!("closure-layers: error: {message}"),
            "{input}"
        );
    }
    let out = cargo_bin_cmd!("closure-layers")
        .write_stdin(b"[{\"path\": \"/nix/store/a-\xff\"}]".to_vec())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "closure-layers: error: <stdin>:1:25: expected UTF-8 text"
    );
}

#[test]
fn two_inputs_that_disagree_about_a_path_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    std::fs::write(
        &a,
        r#"[{"path": "/nix/store/h-x", "narSize": 1, "references": []}]"#,
    )
    .unwrap();
    std::fs::write(
        &b,
        r#"[{"path": "/nix/store/h-x", "narSize": 2, "references": []}]"#,
    )
    .unwrap();
    let err = run_err(&[a.to_str().unwrap(), b.to_str().unwrap()], "");
    assert_eq!(
        err.trim_end(),
        format!(
            "closure-layers: error: {}:1:3: /nix/store/h-x differs from its entry at {}:1:3",
            b.display(),
            a.display()
        )
    );
}

/// A chain of 20,000 paths, each referencing the next: deep enough to overflow any recursion.
#[test]
fn deep_chains_lay_out_without_recursion() {
    let n = 20_000;
    let path = |i: usize| format!("/nix/store/{i:032}-p");
    let nodes: Vec<String> = (0..n)
        .map(|i| {
            let refs = if i + 1 < n {
                format!("\"{}\"", path(i + 1))
            } else {
                String::new()
            };
            format!(
                r#"{{"path": "{}", "narSize": {}, "references": [{refs}]}}"#,
                path(i),
                i + 1
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chain.json");
    std::fs::write(&file, format!("[{}]", nodes.join(",\n"))).unwrap();
    for args in [
        &["-a", "auto"][..],
        &["-a", "popularity"],
        &[
            "--pipeline",
            r#"[["popularity_contest"], ["limit_layers", 99]]"#,
        ],
    ] {
        let out = run_ok(&[args, &["-o", "nix", file.to_str().unwrap()]].concat());
        let layers = json(&out);
        let layers = layers.as_array().unwrap();
        assert!(layers.len() <= 99, "{args:?}");
        let placed: usize = layers.iter().map(|l| l.as_array().unwrap().len()).sum();
        assert_eq!(placed, n, "{args:?}: every path in one layer");
    }
    // The popularity of a chain grows towards its end, which comes first.
    let out = run_ok(&["-a", "popularity", "-o", "nix", file.to_str().unwrap()]);
    assert_eq!(json(&out)[0][0], path(n - 1));
}

#[test]
fn a_pipeline_ignores_the_layer_budget_as_nixpkgs_does() {
    let file = data("webapp-1.0.graph.json");
    let out = run_ok(&[
        "--pipeline",
        r#"[["popularity_contest"]]"#,
        "--max-layers",
        "1",
        "--from-image-layers",
        "5",
        file.to_str().unwrap(),
    ]);
    let recs = records(&out);
    let summary = recs.last().unwrap();
    assert_eq!(summary["layer_count"], 11, "one layer per path");
    for ignored in ["max_layers", "from_image_layers", "available_layers"] {
        assert_eq!(
            summary[ignored],
            Value::Null,
            "a pipeline ignores {ignored}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let out = cargo_bin_cmd!("closure-layers")
        .args(["--algorithm", "random"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = cargo_bin_cmd!("closure-layers")
        .args(["share", "only-one.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn table_formats_render() {
    let file = data("worker.graph.json");
    let table = String::from_utf8(run_ok(&["-o", "table", file.to_str().unwrap()])).unwrap();
    assert!(table.starts_with("index  paths"), "{table}");
    assert_eq!(table.lines().count(), 9);
    let csv = String::from_utf8(run_ok(&["-o", "csv", file.to_str().unwrap()])).unwrap();
    assert!(csv.starts_with("index,paths,nar_size_bytes,closure_size_bytes,first_path\n"));
    let md = String::from_utf8(run_ok(&["-o", "markdown", file.to_str().unwrap()])).unwrap();
    assert!(md.starts_with("| index | paths |"));
}

#[test]
fn diff_reports_what_a_new_version_uploads() {
    let (old, new) = (data("webapp-1.0.graph.json"), data("webapp-1.1.graph.json"));
    let out = run_ok(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    let recs = records(&out);
    assert_eq!(recs.len(), 2);
    let auto = &recs[0];
    assert_eq!(auto["type"], "diff");
    assert_eq!(auto["algorithm"], "auto");
    // Only webapp and the entrypoint changed; with one path per layer only their layers move.
    assert_eq!(auto["changed_layers"], 2);
    assert_eq!(auto["kept_layers"], 9);
    assert_eq!(auto["upload_bytes"], auto["store_delta_bytes"]);
    assert_eq!(recs[1]["algorithm"], "popularity");
    let few = records(&run_ok(&[
        "diff",
        "--max-layers",
        "4",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
    ]));
    assert!(
        few[0]["upload_bytes"].as_u64() > few[0]["store_delta_bytes"].as_u64(),
        "a catch-all layer re-uploads more"
    );
}

#[test]
fn share_reports_pairs_images_and_totals() {
    let files = data_paths(&IMAGES);
    let mut args = vec!["share"];
    args.extend(files.iter().map(String::as_str));
    let recs = records(&run_ok(&args));
    let kinds: Vec<&str> = recs.iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "share_pair",
            "share_pair",
            "share_pair",
            "share_image",
            "share_image",
            "share_image",
            "summary"
        ]
    );
    let summary = &recs[6];
    assert_eq!(summary["images"], 3);
    assert!(summary["distinct_layer_bytes"].as_u64() < summary["total_layer_bytes"].as_u64());
    assert!(summary["distinct_store_bytes"].as_u64() <= summary["distinct_layer_bytes"].as_u64());
    assert_eq!(
        summary["layers_in_all"], 6,
        "libc, zlib, ncurses, bash, openssl, python"
    );
}

/// Builds the webapp closure with Nix and checks `nix path-info` and `exportReferencesGraph`
/// output end to end.
#[test]
fn real_nix_output_equals_the_fixture_layers() {
    let tests = data("closures.nix");
    let build = Command::new("nix-build")
        .args([
            tests.to_str().unwrap(),
            "-A",
            "roots.webapp-1_0",
            "--no-out-link",
        ])
        .output();
    let Ok(build) = build else {
        eprintln!("skipped: nix-build is not installed (Debian package nix-bin)");
        return;
    };
    if !build.status.success() {
        eprintln!(
            "skipped: nix-build cannot build here: {}",
            String::from_utf8_lossy(&build.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return;
    }
    let root = String::from_utf8(build.stdout).unwrap().trim().to_string();
    let info = Command::new("nix")
        .args([
            "--extra-experimental-features",
            "nix-command",
            "path-info",
            "--json",
            "--recursive",
            &root,
        ])
        .output()
        .unwrap();
    assert!(
        info.status.success(),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    let out = cargo_bin_cmd!("closure-layers")
        .args(["--max-layers", "4", "-o", "nix"])
        .write_stdin(info.stdout)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        json(&out.stdout),
        json(read("webapp-1.0.auto-3.expected.json").as_bytes())
    );
    // The whole `.attrs.json` of an exportReferencesGraph build, other attributes included.
    let graph = Command::new("nix-build")
        .args([tests.to_str().unwrap(), "-A", "webapp-1_0", "--no-out-link"])
        .output()
        .unwrap();
    assert!(
        graph.status.success(),
        "{}",
        String::from_utf8_lossy(&graph.stderr)
    );
    let attrs = String::from_utf8(graph.stdout).unwrap().trim().to_string();
    let out = run_ok(&["-a", "popularity", "--max-layers", "4", "-o", "nix", &attrs]);
    assert_eq!(
        json(&out),
        json(read("webapp-1.0.popularity-3.expected.json").as_bytes())
    );
}

#[test]
fn help_has_examples_and_exit_status() {
    let out = run_ok(&["--help"]);
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("Examples:\n"));
    assert!(text.contains("$ nix path-info --json --recursive ./result | closure-layers"));
    assert!(text.contains("Exit status:\n  0 "));
}

#[test]
fn fleet_shares_common_layers_and_reports_the_saving() {
    let files = data_paths(&IMAGES);
    let mut args = vec!["--fleet", "--max-layers", "4"];
    args.extend(files.iter().map(String::as_str));
    let recs = records(&run_ok(&args));
    let counted: Vec<(String, usize)> = files
        .iter()
        .zip(IMAGES)
        .map(|(file, name)| {
            let graph = json(read(name).as_bytes());
            (file.clone(), graph["graph"].as_array().unwrap().len())
        })
        .collect();
    check_fleet(&counted, 3, &recs);
    let summary = recs.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["compared_with"], "auto");
    assert!(
        summary["fleet_pull_bytes"].as_u64() <= summary["per_image_pull_bytes"].as_u64(),
        "{summary}"
    );
    assert!(summary["fleet_pull_bytes"].as_u64() >= summary["distinct_store_bytes"].as_u64());
    let nix = json(&run_ok(
        &[
            &["--fleet", "-o", "nix"][..],
            &files.iter().map(String::as_str).collect::<Vec<_>>(),
        ]
        .concat(),
    ));
    assert_eq!(nix.as_object().unwrap().len(), 3);
    let err = run_err(&["--fleet", files[0].as_str()], "");
    assert!(
        err.contains("--fleet: expected two or more GRAPH files"),
        "{err}"
    );
}

/// A store path for node `i` of a generated graph.
fn generated_path(i: usize) -> String {
    format!("/nix/store/{i:0>32}-p{i}")
}

/// A small deterministic generator (a linear congruential one), so that a failure repeats.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// A random DAG (each node references some earlier ones), as `(size, references)` per node.
fn random_dag(rng: &mut Lcg) -> Vec<(u64, Vec<usize>)> {
    let n = 3 + rng.below(10);
    (0..n)
        .map(|i| {
            // Few distinct sizes, so that ties in size and closure size are common.
            let size = 1 + rng.below(8) as u64 * 125;
            let refs = (0..i).filter(|_| rng.below(3) == 0).collect();
            (size, refs)
        })
        .collect()
}

/// The closure of `roots` in a generated DAG, as an `exportReferencesGraph` file.
fn image_file(dag: &[(u64, Vec<usize>)], roots: &[usize]) -> String {
    let mut seen = vec![false; dag.len()];
    let mut stack = roots.to_vec();
    while let Some(i) = stack.pop() {
        if !std::mem::replace(&mut seen[i], true) {
            stack.extend(&dag[i].1);
        }
    }
    let nodes: Vec<Value> = (0..dag.len())
        .filter(|&i| seen[i])
        .map(|i| {
            let refs: Vec<String> = dag[i].1.iter().map(|&r| generated_path(r)).collect();
            serde_json::json!({"path": generated_path(i), "narSize": dag[i].0, "references": refs})
        })
        .collect();
    serde_json::json!({ "graph": nodes }).to_string()
}

/// Checks what a `--fleet` run promises: every image within its budget with each of its paths
/// placed once, `images_with_layer` and the pulled bytes recomputed from the layers themselves,
/// and a result never worse than each image laid out alone.
fn check_fleet(files: &[(String, usize)], available: usize, recs: &[Value]) {
    let (layers, summary) = recs.split_at(recs.len() - 1);
    let summary = &summary[0];
    let mut distinct: std::collections::HashMap<String, (u64, u64)> = Default::default();
    for layer in layers {
        let entry = distinct
            .entry(layer["paths"].to_string())
            .or_insert((layer["nar_size_bytes"].as_u64().unwrap(), 0));
        entry.1 += 1;
    }
    for layer in layers {
        let holders = distinct[&layer["paths"].to_string()].1;
        assert_eq!(layer["images_with_layer"], holders, "{layer}");
    }
    for (file, paths) in files {
        let image: Vec<&Value> = layers.iter().filter(|l| l["image"] == *file).collect();
        assert!(image.len() <= available, "{file}: {} layers", image.len());
        let placed: u64 = image
            .iter()
            .map(|l| l["path_count"].as_u64().unwrap())
            .sum();
        assert_eq!(placed as usize, *paths, "{file}: every path placed once");
    }
    let fleet = summary["fleet_pull_bytes"].as_u64().unwrap();
    assert_eq!(
        fleet,
        distinct.values().map(|v| v.0).sum::<u64>(),
        "{summary}"
    );
    let per_image = summary["per_image_pull_bytes"].as_u64().unwrap();
    let saved = summary["saved_bytes"].as_i64().unwrap();
    assert!(saved >= 0, "{summary}");
    assert_eq!(saved as u64, per_image - fleet, "{summary}");
    assert!(
        fleet <= summary["joint_pull_bytes"].as_u64().unwrap(),
        "{summary}"
    );
    assert!(
        fleet >= summary["distinct_store_bytes"].as_u64().unwrap(),
        "{summary}"
    );
    let alone = layers.iter().filter(|l| l["layering"] != "joint").count();
    let alone_images = files
        .iter()
        .filter(|(f, _)| {
            layers
                .iter()
                .any(|l| l["image"] == *f && l["layering"] != "joint")
        })
        .count();
    assert_eq!(summary["images_laid_out_alone"], alone_images, "{summary}");
    let chosen = match alone_images {
        0 => "joint",
        n if n == files.len() => "per_image",
        _ => "mixed",
    };
    assert_eq!(summary["chosen"], chosen, "{summary}: {alone} layers alone");
}

#[test]
fn a_fleet_never_pulls_more_than_each_image_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Lcg(7);
    let mut chosen: std::collections::BTreeMap<String, usize> = Default::default();
    let mut joint_worse = 0;
    for fleet in 0..30 {
        let dag = random_dag(&mut rng);
        let images = 2 + rng.below(3);
        let files: Vec<(String, usize)> = (0..images)
            .map(|i| {
                let roots: Vec<usize> = (0..1 + rng.below(3))
                    .map(|_| rng.below(dag.len()))
                    .collect();
                let text = image_file(&dag, &roots);
                let paths = json(text.as_bytes())["graph"].as_array().unwrap().len();
                let file = dir.path().join(format!("f{fleet}-{i}.json"));
                std::fs::write(&file, text).unwrap();
                (file.to_str().unwrap().to_string(), paths)
            })
            .collect();
        for max_layers in [3, 2, 4, 6, 100] {
            for algorithm in ["auto", "popularity"] {
                let budget = max_layers.to_string();
                let mut args = vec!["--fleet", "-a", algorithm, "--max-layers", &budget];
                args.extend(files.iter().map(|(f, _)| f.as_str()));
                let recs = records(&run_ok(&args));
                check_fleet(&files, max_layers - 1, &recs);
                let summary = recs.last().unwrap();
                *chosen
                    .entry(summary["chosen"].as_str().unwrap().to_string())
                    .or_default() += 1;
                if summary["joint_pull_bytes"].as_u64() > summary["per_image_pull_bytes"].as_u64() {
                    joint_worse += 1;
                }
            }
        }
    }
    assert!(
        joint_worse > 0,
        "some fleets where the joint layering alone is worse"
    );
    assert_eq!(chosen.len(), 3, "every kind of result: {chosen:?}");
    assert_eq!(chosen.values().sum::<usize>(), 300);
}

/// Two images share a large pair of paths and all three a small library: with two layers per
/// image, the joint layering splits the library off for the third image, where it lands in the
/// private last layer of the other two and pulls more than each image laid out alone.
#[test]
fn a_worse_joint_layering_falls_back_to_the_per_image_layering() {
    let dir = tempfile::tempdir().unwrap();
    let dag: Vec<(u64, Vec<usize>)> = vec![
        (561_875, vec![]),
        (602_484, vec![]),
        (998_671, vec![0, 1]),
        (582_542, vec![]),
        (564_807, vec![]),
    ];
    let files: Vec<(String, usize)> = [(&[2, 3][..], 4), (&[2, 4][..], 4), (&[0][..], 1)]
        .iter()
        .enumerate()
        .map(|(i, (roots, paths))| {
            let file = dir.path().join(format!("img{i}.json"));
            std::fs::write(&file, image_file(&dag, roots)).unwrap();
            (file.to_str().unwrap().to_string(), *paths)
        })
        .collect();
    let mut args = vec!["--fleet", "--max-layers", "3"];
    args.extend(files.iter().map(|(f, _)| f.as_str()));
    let recs = records(&run_ok(&args));
    check_fleet(&files, 2, &recs);
    let summary = recs.last().unwrap();
    assert!(
        summary["joint_pull_bytes"].as_u64() > summary["per_image_pull_bytes"].as_u64(),
        "{summary}"
    );
    assert_eq!(summary["chosen"], "per_image");
    assert_eq!(summary["saved_bytes"], 0);
    assert_eq!(summary["fleet_pull_bytes"], summary["per_image_pull_bytes"]);
    // The result is each image's own auto layering, record for record.
    for (file, _) in &files {
        let alone = json(&run_ok(&["--max-layers", "3", "-o", "nix", file]));
        let fleet: Vec<Value> = recs
            .iter()
            .filter(|r| r["image"] == file.as_str())
            .map(|r| r["paths"].clone())
            .collect();
        assert_eq!(Value::Array(fleet), alone, "{file}");
    }
    let table = String::from_utf8(run_ok(&[&args[..], &["-o", "table"]].concat())).unwrap();
    assert!(table.contains("\n\nchosen "), "{table}");
    assert!(table.contains("per_image"), "{table}");
}

#[test]
fn options_that_would_do_nothing_are_usage_errors() {
    let (old, new) = (data("webapp-1.0.graph.json"), data("webapp-1.1.graph.json"));
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    for sub in ["diff", "share"] {
        let err = run_err(&[sub, "-o", "nix", old, new], "");
        assert!(
            err.starts_with("closure-layers: error: --output nix lists the layers of a layering"),
            "{err}"
        );
        assert!(err.contains(&format!("; {sub} prints records")), "{err}");
    }
    let pipeline = r#"[["popularity_contest"]]"#;
    for args in [
        &["--pipeline", pipeline, "-a", "auto", old][..],
        &["-a", "popularity", "--pipeline", pipeline, old],
        &[
            "diff",
            "--pipeline",
            pipeline,
            "--algorithm",
            "auto",
            old,
            new,
        ],
        &["--fleet", "--pipeline", pipeline, "-a", "auto", old, new],
    ] {
        let err = run_err(args, "");
        assert!(
            err.contains("'--pipeline <JSON|FILE>' cannot be used with '--algorithm <ALGORITHM>'")
                || err.contains(
                    "'--algorithm <ALGORITHM>' cannot be used with '--pipeline <JSON|FILE>'"
                ),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn diff_compares_only_the_algorithm_given() {
    let (old, new) = (data("webapp-1.0.graph.json"), data("webapp-1.1.graph.json"));
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let both = records(&run_ok(&["diff", old, new]));
    for (algorithm, record) in [("auto", &both[0]), ("popularity", &both[1])] {
        let only = records(&run_ok(&["diff", "-a", algorithm, old, new]));
        assert_eq!(only, std::slice::from_ref(record), "{algorithm}");
    }
    let pipeline = records(&run_ok(&[
        "diff",
        "--pipeline",
        r#"[["popularity_contest"]]"#,
        old,
        new,
    ]));
    let algorithms: Vec<&str> = pipeline
        .iter()
        .map(|r| r["algorithm"].as_str().unwrap())
        .collect();
    assert_eq!(algorithms, ["auto", "popularity", "pipeline"]);
}

#[test]
fn an_exclude_that_is_not_in_the_graph_is_warned_about() {
    let file = data("worker.graph.json");
    let file = file.to_str().unwrap();
    let plain = run_ok(&["-o", "nix", file]);
    for path in ["foo", "/nix/store/00000000000000000000000000000000-absent"] {
        let (out, stderr) = run_ok_with(
            &["--exclude", path, "--exclude", path, "-o", "nix", file],
            "",
        );
        assert_eq!(
            json(&out),
            json(&plain),
            "the rest is laid out as without it"
        );
        assert_eq!(
            stderr,
            format!("closure-layers: warning: --exclude {path}: not a path of the graph\n")
        );
    }
    let graph = json(read("worker.graph.json").as_bytes());
    let present = graph["graph"][0]["path"].as_str().unwrap();
    let (_, stderr) = run_ok_with(&["--exclude", present, file], "");
    assert_eq!(stderr, "", "a path of the graph is excluded quietly");
    let (old, new) = (data("webapp-1.0.graph.json"), data("webapp-1.1.graph.json"));
    let (_, stderr) = run_ok_with(
        &[
            "diff",
            "--exclude",
            "foo",
            old.to_str().unwrap(),
            new.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(
        stderr,
        "closure-layers: warning: --exclude foo: not a path of any graph\n"
    );
}

#[test]
fn share_tables_show_pairs_and_totals() {
    let files = data_paths(&IMAGES);
    let mut args = vec!["share"];
    args.extend(files.iter().map(String::as_str));
    let recs = records(&run_ok(&args));
    let summary = recs.last().unwrap();
    let totals = [
        summary["algorithm"].as_str().unwrap().to_string(),
        summary["images"].to_string(),
        summary["layers_in_all"].to_string(),
        summary["total_layer_bytes"].to_string(),
        summary["distinct_layer_bytes"].to_string(),
        summary["distinct_store_bytes"].to_string(),
    ];
    let csv = String::from_utf8(run_ok(&[&args[..], &["-o", "csv"]].concat())).unwrap();
    let sections: Vec<&str> = csv.split("\n\n").collect();
    assert_eq!(sections.len(), 3, "{csv}");
    assert!(sections[0].starts_with("image,layers,"), "{csv}");
    assert!(sections[1].starts_with("a,b,shared_layers,shared_layer_bytes,shared_store_bytes\n"));
    assert_eq!(sections[1].lines().count(), 4, "a header and three pairs");
    for pair in recs.iter().filter(|r| r["type"] == "share_pair") {
        let row = format!(
            "{},{},{},{},{}",
            pair["a"].as_str().unwrap(),
            pair["b"].as_str().unwrap(),
            pair["shared_layers"],
            pair["shared_layer_bytes"],
            pair["shared_store_bytes"]
        );
        assert!(sections[1].lines().any(|l| l == row), "{row} in {csv}");
    }
    assert_eq!(
        sections[2],
        format!(
            "algorithm,images,layers_in_all,total_layer_bytes,distinct_layer_bytes,distinct_store_bytes\n{}\n",
            totals.join(",")
        )
    );
    for format in ["table", "markdown"] {
        let text = String::from_utf8(run_ok(&[&args[..], &["-o", format]].concat())).unwrap();
        assert_eq!(text.split("\n\n").count(), 3, "{text}");
        assert!(text.contains("shared_layer_bytes"), "{text}");
        assert!(text.contains("distinct_layer_bytes"), "{text}");
        assert!(
            text.contains(&summary["distinct_layer_bytes"].to_string()),
            "{text}"
        );
    }
}

#[test]
fn keys_and_paths_that_are_not_store_paths_are_located_errors() {
    let a = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a";
    let keyed = format!(
        "{{\"{a}\": {{\"narSize\": 1, \"references\": []}},\n \"foo\": {{\"narSize\": 1, \"references\": []}}}}"
    );
    let err = run_err(&[], &keyed);
    assert_eq!(
        err.trim_end(),
        "closure-layers: error: <stdin>:2:2: \"foo\": expected a store path such as /nix/store/<hash>-<name> as key of nix path-info JSON (or a \"graph\" of exportReferencesGraph)"
    );
    let err = run_err(
        &[],
        r#"[{"path": "notastorepath", "narSize": 1, "references": []}]"#,
    );
    assert_eq!(
        err.trim_end(),
        "closure-layers: error: <stdin>:1:3: \"notastorepath\": expected a store path such as /nix/store/<hash>-<name>"
    );
    // Other keys beside "graph" are the attributes of an exportReferencesGraph `.attrs.json`,
    // and beside "info" the fields of the versioned wrapper.
    let node = format!(r#"{{"path": "{a}", "narSize": 1, "references": []}}"#);
    let attrs = format!(r#"{{"builder": "/bin/sh", "env": {{"narSize": 1}}, "graph": [{node}]}}"#);
    let wrapper = r#"{"version": 2, "storeDir": "/nix/store", "info": {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a": {"narSize": 1, "references": []}}, "extra": {}}"#;
    for input in [attrs.as_str(), wrapper] {
        let (out, _) = run_ok_with(&["-o", "nix"], input);
        assert_eq!(json(&out), serde_json::json!([[a]]), "{input}");
    }
}
