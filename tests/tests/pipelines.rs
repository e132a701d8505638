//! The pipelines in scripts/ end to end on the bundled examples: each one's final JSON or
//! Markdown and its exit code, on the success path and on the failing ones (over budget,
//! vulnerable, not ready, bad input). The scripts find the tools on PATH, so the folder of the
//! built binaries goes first on it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pipeline_tests::{tool_bin, workspace_root};
use serde_json::Value;

/// The pipelines the flake offers as apps.
const PIPELINES: [&str; 6] = [
    "validate-images",
    "check-plan",
    "image-report",
    "layer-churn",
    "make-seeds",
    "wait-cluster",
];

/// The day the budget examples are judged on, so the limits in force do not drift.
const AS_OF: &str = "2026-11-22";

/// PATH with the folder of the built tools first.
fn path_with_tools() -> OsString {
    let bin_dir = tool_bin("qcow-size")
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin_dir];
    dirs.extend(std::env::split_paths(&rest));
    std::env::join_paths(dirs).expect("PATH entries without separators")
}

/// A command running `sh scripts/<name>` from the workspace root with the tools on PATH.
fn script(name: &str) -> Command {
    let root = workspace_root();
    let mut cmd = Command::new("sh");
    cmd.arg(root.join("scripts").join(name))
        .current_dir(&root)
        .env("PATH", path_with_tools())
        .env_remove("KUBECONFIG")
        .env_remove("TALOSCONFIG");
    cmd
}

/// Runs a script with arguments and returns what it did.
fn run(name: &str, args: &[&str]) -> Output {
    script(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("sh scripts/{name}: {e}"))
}

/// The exit code, with stderr in the message when it is not the expected one.
fn assert_exit(out: &Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// stdout parsed as JSON Lines.
fn records(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

/// The records of one type.
fn of_type<'a>(records: &'a [Value], kind: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["type"] == kind).collect()
}

/// The one `summary` record, which comes last.
fn summary(records: &[Value]) -> &Value {
    let last = records.last().expect("no records");
    assert_eq!(
        last["type"], "summary",
        "the last record is not the summary"
    );
    assert_eq!(
        of_type(records, "summary").len(),
        1,
        "more than one summary"
    );
    last
}

/// The budget line with this id.
fn budget_line<'a>(records: &'a [Value], id: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["type"] == "budget_line" && r["id"] == id)
        .unwrap_or_else(|| panic!("no budget line {id}"))
}

/// Whether a program is on PATH; prints why the calling test skips when it is not.
fn have(program: &str, test: &str) -> bool {
    let found = std::env::split_paths(&path_with_tools()).any(|d| d.join(program).is_file());
    if !found {
        eprintln!("skipping {test}: {program} is not on PATH");
    }
    found
}

/// A path of the workspace as a string argument.
fn ex(rel: &str) -> String {
    workspace_root().join(rel).to_string_lossy().into_owned()
}

/// A temporary folder holding `n` copies of the example base image.
fn images_dir(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    for i in 0..n {
        std::fs::copy(
            ex("examples/qcow-size/base.qcow2"),
            dir.path().join(format!("node-{i}.qcow2")),
        )
        .expect("copy the example image");
    }
    dir
}

/// A path as a string argument.
fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The scripts that build, check or measure the project rather than compose the tools.
const MAINTENANCE: [&str; 4] = ["bench", "demo", "check-flake-apps", "fuzz-smoke"];

#[test]
fn every_script_has_help_with_exit_status() {
    for name in PIPELINES.iter().chain(&MAINTENANCE) {
        let out = run(name, &["--help"]);
        assert_exit(&out, 0, &format!("{name} --help"));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.starts_with("Usage: "), "{name} --help has no usage");
        assert!(
            text.contains("Exit status:\n  0 "),
            "{name} --help has no exit status"
        );
    }
}

#[test]
fn pipelines_without_operands_are_usage_errors() {
    for name in ["validate-images", "check-plan", "layer-churn", "make-seeds"] {
        let out = run(name, &[]);
        assert_exit(&out, 2, &format!("{name} without operands"));
        assert!(out.stdout.is_empty(), "{name} wrote data on a usage error");
    }
}

#[test]
fn validate_images_within_budget() {
    let out = run(
        "validate-images",
        &[&ex("examples/qcow-size"), "--as-of", AS_OF],
    );
    assert_exit(&out, 0, "validate-images examples/qcow-size");
    let recs = records(&out);
    assert_eq!(summary(&recs)["status"], "within");
    // Three images: three 50 GB boot volumes at least, and their small uploads.
    let block = budget_line(&recs, "block.total_gb");
    assert_eq!(block["used"], 150.0);
    assert_eq!(block["resources"].as_array().map(Vec::len), Some(3));
    let object = budget_line(&recs, "object.storage_gb");
    assert_eq!(object["status"], "ok");
    assert!(object["used"].as_f64().unwrap() < 0.001);
    assert_eq!(of_type(&recs, "resource").len(), 3);
}

#[test]
fn validate_images_over_block_storage() {
    // Five small uploads, but five boot volumes of 50 GB leave the 200 GB block storage.
    let dir = images_dir(5);
    let out = run(
        "validate-images",
        &[&path_str(dir.path()), "--as-of", AS_OF],
    );
    assert_exit(&out, 1, "validate-images with five images");
    let recs = records(&out);
    let sum = summary(&recs);
    assert_eq!(sum["status"], "over");
    assert_eq!(sum["lines_over"], 1);
    let block = budget_line(&recs, "block.total_gb");
    assert_eq!(block["status"], "over");
    assert_eq!(block["used"], 250.0);
    assert_eq!(budget_line(&recs, "object.storage_gb")["status"], "ok");
}

#[test]
fn validate_images_markdown_passes_through() {
    let out = run(
        "validate-images",
        &[
            &ex("examples/qcow-size"),
            "--as-of",
            AS_OF,
            "--output",
            "markdown",
        ],
    );
    assert_exit(&out, 0, "validate-images --output markdown");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("### OCI Always Free budget: within"),
        "{text}"
    );
    assert!(text.contains("| block.total_gb | 150 |"), "{text}");
}

#[test]
fn validate_images_unreadable_image_is_an_error() {
    let dir = images_dir(1);
    let image = std::fs::read(ex("examples/qcow-size/base.qcow2")).expect("read the example");
    std::fs::write(dir.path().join("truncated.qcow2"), &image[..100]).expect("write");
    let out = run(
        "validate-images",
        &[&path_str(dir.path()), "--as-of", AS_OF],
    );
    assert_exit(&out, 2, "validate-images with a truncated image");
    assert!(
        out.stdout.is_empty(),
        "a failed qcow-size must not reach oci-budget"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("qcow-size"));
}

#[test]
fn validate_images_empty_or_missing_folder_is_an_error() {
    let empty = tempfile::tempdir().expect("temporary folder");
    assert_exit(
        &run("validate-images", &[&path_str(empty.path())]),
        2,
        "validate-images on an empty folder",
    );
    assert_exit(
        &run("validate-images", &["no/such/folder"]),
        2,
        "validate-images on a missing folder",
    );
}

#[test]
fn validate_images_with_qemu_img_images() {
    if !have("qemu-img", "validate_images_with_qemu_img_images") {
        return;
    }
    // Four sparse 60 GiB images: tiny uploads, 4 x 64.4 GB of boot volumes.
    let dir = tempfile::tempdir().expect("temporary folder");
    for i in 0..4 {
        let status = Command::new("qemu-img")
            .args(["create", "-q", "-f", "qcow2"])
            .arg(dir.path().join(format!("vm-{i}.qcow2")))
            .arg("60G")
            .status()
            .expect("run qemu-img");
        assert!(status.success(), "qemu-img create failed");
    }
    let out = run(
        "validate-images",
        &[&path_str(dir.path()), "--as-of", AS_OF],
    );
    assert_exit(&out, 1, "validate-images with four 60 GiB images");
    let recs = records(&out);
    assert_eq!(budget_line(&recs, "block.total_gb")["status"], "over");
    assert_eq!(budget_line(&recs, "object.storage_gb")["status"], "ok");
}

#[test]
fn check_plan_within_prints_markdown() {
    let out = run(
        "check-plan",
        &[
            &ex("examples/oci-budget/within.plan.json"),
            "--as-of",
            AS_OF,
        ],
    );
    assert_exit(&out, 0, "check-plan within.plan.json");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("### OCI Always Free budget: within"),
        "{text}"
    );
    assert!(text.contains("| limit | used | allowance |"), "{text}");
}

#[test]
fn check_plan_over_budget_fails() {
    let out = run(
        "check-plan",
        &[&ex("examples/oci-budget/grow.plan.json"), "--as-of", AS_OF],
    );
    assert_exit(&out, 1, "check-plan grow.plan.json");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("### OCI Always Free budget: over"),
        "{text}"
    );
    assert!(text.contains("| a1.ocpu_hours | 2232 | 1500 |"), "{text}");
}

#[test]
fn check_plan_json_output_on_request() {
    let out = run(
        "check-plan",
        &[
            &ex("examples/oci-budget/grow.plan.json"),
            "--as-of",
            AS_OF,
            "--output",
            "json",
        ],
    );
    assert_exit(&out, 1, "check-plan --output json");
    let recs = records(&out);
    assert_eq!(summary(&recs)["status"], "over");
    assert_eq!(budget_line(&recs, "a1.ocpu_hours")["status"], "over");
}

#[test]
fn check_plan_bad_input_is_an_error() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let bad = dir.path().join("plan.out");
    std::fs::write(&bad, "not a plan\n").expect("write");
    // Not JSON: rendered by tofu or terraform, which reject it, or refused when neither exists.
    let out = run("check-plan", &[&path_str(&bad)]);
    assert_exit(&out, 2, "check-plan on a file that is not a plan");
    assert!(out.stdout.is_empty());

    let broken = dir.path().join("plan.json");
    std::fs::write(&broken, "{\"format_version\": ").expect("write");
    assert_exit(
        &run("check-plan", &[&path_str(&broken)]),
        2,
        "check-plan on truncated JSON",
    );
    assert_exit(
        &run("check-plan", &["no/such/plan.out"]),
        2,
        "check-plan on a missing file",
    );
}

#[test]
fn check_plan_renders_a_saved_plan() {
    let test = "check_plan_renders_a_saved_plan";
    let Some(cli) = ["tofu", "terraform"]
        .into_iter()
        .find(|p| std::env::split_paths(&path_with_tools()).any(|d| d.join(p).is_file()))
    else {
        eprintln!("skipping {test}: neither tofu nor terraform is on PATH");
        return;
    };
    // A configuration without providers: init and plan need no network.
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(
        dir.path().join("main.tf"),
        "output \"nodes\" {\n  value = 1\n}\n",
    )
    .expect("write main.tf");
    for args in [
        &["init", "-input=false"][..],
        &["plan", "-input=false", "-out=plan.out"][..],
    ] {
        let out = Command::new(cli)
            .args(args)
            .current_dir(dir.path())
            .env("TF_IN_AUTOMATION", "1")
            .output()
            .expect("run the plan tool");
        assert_exit(&out, 0, &format!("{cli} {}", args.join(" ")));
    }
    let out = script("check-plan")
        .current_dir(dir.path())
        .args(["plan.out", "--as-of", AS_OF])
        .output()
        .expect("run check-plan");
    assert_exit(&out, 0, "check-plan on a saved plan");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("### OCI Always Free budget: within"),
        "{text}"
    );
}

const CLEAN_GRAPH: &str = "examples/closure-layers/webapp-1.0.json";
const VULNERABLE_GRAPH: &str = "examples/pipelines/app-closure.json";
const OSV_DB: &str = "examples/osv-check/db";

#[test]
fn image_report_vulnerable_closure_fails() {
    if !have("jq", "image_report_vulnerable_closure_fails") {
        return;
    }
    let out = run(
        "image-report",
        &["--offline", &ex(OSV_DB), &ex(VULNERABLE_GRAPH)],
    );
    assert_exit(&out, 1, "image-report on a closure with jinja2 3.1.3");
    let recs = records(&out);
    assert_eq!(of_type(&recs, "layer").len(), 4);
    let findings = of_type(&recs, "finding");
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["package"]["name"], "jinja2");
    assert_eq!(findings[0]["package"]["source"], ex(VULNERABLE_GRAPH));
    let sum = summary(&recs);
    assert_eq!(sum["status"], "vulnerable");
    assert_eq!(sum["layers"]["layer_count"], 4);
    assert_eq!(sum["layers"]["nar_size_bytes"], 8_130_560);
    assert_eq!(sum["vulnerabilities"]["failing"], 1);
    assert_eq!(sum["vulnerabilities"]["packages"], 2);
    // The app and openssl have no OSV ecosystem: listed, not counted as clean.
    assert_eq!(
        sum["vulnerabilities"]["unscanned"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn image_report_without_findings_is_partial_while_paths_are_unscanned() {
    if !have(
        "jq",
        "image_report_without_findings_is_partial_while_paths_are_unscanned",
    ) {
        return;
    }
    let out = run(
        "image-report",
        &[
            "--offline",
            &ex(OSV_DB),
            "--max-layers",
            "4",
            &ex(CLEAN_GRAPH),
        ],
    );
    assert_exit(&out, 0, "image-report on webapp-1.0");
    let recs = records(&out);
    assert_eq!(of_type(&recs, "layer").len(), 3);
    assert!(of_type(&recs, "finding").is_empty());
    let sum = summary(&recs);
    assert_eq!(sum["status"], "partial", "unscanned paths are never clean");
    assert_eq!(sum["layers"]["max_layers"], 4);
    assert_eq!(sum["layers"]["path_count"], 11);
    assert_eq!(
        sum["vulnerabilities"]["unscanned"].as_array().map(Vec::len),
        Some(11)
    );
}

#[test]
fn image_report_bad_inputs_are_errors() {
    if !have("jq", "image_report_bad_inputs_are_errors") {
        return;
    }
    // A graph without narSize cannot be laid out.
    let out = run(
        "image-report",
        &[
            "--offline",
            &ex(OSV_DB),
            &ex("examples/osv-check/closure.json"),
        ],
    );
    assert_exit(&out, 2, "image-report on a graph without sizes");
    assert!(out.stdout.is_empty(), "no partial report on an error");
    // A vulnerability database that does not exist gives no verdict.
    let dir = tempfile::tempdir().expect("temporary folder");
    let missing_db = dir.path().join("no-db");
    let out = run(
        "image-report",
        &["--offline", &path_str(&missing_db), &ex(VULNERABLE_GRAPH)],
    );
    assert_exit(&out, 2, "image-report with a missing database");
    assert!(out.stdout.is_empty(), "no partial report on an error");
    assert_exit(
        &run("image-report", &["no/such/result"]),
        2,
        "image-report on a missing target",
    );
    assert_exit(
        &run("image-report", &["--bogus", &ex(CLEAN_GRAPH)]),
        2,
        "image-report with an unknown option",
    );
}

#[test]
fn layer_churn_reports_reuploaded_bytes() {
    let out = run(
        "layer-churn",
        &[
            &ex("examples/closure-layers/webapp-1.0.json"),
            &ex("examples/closure-layers/webapp-1.1.json"),
            "--max-layers",
            "4",
        ],
    );
    assert_exit(&out, 0, "layer-churn webapp 1.0 -> 1.1");
    let recs = records(&out);
    let diffs = of_type(&recs, "diff");
    assert_eq!(diffs.len(), 2);
    let auto = diffs
        .iter()
        .find(|d| d["algorithm"] == "auto")
        .expect("an auto diff");
    assert_eq!(auto["kept_layers"], 2);
    assert_eq!(auto["changed_layers"], 1);
    assert_eq!(auto["upload_bytes"], 23_984);
    assert_eq!(auto["store_delta_bytes"], 5_328);
}

#[test]
fn layer_churn_bad_inputs_are_errors() {
    let out = run(
        "layer-churn",
        &[
            &ex("examples/closure-layers/webapp-1.0.json"),
            "no/such/result",
        ],
    );
    assert_exit(&out, 2, "layer-churn with a missing build");
    assert!(out.stdout.is_empty());
    let out = run(
        "layer-churn",
        &[
            &ex("examples/closure-layers/webapp-1.0.json"),
            &ex("examples/osv-check/closure.json"),
        ],
    );
    assert_exit(&out, 2, "layer-churn with a graph without sizes");
    assert!(out.stdout.is_empty());
}

/// Builds a two-path closure with nix-build (an app referring to a dependency) and links it
/// as `link`; the dependency is the same for every version.
fn nix_build(dir: &Path, version: &str, link: &str) {
    let expr = format!(
        "let dep = derivation {{ name = \"pipeline-dep-1.0\"; system = builtins.currentSystem; \
         builder = \"/bin/sh\"; args = [\"-c\" \"echo dep > $out\"]; }}; \
         in derivation {{ name = \"pipeline-app-{version}\"; system = builtins.currentSystem; \
         builder = \"/bin/sh\"; inherit dep; args = [\"-c\" \"echo {version} $dep > $out\"]; }}"
    );
    let out = Command::new("nix-build")
        .args(["--quiet", "--out-link"])
        .arg(dir.join(link))
        .args(["-E", &expr])
        .output()
        .expect("run nix-build");
    assert_exit(&out, 0, "nix-build of the test closure");
}

#[test]
fn image_report_and_layer_churn_on_nix_builds() {
    let test = "image_report_and_layer_churn_on_nix_builds";
    if !have("nix-build", test) || !have("nix", test) || !have("jq", test) {
        return;
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    nix_build(dir.path(), "1.0", "result-old");
    nix_build(dir.path(), "1.1", "result");

    let out = script("image-report")
        .current_dir(dir.path())
        .args(["--offline", &ex(OSV_DB), "./result"])
        .output()
        .expect("run image-report");
    assert_exit(&out, 0, "image-report ./result");
    let recs = records(&out);
    let sum = summary(&recs);
    assert_eq!(sum["status"], "partial", "unscanned paths are never clean");
    assert_eq!(sum["layers"]["path_count"], 2);
    let unscanned = sum["vulnerabilities"]["unscanned"]
        .as_array()
        .expect("an unscanned list");
    assert!(unscanned.iter().any(|u| {
        u["name"]
            .as_str()
            .is_some_and(|n| n.ends_with("-pipeline-app-1.1"))
    }));

    let out = script("layer-churn")
        .current_dir(dir.path())
        .args(["./result-old", "./result"])
        .output()
        .expect("run layer-churn");
    assert_exit(&out, 0, "layer-churn on two builds");
    let recs = records(&out);
    for diff in of_type(&recs, "diff") {
        assert_eq!(diff["old_layers"], 2);
        assert_eq!(diff["kept_layers"], 1, "the dependency's layer is kept");
        assert_eq!(diff["changed_layers"], 1);
    }
}

#[test]
fn make_seeds_writes_isos_and_snippets() {
    if !have("jq", "make_seeds_writes_isos_and_snippets") {
        return;
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let out_dir = dir.path().join("seeds");
    let out = script("make-seeds")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args([
            "--proxmox-storage",
            "cephfs",
            &ex("examples/cloudinit-gen/cluster.jsonl"),
            &path_str(&out_dir),
        ])
        .output()
        .expect("run make-seeds");
    assert_exit(&out, 0, "make-seeds cluster.jsonl");
    let recs = records(&out);
    let images = of_type(&recs, "image");
    assert_eq!(images.len(), 2);
    for machine in ["worker-1", "worker-2"] {
        let iso = out_dir.join("iso").join(format!("{machine}.iso"));
        assert!(iso.is_file(), "{} missing", iso.display());
        assert!(images.iter().any(|i| i["machine"] == machine
            && i["label"] == "cidata"
            && i["path"] == path_str(&iso)));
        for part in ["user", "meta", "network"] {
            let snippet = out_dir
                .join("snippets")
                .join(format!("{machine}-{part}.yaml"));
            assert!(snippet.is_file(), "{} missing", snippet.display());
        }
        let cicustom = of_type(&recs, "proxmox_cicustom")
            .into_iter()
            .find(|r| r["machine"] == machine)
            .expect("a cicustom record");
        assert_eq!(
            cicustom["cicustom"],
            format!(
                "user=cephfs:snippets/{machine}-user.yaml,meta=cephfs:snippets/{machine}-meta.yaml,network=cephfs:snippets/{machine}-network.yaml"
            )
        );
    }
    let sum = summary(&recs);
    assert_eq!(sum["sources"], 2);
    assert_eq!(sum["findings"], 0);
}

#[test]
fn make_seeds_isos_are_reproducible() {
    if !have("jq", "make_seeds_isos_are_reproducible") {
        return;
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let hashes = |sub: &str| -> Vec<Value> {
        let out = script("make-seeds")
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .args([
                &ex("examples/cloudinit-gen/cluster.jsonl"),
                &path_str(&dir.path().join(sub)),
            ])
            .output()
            .expect("run make-seeds");
        assert_exit(&out, 0, "make-seeds");
        of_type(&records(&out), "image")
            .into_iter()
            .map(|i| i["sha256"].clone())
            .collect()
    };
    assert_eq!(hashes("a"), hashes("b"));
}

#[test]
fn make_seeds_invalid_spec_is_an_error() {
    if !have("jq", "make_seeds_invalid_spec_is_an_error") {
        return;
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let out_dir = dir.path().join("seeds");
    let out = run(
        "make-seeds",
        &[&ex("examples/cloudinit-gen/bad.json"), &path_str(&out_dir)],
    );
    assert_exit(&out, 2, "make-seeds bad.json");
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("users[1].ssh_authorized_keys[0]"),
        "{stderr}"
    );
    assert!(
        !out_dir.join("iso").exists()
            || std::fs::read_dir(out_dir.join("iso")).is_ok_and(|mut d| d.next().is_none()),
        "no ISO written for an invalid spec"
    );

    let not_json = dir.path().join("specs.jsonl");
    std::fs::write(&not_json, "{\"hostname\": ").expect("write");
    assert_exit(
        &run("make-seeds", &[&path_str(&not_json), &path_str(&out_dir)]),
        2,
        "make-seeds on truncated JSON",
    );
}

/// A folder holding a `cloudinit-gen` that runs the real one, then overwrites the volume label
/// of every ISO it writes, so that lint has a seed NoCloud would not find.
fn relabelling_cloudinit_gen() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("temporary folder");
    let shim = dir.path().join("cloudinit-gen");
    let body = format!(
        "#!/bin/sh\nset -eu\n'{}' \"$@\"\nif [ \"$1\" = --iso ]; then\n  printf 'wrong!' | dd of=\"$2\" bs=1 seek=32808 conv=notrunc 2>/dev/null\nfi\n",
        tool_bin("cloudinit-gen").display()
    );
    std::fs::write(&shim, body).expect("write the shim");
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

#[test]
fn make_seeds_lint_finding_fails() {
    if !have("jq", "make_seeds_lint_finding_fails") || !have("dd", "make_seeds_lint_finding_fails")
    {
        return;
    }
    let shim = relabelling_cloudinit_gen();
    let mut dirs = vec![shim.path().to_path_buf()];
    dirs.extend(std::env::split_paths(&path_with_tools()));
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = script("make-seeds")
        .env("PATH", std::env::join_paths(dirs).expect("PATH"))
        .args([
            &ex("examples/cloudinit-gen/cluster.jsonl"),
            &path_str(&dir.path().join("seeds")),
        ])
        .output()
        .expect("run make-seeds");
    assert_exit(&out, 1, "make-seeds with relabelled ISOs");
    let recs = records(&out);
    let findings = of_type(&recs, "finding");
    assert_eq!(findings.len(), 2, "one finding per ISO");
    assert!(findings.iter().all(|f| f["check"] == "label_not_cidata"));
    assert_eq!(summary(&recs)["findings"], 2);
}

#[test]
fn make_seeds_reads_only_the_isos_it_wrote() {
    if !have("jq", "make_seeds_reads_only_the_isos_it_wrote") {
        return;
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let out_dir = dir.path().join("seeds");
    std::fs::create_dir_all(out_dir.join("iso")).expect("mkdir");
    std::fs::write(out_dir.join("iso").join("retired.iso"), b"not an image").expect("write");
    let out = run(
        "make-seeds",
        &[
            &ex("examples/cloudinit-gen/cluster.jsonl"),
            &path_str(&out_dir),
        ],
    );
    assert_exit(&out, 0, "make-seeds beside an old ISO");
    let sum = summary(&records(&out)).clone();
    assert_eq!(sum["sources"], 2, "the two new ISOs, not the old one");
    assert_eq!(sum["findings"], 0);
}

/// What cloud-init's NoCloud datasource makes of a seed folder, read by its own Python; the
/// script is cloudinit-gen's, shared so both suites read seeds the same way.
const NOCLOUD_READ: &str = include_str!("../../tools/cloudinit-gen/tests/nocloud_read.py");

/// Whether Debian's cloud-init (its Python modules) is installed; prints why the calling test
/// skips when it is not.
fn have_cloud_init(test: &str) -> bool {
    let ok = Command::new("/usr/bin/python3")
        .args(["-c", "import cloudinit"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipping {test}: cloud-init's Python modules are not installed");
    }
    ok
}

/// Runs cloud-init's NoCloud datasource on `root/cloud/seed/nocloud` and returns what it read.
fn nocloud_reads(root: &Path) -> Value {
    let out = Command::new("/usr/bin/python3")
        .args(["-c", NOCLOUD_READ, &path_str(root)])
        .output()
        .expect("run cloud-init's Python");
    assert_exit(&out, 0, "cloud-init's NoCloud datasource");
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// One output of a command that must succeed.
fn output_of(program: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert_exit(&out, 0, program);
    out.stdout
}

/// Checks that cloud-init read a machine's seed as its spec says: the host name, the MAC the
/// network config matches on, the key, and no warning.
fn assert_seed_read(read: &Value, spec: &Value, what: &str) {
    assert_eq!(read["found"], true, "{what}: NoCloud found no seed");
    assert_eq!(
        read["warnings"],
        serde_json::json!([]),
        "{what}: cloud-init warned"
    );
    assert_eq!(read["meta"]["local-hostname"], spec["hostname"], "{what}");
    let mac = &spec["network"]["interfaces"][0]["mac"];
    let network = read["network"].to_string();
    assert!(
        network.contains(mac.as_str().unwrap_or("no MAC in the spec")),
        "{what}: network config without {mac}: {network}"
    );
    let config = &read["config"][0];
    let users = &config["users"];
    assert!(
        users.is_null() || users[0] == "default",
        "{what}: the distro user is dropped: {users}"
    );
    assert_eq!(
        config["ssh_authorized_keys"], spec["ssh_authorized_keys"],
        "{what}"
    );
}

#[test]
fn make_seeds_isos_and_snippets_are_read_by_cloud_init() {
    let test = "make_seeds_isos_and_snippets_are_read_by_cloud_init";
    if !have("jq", test) || !have("isoinfo", test) || !have("blkid", test) || !have_cloud_init(test)
    {
        return;
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let out_dir = dir.path().join("seeds");
    let specs = ex("examples/cloudinit-gen/cluster.jsonl");
    let out = run("make-seeds", &[&specs, &path_str(&out_dir)]);
    assert_exit(&out, 0, "make-seeds cluster.jsonl");
    let text = std::fs::read_to_string(&specs).expect("read the specs");
    for line in text.lines() {
        let spec: Value = serde_json::from_str(line).expect("a spec per line");
        let host = spec["hostname"].as_str().expect("a host name");
        let iso = path_str(&out_dir.join("iso").join(format!("{host}.iso")));
        // cloud-init finds the seed device by its file system label, as blkid reports it.
        for (tag, want) in [("LABEL", "cidata"), ("TYPE", "iso9660")] {
            let got = output_of("blkid", &["-p", "-o", "value", "-s", tag, &iso]);
            assert_eq!(String::from_utf8_lossy(&got).trim(), want, "{iso}: {tag}");
        }
        let from_iso = dir.path().join(format!("{host}-iso"));
        let from_snippets = dir.path().join(format!("{host}-snippets"));
        for (root, part) in [
            (&from_iso, "user-data"),
            (&from_iso, "meta-data"),
            (&from_iso, "network-config"),
        ] {
            let seed = root.join("cloud/seed/nocloud");
            std::fs::create_dir_all(&seed).expect("mkdir");
            let bytes = output_of("isoinfo", &["-R", "-x", &format!("/{part}"), "-i", &iso]);
            std::fs::write(seed.join(part), bytes).expect("write");
        }
        // Proxmox builds its own seed from the cicustom snippets, under the same names.
        let seed = from_snippets.join("cloud/seed/nocloud");
        std::fs::create_dir_all(&seed).expect("mkdir");
        for (snippet, part) in [
            ("user", "user-data"),
            ("meta", "meta-data"),
            ("network", "network-config"),
        ] {
            let file = out_dir
                .join("snippets")
                .join(format!("{host}-{snippet}.yaml"));
            std::fs::copy(&file, seed.join(part)).expect("copy a snippet");
        }
        assert_seed_read(&nocloud_reads(&from_iso), &spec, &iso);
        assert_seed_read(&nocloud_reads(&from_snippets), &spec, "the snippets");
    }
}

/// A deploy folder holding `kubeconfig` copied from an example.
fn deploy_dir(kubeconfig: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::copy(ex(kubeconfig), dir.path().join("kubeconfig")).expect("copy the kubeconfig");
    dir
}

#[test]
fn wait_cluster_invalid_kubeconfig_is_an_error() {
    let dir = deploy_dir("examples/talos-wait/broken-kubeconfig.yaml");
    let out = run("wait-cluster", &["--dir", &path_str(dir.path())]);
    assert_exit(&out, 2, "wait-cluster with a broken kubeconfig");
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("talos-wait: error: "), "{stderr}");
    assert!(stderr.contains("kubeconfig:6:1"), "{stderr}");
}

#[test]
fn wait_cluster_without_kubeconfig_is_an_error() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = run("wait-cluster", &["--dir", &path_str(dir.path())]);
    assert_exit(&out, 2, "wait-cluster without a kubeconfig");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no kubeconfig"));
}

#[test]
fn wait_cluster_not_ready_by_the_deadline() {
    // The example kubeconfig points at 127.0.0.1:1, where nothing listens.
    let dir = deploy_dir("examples/talos-wait/kubeconfig.yaml");
    let out = run(
        "wait-cluster",
        &[
            "--dir",
            &path_str(dir.path()),
            "--until",
            "apiserver",
            "--timeout",
            "1s",
            "--interval",
            "300ms",
        ],
    );
    assert_exit(&out, 1, "wait-cluster on a cluster that is down");
    let recs = records(&out);
    assert!(!of_type(&recs, "event").is_empty());
    let sum = summary(&recs);
    assert_eq!(sum["status"], "not_ready");
    assert_eq!(sum["until"], "apiserver");
    assert_eq!(sum["not_passed"][0]["check"], "apiserver");
}

/// An HTTPS server on 127.0.0.1 answering `/readyz` with 200, stopped when dropped.
struct ApiServer {
    child: std::process::Child,
    port: u16,
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs openssl with arguments in `dir`, failing the test when it fails.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert_exit(&out, 0, &format!("openssl {}", args.join(" ")));
}

/// A CA and a server certificate for 127.0.0.1 signed by it (`ca.pem`, `server.pem`,
/// `server.key` in `dir`), and `openssl s_server -WWW` serving `dir`, where `readyz` exists.
fn start_api_server(dir: &Path) -> ApiServer {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509", "-days", "2", "-subj", "/CN=test-ca"];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem"]);
    openssl(dir, &ca);
    let mut csr = vec!["req", "-subj", "/CN=kube-apiserver"];
    csr.extend(ec);
    csr.extend(["-keyout", "server.key", "-out", "server.csr"]);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write server.ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ],
    );
    std::fs::write(dir.join("readyz"), "ok\n").expect("write readyz");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-WWW",
            "-cert",
            "server.pem",
            "-key",
            "server.key",
        ])
        .arg("-accept")
        .arg(format!("127.0.0.1:{port}"))
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start openssl s_server");
    let server = ApiServer { child, port };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "s_server did not listen"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    server
}

#[test]
fn wait_cluster_ready_against_a_loopback_api_server() {
    if !have(
        "openssl",
        "wait_cluster_ready_against_a_loopback_api_server",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let server = start_api_server(dir.path());
    // The deploy's kubeconfig names the CA file of the loopback server.
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: test\n  cluster:\n    \
         server: https://127.0.0.1:{}\n    certificate-authority: {}\ncontexts:\n- name: test\n  \
         context:\n    cluster: test\n    user: test\nusers:\n- name: test\n  user:\n    token: t\n",
        server.port,
        path_str(&dir.path().join("ca.pem"))
    );
    let deploy = tempfile::tempdir().expect("temporary folder");
    std::fs::write(deploy.path().join("kubeconfig"), kubeconfig).expect("write kubeconfig");
    let out = run(
        "wait-cluster",
        &[
            "--dir",
            &path_str(deploy.path()),
            "--until",
            "apiserver",
            "--timeout",
            "20s",
        ],
    );
    assert_exit(&out, 0, "wait-cluster against a ready API server");
    let recs = records(&out);
    assert!(
        of_type(&recs, "event")
            .iter()
            .any(|e| e["check"] == "apiserver" && e["status"] == "passed")
    );
    let sum = summary(&recs);
    assert_eq!(sum["status"], "ready");
    assert_eq!(sum["checks_passed"], 1);
}

#[test]
fn scripts_are_where_the_flake_says() {
    let flake = std::fs::read_to_string(workspace_root().join("flake.nix")).expect("flake.nix");
    let line = flake
        .lines()
        .find(|l| l.trim_start().starts_with("pipelines = ["))
        .expect("a pipelines line");
    for name in PIPELINES {
        assert!(
            line.contains(&format!("\"{name}\"")),
            "{name} not in {line}"
        );
        let path: PathBuf = workspace_root().join("scripts").join(name);
        assert!(path.is_file(), "{} missing", path.display());
    }
}
