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

/// Runs the tool and returns stdout, asserting the exit code.
fn run_ok(args: &[&str]) -> Vec<u8> {
    let out = cargo_bin_cmd!("closure-layers")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
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
        let out = cargo_bin_cmd!("closure-layers")
            .args(args)
            .write_stdin(read("webapp-1.0.graph.json"))
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(json(&out.stdout), expected);
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
    assert_eq!(summary["available_layers"], Value::Null);
    assert_eq!(summary["max_layers"], 1);
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
    let files: Vec<String> = [
        "webapp-1.0.graph.json",
        "webapp-1.1.graph.json",
        "worker.graph.json",
    ]
    .iter()
    .map(|f| data(f).to_str().unwrap().to_string())
    .collect();
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
    let files: Vec<String> = [
        "webapp-1.0.graph.json",
        "webapp-1.1.graph.json",
        "worker.graph.json",
    ]
    .iter()
    .map(|f| data(f).to_str().unwrap().to_string())
    .collect();
    let mut args = vec!["--fleet", "--max-layers", "4"];
    args.extend(files.iter().map(String::as_str));
    let recs = records(&run_ok(&args));
    let (layers, summary) = recs.split_at(recs.len() - 1);
    for (i, file) in files.iter().enumerate() {
        let image: Vec<&Value> = layers
            .iter()
            .filter(|l| l["image"] == file.as_str())
            .collect();
        assert!(image.len() <= 3, "within the budget of {file}");
        let placed: u64 = image
            .iter()
            .map(|l| l["path_count"].as_u64().unwrap())
            .sum();
        let graph = json(
            read(
                [
                    "webapp-1.0.graph.json",
                    "webapp-1.1.graph.json",
                    "worker.graph.json",
                ][i],
            )
            .as_bytes(),
        );
        assert_eq!(
            placed as usize,
            graph["graph"].as_array().unwrap().len(),
            "every path of {file} placed once"
        );
    }
    let summary = &summary[0];
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
