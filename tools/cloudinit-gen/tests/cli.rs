//! Runs the `cloudinit-gen` binary: inputs (files, stdin, `-`), every exit code, golden
//! output, and the generated seeds checked by the real consumers (cloud-init's schema, its
//! network renderers and user-data processor, netplan, PyYAML, isoinfo, xorriso, mtools,
//! fsck.fat, blkid) where they are installed.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::{Value, json};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

fn records(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Runs the tool and returns (exit code, records, stderr).
fn run(args: &[&str], stdin: Option<&str>) -> (i32, Vec<Value>, String) {
    let mut cmd = cargo_bin_cmd!("cloudinit-gen");
    cmd.args(args).env_remove("SOURCE_DATE_EPOCH");
    cmd.write_stdin(stdin.unwrap_or(""));
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap(),
        records(&out.stdout),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the tool and asserts that it exits 2 with an error that contains `expected`.
fn assert_refused(args: &[&str], stdin: &str, expected: &str) {
    let (code, _, err) = run(args, Some(stdin));
    assert_eq!(code, 2, "{args:?}: {err}");
    assert!(err.contains(expected), "{err}");
}

/// Generates the seed of `spec`, asserting success, and returns its file `name`.
fn seed_file(spec: &Value, name: &str) -> String {
    let (code, recs, err) = run(&[], Some(&spec.to_string()));
    assert_eq!(code, 0, "{err}");
    file_content(&recs, name).to_string()
}

fn file_content<'a>(records: &'a [Value], name: &str) -> &'a str {
    records
        .iter()
        .find(|r| r["name"] == name)
        .and_then(|r| r["content"].as_str())
        .unwrap()
}

/// True when `tool` runs; otherwise prints why the caller skips.
fn have(tool: &str, probe: &[&str]) -> bool {
    let ok = Command::new(tool)
        .args(probe)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        eprintln!("skipped: {tool} is not installed (Debian packages: see the tool's README)");
    }
    ok
}

/// The system Python with cloud-init's modules, when present.
fn cloudinit_python() -> Option<&'static str> {
    let ok = Command::new("/usr/bin/python3")
        .args(["-c", "import cloudinit, yaml"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "skipped: /usr/bin/python3 with cloud-init's modules is not installed (Debian package cloud-init)"
        );
    }
    ok.then_some("/usr/bin/python3")
}

fn check(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    succeeded(&format!("{cmd:?}"), &out)
}

/// The stdout and stderr of a finished command as text, asserting that it succeeded.
fn succeeded(what: &str, out: &std::process::Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{what} failed: {text}");
    text
}

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEmKTJ0/KN+UcKDAmJL4xKVRNDJNBqUWl4OCyVGgh8SP me@laptop";

#[test]
fn stdin_dash_and_files_give_the_same_records() {
    let spec = fs::read_to_string(data("cp-0.json")).unwrap();
    let (code, from_stdin, _) = run(&[], Some(&spec));
    assert_eq!(code, 0);
    let (_, from_dash, _) = run(&["-"], Some(&spec));
    let path = data("cp-0.json");
    let (_, from_file, _) = run(&[path.to_str().unwrap()], None);
    assert_eq!(from_stdin, from_dash);
    assert_eq!(from_stdin, from_file);
    let names: Vec<_> = from_file
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["user-data", "meta-data", "network-config"]);
    let meta = &from_file[1];
    assert_eq!(meta["type"], "file");
    assert_eq!(meta["machine"], "cp-0");
    assert_eq!(meta["size_bytes"], 47);
    assert_eq!(
        meta["content"],
        "instance-id: cp-0-2024-01\nlocal-hostname: cp-0\n"
    );
}

#[test]
fn json_lines_give_one_seed_per_machine() {
    let input = "{\"hostname\":\"a\"}\n{\"hostname\":\"b\",\"default_user\":false}\n";
    let (code, recs, _) = run(&[], Some(input));
    assert_eq!(code, 0);
    let machines: Vec<_> = recs
        .iter()
        .map(|r| r["machine"].as_str().unwrap())
        .collect();
    assert_eq!(machines, ["a", "a", "b", "b"]);
    assert!(file_content(&recs[2..], "user-data").contains("users: []"));
}

#[test]
fn golden_files_match_exactly() {
    for (spec, machine) in [("cp-0.json", "cp-0"), ("v2.json", "edge-1")] {
        let (code, recs, _) = run(&[data(spec).to_str().unwrap()], None);
        assert_eq!(code, 0);
        for name in ["user-data", "meta-data", "network-config"] {
            let expected = fs::read_to_string(golden(machine).join(name)).unwrap();
            assert_eq!(
                file_content(&recs, name),
                expected,
                "{name} differs from tests/golden/{machine}/{name}"
            );
        }
    }
    let (code, recs, _) = run(&["lint", golden("cp-0").to_str().unwrap()], None);
    assert_eq!(code, 0, "{recs:?}");
    let (code, recs, _) = run(&["lint", golden("edge-1").to_str().unwrap()], None);
    assert_eq!(code, 1, "{recs:?}");
    let checks: Vec<_> = recs.iter().filter_map(|r| r["check"].as_str()).collect();
    assert_eq!(
        checks,
        ["default_user_dropped"],
        "edge-1's spec sets default_user to false, which lint points out"
    );
}

#[test]
fn malformed_json_exits_2_with_its_position() {
    let (code, recs, err) = run(&[], Some("{\"hostname\": \"a\",\n  \"users\": [}"));
    assert_eq!(code, 2);
    assert!(recs.is_empty(), "a failed run prints no records");
    assert!(err.starts_with("cloudinit-gen: error: <stdin>:2:"), "{err}");
}

#[test]
fn invalid_fields_exit_2_naming_the_field_path() {
    let spec = json!({"hostname": "a", "users": [{"name": "x"}, {"name": "y", "ssh_authorized_keys": ["ssh-rsa AAAA"]}]});
    let (code, recs, err) = run(&[], Some(&spec.to_string()));
    assert_eq!(code, 2);
    assert!(recs.is_empty());
    assert!(
        err.contains("users[1].ssh_authorized_keys[0]: not an SSH public key"),
        "{err}"
    );

    let (code, _, err) = run(&[], Some("{\"hostname\":\"a\",\"hostnme\":\"b\"}"));
    assert_eq!(code, 2);
    assert!(
        err.contains("<stdin>:1:") && err.contains("hostnme"),
        "{err}"
    );

    assert_refused(
        &["/nonexistent/spec.json"],
        "",
        "/nonexistent/spec.json: cannot open",
    );

    assert_refused(&[], "", "no spec");
}

/// `len` pseudo-random lower-case letters: text gzip cannot shrink much.
fn noise(len: usize) -> String {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'a' + (state % 26) as u8)
        })
        .collect()
}

#[test]
fn oci_metadata_fits_or_exits_1() {
    let spec = json!({"hostname": "a", "ssh_authorized_keys": [KEY]});
    let (code, recs, _) = run(&["--oci"], Some(&spec.to_string()));
    assert_eq!(code, 0);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["type"], "oci_metadata");
    assert_eq!(recs[0]["ssh_authorized_keys"], KEY);
    assert_eq!(recs[0]["fits"], true);
    assert_eq!(recs[0]["limit_bytes"], 32000);

    let big = json!({"hostname": "a", "write_files": [{"path": "/x", "content": noise(40_000)}]});
    let (code, recs, err) = run(&["--oci"], Some(&big.to_string()));
    assert_eq!(code, 1, "{err}");
    assert_eq!(recs[0]["fits"], false);
    assert!(err.contains("over the 32000-byte limit"), "{err}");
}

#[test]
fn oci_user_data_decodes_to_the_seed_user_data() {
    let Some(python) = cloudinit_python() else {
        return;
    };
    let spec = fs::read_to_string(data("cp-0.json")).unwrap();
    let (_, plain, _) = run(&[], Some(&spec));
    let (_, oci, _) = run(&["--oci"], Some(&spec));
    let script = "import base64,gzip,sys; sys.stdout.write(gzip.decompress(base64.b64decode(sys.argv[1])).decode())";
    let decoded =
        check(Command::new(python).args(["-c", script, oci[0]["user_data"].as_str().unwrap()]));
    assert_eq!(decoded, file_content(&plain, "user-data"));
}

#[test]
fn tf_external_prints_a_flat_string_map() {
    let (code, recs, _) = run(
        &["--tf-external", data("cp-0.json").to_str().unwrap()],
        Some("{}"),
    );
    assert_eq!(code, 0);
    assert_eq!(recs.len(), 1);
    let map = recs[0].as_object().unwrap();
    assert!(
        map.values().all(Value::is_string),
        "external data sources need string values"
    );
    assert_eq!(map["hostname"], "cp-0");
    assert_eq!(
        map["user_data"],
        fs::read_to_string(golden("cp-0/user-data"))
            .unwrap()
            .as_str()
    );
    assert!(map.contains_key("network_config_base64"));
    assert_refused(
        &["--tf-external"],
        "{\"hostname\":\"a\"}{\"hostname\":\"b\"}",
        "exactly one spec",
    );
}

#[test]
fn tf_external_with_oci_gives_launch_metadata_and_fails_over_the_limit() {
    let spec = data("cp-0.json");
    let (code, recs, _) = run(&["--tf-external", "--oci", spec.to_str().unwrap()], None);
    assert_eq!(code, 0);
    let (_, oci, _) = run(&["--oci", spec.to_str().unwrap()], None);
    let map = &recs[0];
    assert_eq!(map["oci_user_data"], oci[0]["user_data"]);
    assert_eq!(map["ssh_authorized_keys"], oci[0]["ssh_authorized_keys"]);
    assert_eq!(
        map["oci_metadata_bytes"],
        oci[0]["metadata_bytes"].to_string().as_str()
    );
    assert!(map.as_object().unwrap().values().all(Value::is_string));

    let big = json!({"hostname": "a", "write_files": [{"path": "/x", "content": noise(40_000)}]});
    let query = json!({"spec": big.to_string()});
    let (code, _, err) = run(&["--tf-external", "--oci"], Some(&query.to_string()));
    assert_eq!(code, 1, "an over-limit seed fails the plan");
    assert!(err.contains("over the 32000-byte limit"), "{err}");
}

#[test]
fn out_dir_writes_files_atomically_with_secret_modes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("seed");
    let (code, recs, _) = run(
        &[
            "--out-dir",
            out.to_str().unwrap(),
            data("cp-0.json").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(recs.len(), 3);
    for name in ["user-data", "meta-data", "network-config"] {
        let path = out.join(name);
        assert_eq!(
            fs::read(&path).unwrap(),
            fs::read(golden("cp-0").join(name)).unwrap()
        );
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600,
            "the seed holds a hash"
        );
    }
    assert_eq!(recs[0]["mode"], "0600");
    assert!(recs[0].get("content").is_none());

    let many = "{\"hostname\":\"a\"}\n{\"hostname\":\"b\"}\n";
    let (code, _, _) = run(&["--out-dir", out.to_str().unwrap()], Some(many));
    assert_eq!(code, 0);
    assert!(out.join("a/user-data").exists() && out.join("b/meta-data").exists());
    assert_eq!(
        fs::metadata(out.join("a/user-data"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o644
    );

    assert_refused(
        &["--out-dir", out.to_str().unwrap()],
        "{\"hostname\":\"a\"}{\"hostname\":\"a\"}",
        "two specs have the hostname",
    );
}

#[test]
fn proxmox_snippets_and_cicustom() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--proxmox-snippets",
        dir.path().to_str().unwrap(),
        "--proxmox-storage",
        "snip",
    ];
    let (code, recs, _) = run(
        &[&args[..], &[data("cp-0.json").to_str().unwrap()]].concat(),
        None,
    );
    assert_eq!(code, 0);
    let last = recs.last().unwrap();
    assert_eq!(last["type"], "proxmox_cicustom");
    assert_eq!(
        last["cicustom"],
        "user=snip:snippets/cp-0-user.yaml,meta=snip:snippets/cp-0-meta.yaml,network=snip:snippets/cp-0-network.yaml"
    );
    let user = fs::read(dir.path().join("cp-0-user.yaml")).unwrap();
    assert_eq!(user, fs::read(golden("cp-0/user-data")).unwrap());
}

#[test]
fn scripts_become_multipart_with_merge_headers_on_every_part() {
    let spec = json!({"hostname": "a", "runcmd": ["echo one"], "scripts": [
        {"name": "10-setup.sh", "content": "#!/bin/sh\necho setup\n"},
        {"name": "20-more.sh", "content": "#!/bin/sh\necho é\n"}]});
    let user_data = seed_file(&spec, "user-data");
    assert_eq!(
        user_data
            .matches("X-Merge-Type: list(append)+dict(no_replace,recurse_list)+str()")
            .count(),
        3
    );

    let Some(python) = cloudinit_python() else {
        return;
    };
    let script = r#"
import json, sys
from cloudinit import helpers, user_data, util
paths = helpers.Paths({})
msg = user_data.UserDataProcessor(paths).process(sys.stdin.read())
parts = [{"type": p.get_content_type(), "file": p.get_filename(), "merge": p.get("X-Merge-Type"),
          "body": util.fully_decoded_payload(p)} for p in msg.walk() if not p.is_multipart()]
print(json.dumps(parts))
"#;
    let out = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(user_data.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success());
    let parts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let types: Vec<_> = parts.iter().map(|p| p["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "text/cloud-config",
            "text/x-shellscript",
            "text/x-shellscript"
        ]
    );
    assert!(
        parts
            .iter()
            .all(|p| p["merge"] == "list(append)+dict(no_replace,recurse_list)+str()")
    );
    assert_eq!(parts[2]["body"], "#!/bin/sh\necho é\n");
    assert_eq!(parts[1]["file"], "10-setup.sh");
}

#[test]
fn cloud_init_schema_accepts_the_user_data() {
    if !have("cloud-init", &["--version"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for spec in ["cp-0.json", "hostile.json"] {
        let (code, recs, _) = run(&[data(spec).to_str().unwrap()], None);
        assert_eq!(code, 0);
        let path = dir.path().join(format!("{spec}.user-data"));
        fs::write(&path, file_content(&recs, "user-data")).unwrap();
        let text = check(Command::new("cloud-init").args([
            "schema",
            "--config-file",
            path.to_str().unwrap(),
        ]));
        assert!(text.contains("Valid cloud-config"), "{text}");
    }
}

#[test]
fn lint_flags_yaml11_booleans_and_numbers_that_cloud_init_schema_rejects() {
    let dir = seed_dir(
        "#cloud-config\nruncmd:\n  - yes\n  - 'no'\npackages:\n  - [nginx, 1.10]\nhostname: on\npackage_upgrade: yes\n",
    );
    let (code, recs, _) = run(&["lint", dir.path().to_str().unwrap()], None);
    assert_eq!(code, 1);
    let places: Vec<&str> = recs
        .iter()
        .filter(|r| r["check"] == "yaml11_not_a_string")
        .map(|r| r["message"].as_str().unwrap().split(": ").nth(1).unwrap())
        .collect();
    assert_eq!(
        places,
        ["runcmd[0]", "packages[0][1]", "hostname"],
        "{recs:?}"
    );
    let Some(said) = schema_refusal(&dir.path().join("user-data")) else {
        return;
    };
    for place in ["runcmd.0", "packages.0", "hostname"] {
        assert!(said.contains(place), "cloud-init schema: {said}");
    }
}

#[test]
fn hostile_strings_round_trip_through_pyyaml() {
    let Some(python) = cloudinit_python() else {
        return;
    };
    let spec_path = data("hostile.json");
    let (code, recs, _) = run(&[spec_path.to_str().unwrap()], None);
    assert_eq!(code, 0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("user-data");
    fs::write(&path, file_content(&recs, "user-data")).unwrap();
    let script = "import json,sys; from cloudinit import util; \
                  print(json.dumps(util.load_yaml(open(sys.argv[1]).read())))";
    let parsed: Value = serde_json::from_str(&check(Command::new(python).args([
        "-c",
        script,
        path.to_str().unwrap(),
    ])))
    .unwrap();
    let spec: Value = serde_json::from_str(&fs::read_to_string(&spec_path).unwrap()).unwrap();
    assert_eq!(parsed["runcmd"], spec["runcmd"]);
    assert_eq!(parsed["bootcmd"], spec["bootcmd"]);
    assert_eq!(
        parsed["write_files"][0]["content"],
        spec["write_files"][0]["content"]
    );
}

/// cloud-init's network renderers, each with a distribution that uses it.
const RENDERERS: [(&str, &str); 4] = [
    ("debian", "eni"),
    ("ubuntu", "netplan"),
    ("debian", "networkd"),
    ("fedora", "sysconfig"),
];

/// Renders a network-config with each of cloud-init's renderers into `<dir>/<renderer>`;
/// returns the directory and each renderer's name with what `net-convert` did.
fn net_convert(text: &str) -> (tempfile::TempDir, Vec<(&'static str, std::process::Output)>) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("network-config");
    fs::write(&config, text).unwrap();
    let outputs = RENDERERS
        .iter()
        .map(|&(distro, renderer)| {
            let output = Command::new("cloud-init")
                .args(["devel", "net-convert", "-k", "yaml", "-p"])
                .arg(&config)
                .args(["-D", distro, "-O", renderer, "-d"])
                .arg(dir.path().join(renderer))
                .output()
                .unwrap();
            (renderer, output)
        })
        .collect();
    (dir, outputs)
}

/// Writes the network-config of `spec` and renders it with every cloud-init renderer, each
/// succeeding without a warning.
fn net_convert_all(spec: &Value) -> tempfile::TempDir {
    let (dir, outputs) = net_convert(&seed_file(spec, "network-config"));
    for (renderer, output) in outputs {
        let text = succeeded(renderer, &output);
        assert!(
            !text.contains("WARNING") && !text.contains("Traceback"),
            "{renderer}: {text}"
        );
    }
    dir
}

fn network_spec(version: u8) -> Value {
    json!({"hostname": "n1", "network": {"version": version, "interfaces": [
        {"name": "eth0", "mac": "52:54:00:12:34:56", "addresses": ["10.10.2.14/24", "fd00::14/64"],
         "gateway4": "10.10.2.1", "gateway6": "fd00::1", "nameservers": ["10.10.2.1"], "search": ["lab.example"],
         "mtu": 1500, "routes": [{"to": "10.20.0.0/16", "via": "10.10.2.254"}, {"to": "fd01::/48", "via": "fd00::fe"}]},
        {"name": "eth1", "mac": "52:54:00:12:34:57", "dhcp4": true}]}})
}

#[test]
fn network_config_renders_with_every_cloud_init_renderer() {
    if !have("cloud-init", &["--version"]) {
        return;
    }
    for version in [1, 2] {
        let dir = net_convert_all(&network_spec(version));
        let networkd = fs::read_to_string(
            dir.path()
                .join("networkd/etc/systemd/network/10-cloud-init-eth0.network"),
        )
        .unwrap();
        assert!(
            networkd.contains("MACAddress=52:54:00:12:34:56"),
            "v{version}: {networkd}"
        );
        assert!(
            networkd.contains("Destination=10.20.0.0/16"),
            "v{version}: {networkd}"
        );
        assert!(
            networkd.contains("Destination=fd01::/48"),
            "v{version}: {networkd}"
        );
        assert!(
            networkd.contains("Gateway=10.10.2.1"),
            "v{version}: {networkd}"
        );
        let eni = fs::read_to_string(
            dir.path()
                .join("eni/etc/network/interfaces.d/50-cloud-init"),
        )
        .unwrap();
        assert!(eni.contains("iface eth1 inet dhcp"), "v{version}: {eni}");
    }
}

/// Runs `netplan generate` on a version 2 network-config under `network:`, in a root of its
/// own; returns the root and what netplan did.
fn netplan_generate(config: &str) -> (tempfile::TempDir, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let netplan_dir = dir.path().join("etc/netplan");
    fs::create_dir_all(&netplan_dir).unwrap();
    let indented: String = config.lines().map(|l| format!("  {l}\n")).collect();
    let file = netplan_dir.join("50-cloud-init.yaml");
    fs::write(&file, format!("network:\n{indented}")).unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    let output = Command::new("netplan")
        .args(["generate", "--root-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    (dir, output)
}

#[test]
fn network_v2_passes_netplan_generate() {
    if !have("netplan", &["info"]) {
        return;
    }
    let (dir, output) = netplan_generate(&seed_file(&network_spec(2), "network-config"));
    let text = succeeded("netplan generate", &output);
    assert!(!text.contains("Error"), "{text}");
    let unit = fs::read_to_string(
        dir.path()
            .join("run/systemd/network/10-netplan-eth0.network"),
    )
    .unwrap();
    assert!(unit.contains("Address=10.10.2.14/24"), "{unit}");
}

fn build_image(kind: &str, epoch: &str, dir: &Path) -> (PathBuf, Value) {
    let path = dir.join(format!("seed.{kind}"));
    let out = cargo_bin_cmd!("cloudinit-gen")
        .args([
            &format!("--{kind}"),
            path.to_str().unwrap(),
            data("cp-0.json").to_str().unwrap(),
        ])
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (path, records(&out.stdout).remove(0))
}

#[test]
fn iso_is_reproducible_and_matches_its_golden_digest() {
    let dir = tempfile::tempdir().unwrap();
    let (path, record) = build_image("iso", "1700000000", dir.path());
    let first = fs::read(&path).unwrap();
    let (_, again) = build_image("iso", "1700000000", dir.path());
    assert_eq!(record["sha256"], again["sha256"]);
    assert_eq!(record["format"], "iso9660");
    assert_eq!(record["size_bytes"], first.len());
    let expected = fs::read_to_string(golden("cp-0.iso.sha256")).unwrap();
    assert_eq!(record["sha256"], expected.trim());
    let (_, other_date) = build_image("iso", "1600000000", dir.path());
    assert_ne!(record["sha256"], other_date["sha256"]);
}

#[test]
fn vfat_is_reproducible_and_matches_its_golden_digest() {
    let dir = tempfile::tempdir().unwrap();
    let (_, record) = build_image("vfat", "1700000000", dir.path());
    let (_, again) = build_image("vfat", "1700000000", dir.path());
    assert_eq!(record["sha256"], again["sha256"]);
    let expected = fs::read_to_string(golden("cp-0.vfat.sha256")).unwrap();
    assert_eq!(record["sha256"], expected.trim());
}

#[test]
fn iso_reads_back_with_isoinfo_and_xorriso() {
    if !have("isoinfo", &["-version"]) || !have("xorriso", &["-version"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = build_image("iso", "1700000000", dir.path());
    let iso = path.to_str().unwrap();
    let info = check(Command::new("isoinfo").args(["-d", "-i", iso]));
    assert!(info.contains("Volume id: cidata"), "{info}");
    assert!(info.contains("Joliet with UCS level 3 found"), "{info}");
    assert!(
        info.contains("Rock Ridge signatures version 1 found"),
        "{info}"
    );
    for (mode, name) in [
        ("-R", "user-data"),
        ("-J", "network-config"),
        ("-R", "meta-data"),
    ] {
        let out = Command::new("isoinfo")
            .args([mode, "-x", &format!("/{name}"), "-i", iso])
            .output()
            .unwrap();
        assert_eq!(
            out.stdout,
            fs::read(golden("cp-0").join(name)).unwrap(),
            "{mode} {name}"
        );
    }
    let listing =
        check(Command::new("xorriso").args(["-indev", iso, "-find", "/", "-exec", "lsdl"]));
    for line in [
        "-rw-r--r--",
        "'/user-data'",
        "'/meta-data'",
        "'/network-config'",
    ] {
        assert!(listing.contains(line), "{listing}");
    }
    if have("blkid", &["-V"]) {
        let probe = check(Command::new("blkid").args(["-p", iso]));
        assert!(
            probe.contains("LABEL=\"cidata\"") && probe.contains("TYPE=\"iso9660\""),
            "{probe}"
        );
    }
}

/// Extents of the root directories, the Rock Ridge continuation and the first file, and the
/// volume size, read from an image's descriptors and root directory.
fn iso_layout(image: &[u8]) -> [u32; 5] {
    let le32 = |at: usize| u32::from_le_bytes(image[at..at + 4].try_into().unwrap());
    let sector = 2048;
    let iso_root = le32(16 * sector + 156 + 2) as usize;
    let joliet_root = le32(17 * sector + 156 + 2);
    let dot = &image[iso_root * sector..];
    let ce = dot[34..dot[0] as usize]
        .windows(2)
        .position(|w| w == b"CE")
        .unwrap()
        + 34;
    let ce_extent = u32::from_le_bytes(dot[ce + 4..ce + 8].try_into().unwrap());
    let first_file = {
        let mut at = dot[0] as usize;
        at += dot[at] as usize;
        le32(iso_root * sector + at + 2)
    };
    [
        iso_root as u32,
        joliet_root,
        ce_extent,
        first_file,
        le32(16 * sector + 80),
    ]
}

#[test]
fn iso_layout_matches_the_cloud_localds_fixture() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/cloudinit/seed-images/cloud-localds-good-v2.iso");
    let Ok(reference) = fs::read(&fixture) else {
        eprintln!("skipped: {} is absent", fixture.display());
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = build_image("iso", "1700000000", dir.path());
    let ours = fs::read(path).unwrap();
    assert_eq!(iso_layout(&ours), iso_layout(&reference));
    assert_eq!(iso_layout(&ours), [28, 29, 30, 31, 184]);
    assert_eq!(
        &ours[16 * 2048 + 40..16 * 2048 + 72],
        &reference[16 * 2048 + 40..16 * 2048 + 72],
        "volume id"
    );
}

#[test]
fn vfat_reads_back_with_mtools_and_fsck() {
    if !have("mtype", &["-V"]) || !have("fsck.fat", &["--help"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = build_image("vfat", "1700000000", dir.path());
    let img = path.to_str().unwrap();
    check(Command::new("fsck.fat").args(["-n", img]));
    for name in ["user-data", "meta-data", "network-config"] {
        let out = Command::new("mtype")
            .args(["-i", img, &format!("::{name}")])
            .output()
            .unwrap();
        assert_eq!(
            out.stdout,
            fs::read(golden("cp-0").join(name)).unwrap(),
            "{name}"
        );
    }
    let label = check(Command::new("mlabel").args(["-i", img, "-s", "::"]));
    assert!(label.contains("cidata"), "{label}");
    if have("blkid", &["-V"]) {
        let probe = check(Command::new("blkid").args(["-p", img]));
        assert!(
            probe.contains("LABEL=\"cidata\"") && probe.contains("TYPE=\"vfat\""),
            "{probe}"
        );
    }
}

#[test]
fn bad_source_date_epoch_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = cargo_bin_cmd!("cloudinit-gen")
        .args([
            "--iso",
            dir.path().join("x.iso").to_str().unwrap(),
            data("cp-0.json").to_str().unwrap(),
        ])
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SOURCE_DATE_EPOCH"));
    assert!(
        !dir.path().join("x.iso").exists(),
        "nothing is written when the run fails"
    );
}

#[test]
fn talos_machine_config_is_user_data_verbatim() {
    let config = "version: v1alpha1\nmachine:\n  type: controlplane\n";
    let spec = json!({"hostname": "cp-0", "talos_machine_config": config,
                      "network": {"interfaces": [{"name": "eth0", "dhcp4": true}]}});
    let (code, recs, _) = run(&[], Some(&spec.to_string()));
    assert_eq!(code, 0);
    assert_eq!(file_content(&recs, "user-data"), config);
    assert!(file_content(&recs, "meta-data").contains("local-hostname: cp-0"));
    let bad = json!({"hostname": "cp-0", "talos_machine_config": config, "runcmd": ["x"]});
    assert_refused(&[], &bad.to_string(), "runcmd: Talos ignores cloud-config");
}

/// Runs the tool and returns (exit code, stdout as text, stderr).
fn run_text(args: &[&str], stdin: &str) -> (i32, String, String) {
    let out = cargo_bin_cmd!("cloudinit-gen")
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .write_stdin(stdin)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn table_output_lists_the_files() {
    let spec = data("cp-0.json");
    let (code, text, _) = run_text(&["-o", "csv", spec.to_str().unwrap()], "");
    assert_eq!(code, 0);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "type,machine,name,size_bytes,sha256,detail");
    assert_eq!(lines.len(), 4, "{text}");
    let (_, recs, _) = run(&[spec.to_str().unwrap()], None);
    let expected = format!(
        "file,cp-0,meta-data,47,{},",
        recs[1]["sha256"].as_str().unwrap()
    );
    assert_eq!(lines[2], expected);

    let (code, text, _) = run_text(&["--oci", "-o", "csv", spec.to_str().unwrap()], "");
    assert_eq!(code, 0);
    let row = text.lines().nth(1).unwrap();
    assert!(row.starts_with("oci_metadata,cp-0,metadata,"), "{text}");
    assert!(row.ends_with(",fits the 32000-byte limit"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--proxmox-snippets",
        dir.path().to_str().unwrap(),
        "-o",
        "markdown",
    ];
    let (code, text, _) = run_text(&[&args[..], &[spec.to_str().unwrap()]].concat(), "");
    assert_eq!(code, 0);
    assert!(text.starts_with("| type "), "{text}");
    assert!(
        text.contains("user=local:snippets/cp-0-user.yaml"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2 + 4, "{text}");
}

#[test]
fn lint_prints_findings_as_a_table() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("user-data"),
        "#cloud-config\nhostnme: a\nruncmd: ['if true; then echo']\n",
    )
    .unwrap();
    fs::write(dir.path().join("meta-data"), "instance-id: i-1\n").unwrap();
    let seed = dir.path().to_str().unwrap();
    let (code, text, _) = run_text(&["lint", "-o", "csv", seed], "");
    assert_eq!(code, 1);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "source,file,check,severity,message");
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].starts_with(&format!("{seed},user-data,unknown_key,warning,")));
    assert!(lines[2].starts_with(&format!("{seed},user-data,shell_syntax,error,")));

    for format in ["table", "markdown"] {
        let (code, text, _) = run_text(&["lint", "--output", format, seed], "");
        assert_eq!(code, 1);
        assert!(text.ends_with("\n2 findings in 1 source.\n"), "{text}");
        assert!(text.contains("did you mean"), "{text}");
    }
    let clean = golden("cp-0");
    let (code, text, _) = run_text(&["lint", "-o", "table", clean.to_str().unwrap()], "");
    assert_eq!(code, 0);
    assert!(text.ends_with("0 findings in 1 source.\n"), "{text}");
}

#[test]
fn tf_external_refuses_table_output() {
    let (code, text, err) = run_text(
        &[
            "--tf-external",
            "-o",
            "table",
            data("cp-0.json").to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(text.is_empty());
    assert!(err.contains("--output does not apply"), "{err}");
}

#[test]
fn help_has_examples_and_exit_status() {
    let out = cargo_bin_cmd!("cloudinit-gen")
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Examples:")
            && text.contains("Exit status:")
            && text.contains("SOURCE_DATE_EPOCH")
    );
}

#[test]
fn lint_passes_what_the_tool_generates() {
    let dir = tempfile::tempdir().unwrap();
    let (iso, _) = build_image("iso", "0", dir.path());
    let (vfat, _) = build_image("vfat", "0", dir.path());
    let seed_dir = dir.path().join("seed");
    run(
        &[
            "--out-dir",
            seed_dir.to_str().unwrap(),
            data("cp-0.json").to_str().unwrap(),
        ],
        None,
    );
    let (_, oci, _) = run(&["--oci", data("cp-0.json").to_str().unwrap()], None);
    let oci_path = dir.path().join("metadata.json");
    let metadata = json!({"user_data": oci[0]["user_data"], "ssh_authorized_keys": oci[0]["ssh_authorized_keys"]});
    fs::write(&oci_path, metadata.to_string()).unwrap();
    let paths = [iso, vfat, seed_dir, oci_path];
    let args: Vec<&str> = std::iter::once("lint")
        .chain(paths.iter().map(|p| p.to_str().unwrap()))
        .collect();
    let (code, recs, err) = run(&args, None);
    assert_eq!(code, 0, "{recs:?} {err}");
    assert_eq!(
        recs,
        [json!({"type": "summary", "sources": 4, "findings": 0})]
    );
}

#[test]
fn lint_reports_findings_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("user-data"), "users:\n  - name: ops\n").unwrap();
    fs::write(
        dir.path().join("network-config"),
        "network:\n  version: 2\n  ethernets:\n    eth0:\n      adresses: [10.0.0.2/24]\n",
    )
    .unwrap();
    let (code, recs, _) = run(&["lint", dir.path().to_str().unwrap()], None);
    assert_eq!(code, 1);
    let checks: Vec<_> = recs
        .iter()
        .filter(|r| r["type"] == "finding")
        .map(|r| r["check"].as_str().unwrap())
        .collect();
    assert_eq!(checks, ["file_missing", "unknown_key", "missing_header"]);
    assert_eq!(recs.last().unwrap()["findings"], 3);
}

#[test]
fn lint_of_an_unreadable_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.bin");
    fs::write(&junk, [0u8; 100]).unwrap();
    assert_refused(
        &["lint", junk.to_str().unwrap()],
        "",
        "not a seed directory, ISO 9660 or FAT image, or OCI metadata JSON",
    );
    let bad_json = dir.path().join("m.json");
    fs::write(&bad_json, "{\"user_data\": 5}").unwrap();
    assert_refused(
        &["lint", bad_json.to_str().unwrap()],
        "",
        "user_data: expected a base64 string",
    );
}

#[test]
fn lint_reads_cloud_localds_images() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/cloudinit/seed-images");
    if !fixtures.exists() {
        eprintln!("skipped: {} is absent", fixtures.display());
        return;
    }
    let iso = fixtures.join("cloud-localds-good-v2.iso");
    let vfat = fixtures.join("cloud-localds-good-v2.vfat");
    let (code, recs, err) = run(
        &["lint", iso.to_str().unwrap(), vfat.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{recs:?} {err}");
}

#[test]
fn lint_flags_an_iso_without_long_names() {
    if !have("genisoimage", &["-version"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    run(
        &["--out-dir", files.to_str().unwrap()],
        Some("{\"hostname\":\"a\"}"),
    );
    let iso = dir.path().join("plain.iso");
    check(Command::new("genisoimage").args([
        "-quiet",
        "-o",
        iso.to_str().unwrap(),
        "-V",
        "cidata",
        files.to_str().unwrap(),
    ]));
    let (code, recs, _) = run(&["lint", iso.to_str().unwrap()], None);
    assert_eq!(code, 1);
    let checks: Vec<_> = recs.iter().filter_map(|r| r["check"].as_str()).collect();
    assert_eq!(checks, ["iso_short_names", "file_missing", "file_missing"]);
}

#[test]
fn nocloud_datasource_reads_the_iso_and_vfat_seeds() {
    let Some(python) = cloudinit_python() else {
        return;
    };
    if !have("isoinfo", &["-version"]) || !have("mtype", &["-V"]) {
        return;
    }
    for kind in ["iso", "vfat"] {
        nocloud_datasource_reads(python, kind);
    }
}

/// Builds a seed image, copies its files out with isoinfo or mtools into a NoCloud seed
/// directory, and lets cloud-init's NoCloud datasource read them.
fn nocloud_datasource_reads(python: &str, kind: &str) {
    let dir = tempfile::tempdir().unwrap();
    let spec = json!({"hostname": "cp-0", "ssh_authorized_keys": [KEY], "users": [{"name": "ops"}],
                      "scripts": [{"name": "setup.sh", "content": "#!/bin/sh\necho ok\n"}],
                      "network": {"interfaces": [{"name": "eth0", "mac": "52:54:00:12:34:56", "dhcp4": true}]}});
    let image = dir.path().join(format!("seed.{kind}"));
    let (code, _, err) = run(
        &[&format!("--{kind}"), image.to_str().unwrap()],
        Some(&spec.to_string()),
    );
    assert_eq!(code, 0, "{err}");
    let seed_dir = dir.path().join("cloud/seed/nocloud");
    fs::create_dir_all(&seed_dir).unwrap();
    let img = image.to_str().unwrap();
    for name in ["user-data", "meta-data", "network-config"] {
        let out = if kind == "iso" {
            Command::new("isoinfo")
                .args(["-R", "-x", &format!("/{name}"), "-i", img])
                .output()
                .unwrap()
        } else {
            Command::new("mtype")
                .args(["-i", img, &format!("::{name}")])
                .output()
                .unwrap()
        };
        assert!(
            out.status.success() && !out.stdout.is_empty(),
            "{kind}: {name}"
        );
        fs::write(seed_dir.join(name), out.stdout).unwrap();
    }
    let script = include_str!("nocloud_read.py");
    let text = check(Command::new(python).args(["-c", script, dir.path().to_str().unwrap()]));
    let result: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(result["found"], true);
    assert_eq!(result["warnings"], json!([]), "cloud-init logged warnings");
    assert_eq!(result["meta"]["local-hostname"], "cp-0");
    assert!(
        result["meta"]["instance-id"]
            .as_str()
            .unwrap()
            .starts_with("iid-")
    );
    assert_eq!(
        result["network"]["config"][0]["mac_address"],
        "52:54:00:12:34:56"
    );
    assert_eq!(
        result["types"],
        json!(["text/cloud-config", "text/x-shellscript"])
    );
    assert_eq!(
        result["config"][0]["users"],
        json!(["default", {"name": "ops"}])
    );
    assert_eq!(result["config"][0]["ssh_authorized_keys"], json!([KEY]));
}

#[test]
fn tf_external_reads_the_spec_from_the_query() {
    let spec = fs::read_to_string(data("cp-0.json")).unwrap();
    let query = json!({"spec": spec});
    let (code, recs, err) = run(&["--tf-external"], Some(&query.to_string()));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        recs[0]["user_data"],
        fs::read_to_string(golden("cp-0/user-data"))
            .unwrap()
            .as_str()
    );
    let bad = json!({"spec": "{\"hostname\": \"-bad\"}"});
    assert_refused(
        &["--tf-external"],
        &bad.to_string(),
        "<stdin>: query.spec:1:1: hostname: not a valid host name",
    );
}

#[test]
fn lint_of_a_truncated_iso_reports_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let (iso, _) = build_image("iso", "0", dir.path());
    let bytes = fs::read(&iso).unwrap();
    let cut = dir.path().join("cut.iso");
    fs::write(&cut, &bytes[..20 * 2048]).unwrap();
    let (code, recs, err) = run(&["lint", cut.to_str().unwrap()], None);
    assert_eq!(code, 1, "{err}");
    let checks: Vec<_> = recs.iter().filter_map(|r| r["check"].as_str()).collect();
    assert_eq!(checks, ["file_missing", "file_missing"]);
}

fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/cloudinit");
    if dir.exists() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

#[test]
fn output_validates_against_the_upstream_schemas() {
    let Some(fixtures) = fixtures() else { return };
    let Some(python) = cloudinit_python() else {
        return;
    };
    let schemas = fixtures.join("schemas/upstream-26.2");
    let dir = tempfile::tempdir().unwrap();
    let mut jobs = Vec::new();
    for (i, spec) in [
        fs::read_to_string(data("cp-0.json")).unwrap(),
        network_spec(1).to_string(),
        network_spec(2).to_string(),
    ]
    .iter()
    .enumerate()
    {
        let (code, recs, _) = run(&[], Some(spec));
        assert_eq!(code, 0);
        for (name, schema) in [
            ("user-data", "schema-cloud-config-v1.json"),
            ("network-config", ""),
        ] {
            let path = dir.path().join(format!("{i}-{name}"));
            fs::write(&path, file_content(&recs, name)).unwrap();
            let schema = if schema.is_empty() {
                let version = if i == 2 { 2 } else { 1 };
                format!("schema-network-config-v{version}.json")
            } else {
                schema.to_string()
            };
            jobs.push((path, schemas.join(schema)));
        }
    }
    let script = r#"
import json, sys, yaml, jsonschema
for doc, schema in zip(sys.argv[1::2], sys.argv[2::2]):
    with open(schema) as f:
        s = json.load(f)
    with open(doc) as f:
        data = yaml.safe_load(f)
    cls = jsonschema.validators.validator_for(s)
    errors = [e.message for e in cls(s).iter_errors(data)]
    if errors:
        sys.exit(f"{doc}: {errors}")
print("ok")
"#;
    let mut cmd = Command::new(python);
    cmd.args(["-c", script]);
    for (doc, schema) in &jobs {
        cmd.args([doc, schema]);
    }
    check(&mut cmd);
}

#[test]
fn lint_flags_the_default_route_of_a_talos_test_input() {
    let Some(fixtures) = fixtures() else { return };
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("user-data"), "#cloud-config\n").unwrap();
    fs::copy(
        fixtures.join("talos-nocloud/metadata-nocloud.yaml"),
        dir.path().join("meta-data"),
    )
    .unwrap();
    fs::copy(
        fixtures.join("talos-nocloud/in-v2-cloud-init.yaml"),
        dir.path().join("network-config"),
    )
    .unwrap();
    let (code, recs, _) = run(&["lint", dir.path().to_str().unwrap()], None);
    assert_eq!(code, 1);
    let checks: Vec<_> = recs.iter().filter_map(|r| r["check"].as_str()).collect();
    assert!(checks.contains(&"route_default_misrendered"), "{recs:?}");
}

/// Lets cloud-init's first boot consume a seed folder and prints what it wrote (see the
/// script's header).
const CONSUME: &str = include_str!("nocloud_consume.py");

/// Writes `spec`'s seed into a NoCloud seed directory and lets cloud-init consume it.
fn consume(python: &str, spec: &Value, base: Option<&str>, strip_merge_headers: bool) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let seed_dir = dir.path().join("cloud/seed/nocloud");
    let (code, _, err) = run(
        &["--out-dir", seed_dir.to_str().unwrap()],
        Some(&spec.to_string()),
    );
    assert_eq!(code, 0, "{err}");
    if strip_merge_headers {
        let user_data = fs::read_to_string(seed_dir.join("user-data")).unwrap();
        let kept: Vec<&str> = user_data
            .split('\n')
            .filter(|l| !l.starts_with("X-Merge-Type:"))
            .collect();
        fs::write(seed_dir.join("user-data"), kept.join("\n")).unwrap();
    }
    consume_dir(python, dir.path(), base)
}

/// Lets cloud-init consume the seed in `<dir>/cloud/seed/nocloud` (see [`CONSUME`]).
fn consume_dir(python: &str, dir: &Path, base: Option<&str>) -> Value {
    let mut cmd = Command::new(python);
    cmd.args(["-c", CONSUME, dir.to_str().unwrap()]);
    if let Some(base) = base {
        cmd.arg(base);
    }
    let text = check(&mut cmd);
    let result: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(result["warnings"], json!([]), "cloud-init logged warnings");
    result
}

#[test]
fn cloud_init_merges_the_parts_and_writes_the_scripts() {
    let Some(python) = cloudinit_python() else {
        return;
    };
    let spec = json!({"hostname": "cp-0", "ssh_authorized_keys": [KEY], "users": [{"name": "ops"}],
        "packages": ["curl"], "runcmd": ["echo tool"],
        "scripts": [{"name": "10-setup.sh", "content": "#!/bin/sh\necho setup\n"},
                    {"name": "20-greet.sh", "content": "#!/bin/sh\necho 'grüß dich'\n"}]});
    let alone = consume(python, &spec, None, false);
    assert_eq!(
        alone["config"],
        json!({"hostname": "cp-0", "users": ["default", {"name": "ops"}],
               "ssh_authorized_keys": [KEY], "packages": ["curl"], "package_update": true,
               "runcmd": ["echo tool"]})
    );
    assert_eq!(
        alone["scripts"],
        json!({"10-setup.sh": {"content": "#!/bin/sh\necho setup\n", "mode": "0o700"},
               "20-greet.sh": {"content": "#!/bin/sh\necho 'grüß dich'\n", "mode": "0o700"}})
    );

    let base_key = KEY.replace("me@laptop", "base@ci");
    let base = format!(
        "#cloud-config\nruncmd: [echo base]\npackages: [htop]\nssh_authorized_keys: [{base_key}]\n"
    );
    let layered = consume(python, &spec, Some(&base), false);
    assert_eq!(
        layered["config"]["runcmd"],
        json!(["echo base", "echo tool"])
    );
    assert_eq!(layered["config"]["packages"], json!(["htop", "curl"]));
    assert_eq!(
        layered["config"]["ssh_authorized_keys"],
        json!([base_key, KEY])
    );
    assert_eq!(layered["scripts"], alone["scripts"]);

    let unmerged = consume(python, &spec, Some(&base), true);
    assert_eq!(
        unmerged["config"]["runcmd"],
        json!(["echo tool"]),
        "without merge headers the later part replaces the lists: the trap the headers avoid"
    );
    assert_eq!(unmerged["config"]["ssh_authorized_keys"], json!([KEY]));
}

/// Lets cloud-init's `write_files` module write the files of a cloud-config, owned by the
/// current user (the module's default owner is root).
const WRITE_FILES: &str = r#"
import grp, os, pwd, sys
from cloudinit import util
from cloudinit.config import cc_write_files
with open(sys.argv[1]) as f:
    cfg = util.load_yaml(f.read())
owner = pwd.getpwuid(os.getuid()).pw_name + ":" + grp.getgrgid(os.getgid()).gr_name
cc_write_files.write_files("write_files", cfg["write_files"], owner)
"#;

#[test]
fn binary_files_are_written_byte_for_byte_by_cloud_init() {
    use base64::Engine as _;
    use std::io::Write as _;
    let Some(python) = cloudinit_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let wrapped: Vec<String> = b64
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).unwrap();
    let gz_b64 = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let text = "grüß\n\ttab: yes\n";
    let spec = json!({"hostname": "a", "write_files": [
        {"path": path("blob.bin"), "content": b64, "encoding": "base64", "permissions": "0600"},
        {"path": path("wrapped.bin"), "content": wrapped.join("\n"), "encoding": "base64"},
        {"path": path("blob.gz.bin"), "content": gz_b64, "encoding": "gzip+base64"},
        {"path": path("text.txt"), "content": text}]});
    let user_data = dir.path().join("user-data");
    fs::write(&user_data, seed_file(&spec, "user-data")).unwrap();
    check(Command::new(python).args(["-c", WRITE_FILES, user_data.to_str().unwrap()]));
    for name in ["blob.bin", "wrapped.bin", "blob.gz.bin"] {
        assert_eq!(fs::read(path(name)).unwrap(), bytes, "{name}");
    }
    assert_eq!(fs::read_to_string(path("text.txt")).unwrap(), text);
    let mode = fs::metadata(path("blob.bin")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    let bad = json!({"hostname": "a", "write_files": [{"path": "/x", "content": "grüß", "encoding": "base64"}]});
    assert_refused(&[], &bad.to_string(), "write_files[0].content: not base64");
}

/// Moves the Rock Ridge `NM` entry of the root record `iso_name` into the continuation sector
/// (at byte 1024 of sector 30, after the `ER` entry) and leaves a `CE` entry pointing there,
/// as writers do when a record's System Use area is full.
fn move_name_to_continuation(image: &mut [u8], iso_name: &[u8]) {
    const SECTOR: usize = 2048;
    let root = 28 * SECTOR;
    let mut records = Vec::new();
    let mut at = root;
    while image[at] != 0 {
        let len = image[at] as usize;
        records.push(image[at..at + len].to_vec());
        at += len;
    }
    let record = records
        .iter_mut()
        .find(|r| &r[33..33 + r[32] as usize] == iso_name)
        .unwrap();
    let nm = record.windows(2).position(|w| w == b"NM").unwrap();
    let nm_len = record[nm + 2] as usize;
    let entry: Vec<u8> = record[nm..nm + nm_len].to_vec();
    let both = |v: u32| [v.to_le_bytes(), v.to_be_bytes()].concat();
    let mut ce = vec![b'C', b'E', 28, 1];
    ce.extend([both(30), both(1024), both(nm_len as u32)].concat());
    let mut rebuilt = record[..nm].to_vec();
    rebuilt.extend(&ce);
    rebuilt.extend(&record[nm + nm_len..]);
    if rebuilt.len() % 2 == 1 {
        rebuilt.push(0);
    }
    rebuilt[0] = rebuilt.len() as u8;
    *record = rebuilt;
    let joined = records.concat();
    image[root..root + SECTOR].fill(0);
    image[root..root + joined.len()].copy_from_slice(&joined);
    image[30 * SECTOR + 1024..30 * SECTOR + 1024 + nm_len].copy_from_slice(&entry);
}

#[test]
fn rock_ridge_names_in_a_continuation_area_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let (iso, _) = build_image("iso", "0", dir.path());
    let mut image = fs::read(&iso).unwrap();
    move_name_to_continuation(&mut image, b"USER_DAT.;1");
    let moved = dir.path().join("moved.iso");
    fs::write(&moved, &image).unwrap();
    let path = moved.to_str().unwrap();
    if have("isoinfo", &["-version"]) {
        let out = Command::new("isoinfo")
            .args(["-R", "-x", "/user-data", "-i", path])
            .output()
            .unwrap();
        assert_eq!(
            out.stdout,
            fs::read(golden("cp-0/user-data")).unwrap(),
            "isoinfo reads the name through the CE entry: the image is well formed"
        );
    }
    let (code, recs, err) = run(&["lint", path], None);
    assert_eq!(code, 0, "{recs:?} {err}");
    assert_eq!(
        recs,
        [json!({"type": "summary", "sources": 1, "findings": 0})]
    );
}

/// `cloud-localds` (Debian package cloud-image-utils), the seed maker this tool replaces.
fn cloud_localds() -> bool {
    let ok = Command::new("cloud-localds")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: cloud-localds is not installed (Debian package cloud-image-utils)");
    }
    ok
}

#[test]
fn images_match_what_cloud_localds_makes_from_the_same_files() {
    if !cloud_localds() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    run(
        &[
            "--out-dir",
            files.to_str().unwrap(),
            data("cp-0.json").to_str().unwrap(),
        ],
        None,
    );
    let (ours_iso, _) = build_image("iso", "1700000000", dir.path());
    let (ours_vfat, _) = build_image("vfat", "1700000000", dir.path());
    let theirs_iso = dir.path().join("theirs.iso");
    let theirs_vfat = dir.path().join("theirs.vfat");
    for (format, out) in [("iso", &theirs_iso), ("vfat", &theirs_vfat)] {
        check(
            Command::new("cloud-localds")
                .current_dir(&files)
                .args(["-f", format, "-N", "network-config"])
                .arg(out)
                .args(["user-data", "meta-data"]),
        );
    }
    let ours = fs::read(&ours_iso).unwrap();
    let theirs = fs::read(&theirs_iso).unwrap();
    assert_eq!(iso_layout(&ours), iso_layout(&theirs), "sector map");
    assert_eq!(ours.len(), theirs.len(), "image size");
    for (at, what) in [
        (16 * 2048 + 40, "volume id"),
        (17 * 2048 + 88, "Joliet escape"),
    ] {
        assert_eq!(ours[at..at + 32], theirs[at..at + 32], "{what}");
    }
    let (code, recs, err) = run(
        &[
            "lint",
            theirs_iso.to_str().unwrap(),
            theirs_vfat.to_str().unwrap(),
            ours_iso.to_str().unwrap(),
            ours_vfat.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{recs:?} {err}");
    if have("blkid", &["-V"]) {
        let probe = |p: &Path| {
            let text = check(
                Command::new("blkid")
                    .args(["-p", "-s", "TYPE", "-s", "LABEL"])
                    .arg(p),
            );
            text.split_once(':').unwrap().1.trim().to_string()
        };
        assert_eq!(probe(&ours_iso), probe(&theirs_iso));
        assert_eq!(probe(&ours_vfat), probe(&theirs_vfat));
    }
    if have("isoinfo", &["-version"]) && have("mtype", &["-V"]) {
        for name in ["user-data", "meta-data", "network-config"] {
            let expected = fs::read(files.join(name)).unwrap();
            for (mode, image) in [
                ("-R", &theirs_iso),
                ("-J", &theirs_iso),
                ("-R", &ours_iso),
                ("-J", &ours_iso),
            ] {
                let out = Command::new("isoinfo")
                    .args([mode, "-x", &format!("/{name}"), "-i"])
                    .arg(image)
                    .output()
                    .unwrap();
                assert_eq!(out.stdout, expected, "{mode} {name} of {}", image.display());
            }
            for image in [&theirs_vfat, &ours_vfat] {
                let out = Command::new("mtype")
                    .args(["-i", image.to_str().unwrap(), &format!("::{name}")])
                    .output()
                    .unwrap();
                assert_eq!(out.stdout, expected, "{name} of {}", image.display());
            }
        }
    }
}

/// Writes `user_data` and a meta-data into a fresh seed directory.
fn seed_dir(user_data: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("user-data"), user_data).unwrap();
    fs::write(dir.path().join("meta-data"), "instance-id: i-1\n").unwrap();
    dir
}

/// A root for cloud-init's first boot holding the seed directory `cloud/seed/nocloud` with
/// this user-data and a meta-data; returns the root and the seed directory.
fn first_boot_root(user_data: &str) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let seed = root.path().join("cloud/seed/nocloud");
    fs::create_dir_all(&seed).unwrap();
    fs::write(seed.join("user-data"), user_data).unwrap();
    fs::write(seed.join("meta-data"), "instance-id: i-1\n").unwrap();
    (root, seed)
}

/// The `check` names of the findings `lint` reports for a seed directory.
fn lint_checks(dir: &Path) -> Vec<String> {
    let (_, recs, err) = run(&["lint", dir.to_str().unwrap()], None);
    assert!(recs.last().is_some_and(|r| r["type"] == "summary"), "{err}");
    recs.iter()
        .filter(|r| r["type"] == "finding")
        .map(|r| r["check"].as_str().unwrap().to_string())
        .collect()
}

/// Asserts that `cloud-init schema` calls the file valid (skips when it is not installed).
fn schema_valid(path: &Path) {
    if !have("cloud-init", &["--version"]) {
        return;
    }
    let text =
        check(Command::new("cloud-init").args(["schema", "--config-file", path.to_str().unwrap()]));
    assert!(text.contains("Valid cloud-config"), "{text}");
}

/// Asserts that `cloud-init schema` refuses the file and returns what it said; `None` (the
/// reason printed) when cloud-init is not installed.
fn schema_refusal(path: &Path) -> Option<String> {
    if !have("cloud-init", &["--version"]) {
        return None;
    }
    let schema = Command::new("cloud-init")
        .args(["schema", "--config-file"])
        .arg(path)
        .output()
        .unwrap();
    assert!(!schema.status.success(), "cloud-init schema accepted it");
    Some(String::from_utf8_lossy(&schema.stderr).into_owned())
}

/// The `check` names of the findings `lint` reports for a seed with this network-config
/// beside an empty cloud-config.
fn network_lint_checks(network_config: &str) -> Vec<String> {
    let dir = seed_dir("#cloud-config\n");
    fs::write(dir.path().join("network-config"), network_config).unwrap();
    lint_checks(dir.path())
}

/// Lints `user_data` as a first-boot seed, expecting `checks`; where cloud-init is installed,
/// asserts whether `users`, as cloud-init merges the parts, keeps `default`.
fn assert_lint_and_merged_default(user_data: &str, checks: &[&str], keeps_default: bool) {
    let (root, seed) = first_boot_root(user_data);
    assert_eq!(lint_checks(&seed), checks, "{user_data}");
    let Some(python) = cloudinit_python() else {
        return;
    };
    let merged = consume_dir(python, root.path(), None);
    let users = merged["config"]["users"].as_array().unwrap();
    assert_eq!(users.contains(&json!("default")), keeps_default, "{merged}");
}

#[test]
fn files_owned_by_created_users_are_deferred() {
    let spec = json!({"hostname": "h", "users": [{"name": "ops", "groups": ["web"]}],
        "write_files": [
            {"path": "/home/ops/.bashrc", "content": "x\n", "owner": "ops:ops"},
            {"path": "/srv/www", "content": "x\n", "owner": "root:web"},
            {"path": "/etc/motd", "content": "x\n", "owner": "root:root"},
            {"path": "/etc/late", "content": "x\n", "defer": true}]});
    let user_data = seed_file(&spec, "user-data");
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&user_data).unwrap();
    let deferred: Vec<Option<bool>> = (0..4)
        .map(|i| doc["write_files"][i].get("defer").and_then(|d| d.as_bool()))
        .collect();
    assert_eq!(deferred, [Some(true), Some(true), None, Some(true)]);
    let dir = seed_dir(&user_data);
    schema_valid(&dir.path().join("user-data"));
    assert!(lint_checks(dir.path()).is_empty());

    fs::write(
        dir.path().join("user-data"),
        user_data.replace("    defer: true\n", ""),
    )
    .unwrap();
    assert_eq!(
        lint_checks(dir.path()),
        [
            "write_files_owner_not_yet_created",
            "write_files_owner_not_yet_created"
        ]
    );

    let mut refused = spec.clone();
    refused["write_files"][0]["defer"] = json!(false);
    assert_refused(
        &[],
        &refused.to_string(),
        "write_files[0].defer: the owner is created",
    );
}

#[test]
fn numeric_permissions_are_flagged_and_generated_ones_are_strings() {
    let dir =
        seed_dir("#cloud-config\nwrite_files:\n  - {path: /a, content: x, permissions: 644}\n");
    assert_eq!(lint_checks(dir.path()), ["write_files_permissions"]);
    schema_refusal(&dir.path().join("user-data"));
    let spec = json!({"hostname": "h", "write_files": [
        {"path": "/a", "content": "x", "permissions": "644"},
        {"path": "/b", "content": "x", "permissions": "0600"}]});
    let user_data = seed_file(&spec, "user-data");
    assert!(user_data.contains("permissions: \"644\"\n"), "{user_data}");
    assert!(user_data.contains("permissions: \"0600\"\n"), "{user_data}");
    let dir = seed_dir(&user_data);
    schema_valid(&dir.path().join("user-data"));
    assert!(lint_checks(dir.path()).is_empty());
}

/// Renders a network-config with each of cloud-init's renderers: whether every renderer
/// succeeded, and the networkd unit of eth0 (empty when networkd failed).
fn render_network_config(text: &str) -> (bool, String) {
    let (dir, outputs) = net_convert(text);
    let all_ok = outputs.iter().all(|(_, output)| output.status.success());
    let unit = dir
        .path()
        .join("networkd/etc/systemd/network/10-cloud-init-eth0.network");
    (all_ok, fs::read_to_string(unit).unwrap_or_default())
}

#[test]
fn default_route_verdicts_match_what_cloud_init_renders() {
    if !have("cloud-init", &["--version"]) {
        return;
    }
    let v2 = |to: &str, via: &str| {
        format!(
            "version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.2/24, 'fd00::2/64']\n    routes: [{{to: '{to}', via: '{via}'}}]\n"
        )
    };
    let v1 = "version: 1\nconfig:\n- type: physical\n  name: eth0\n  subnets:\n  - type: static\n    address: 10.0.0.2/24\n    routes: [{destination: 0.0.0.0/0, gateway: 10.0.0.1}]\n  - type: static6\n    address: 'fd00::2/64'\n    routes: [{destination: '::/0', gateway: 'fd00::1'}]\n";
    for doc in [
        v1.to_string(),
        v2("0.0.0.0/0", "10.0.0.1"),
        v2("::/0", "fd00::1"),
        v2("default", "10.0.0.1"),
    ] {
        let (rendered, unit) = render_network_config(&doc);
        let misrendered = !rendered || unit.contains("Destination=::/64");
        let flagged = network_lint_checks(&doc).contains(&"route_default_misrendered".to_string());
        assert_eq!(flagged, misrendered, "{doc}{unit}");
    }
    for (version, to, via) in [
        (1, "0.0.0.0/0", "10.0.0.1"),
        (1, "::/0", "fd00::1"),
        (2, "0.0.0.0/0", "10.0.0.1"),
    ] {
        let spec = json!({"hostname": "n", "network": {"version": version, "interfaces": [
            {"name": "eth0", "addresses": ["10.0.0.2/24", "fd00::2/64"], "routes": [{"to": to, "via": via}]}]}});
        let dir = net_convert_all(&spec);
        let unit = fs::read_to_string(
            dir.path()
                .join("networkd/etc/systemd/network/10-cloud-init-eth0.network"),
        )
        .unwrap();
        let route = format!("Destination={to}\n\nGateway={via}\n");
        assert!(unit.replace("\n\n\n", "\n\n").contains(&route), "{unit}");
    }
    let refused = json!({"hostname": "n", "network": {"version": 2, "interfaces": [
        {"name": "eth0", "addresses": ["fd00::2/64"], "routes": [{"to": "::/0", "via": "fd00::1"}]}]}});
    assert_refused(
        &[],
        &refused.to_string(),
        "network.interfaces[0].routes[0].to: cloud-init 22.4 renders",
    );
}

#[test]
fn routes_go_to_the_subnet_that_reaches_their_gateway() {
    let spec = json!({"hostname": "n", "network": {"interfaces": [
        {"name": "eth0", "addresses": ["10.0.0.2/24", "10.1.0.2/24"], "gateway4": "10.0.0.1",
         "routes": [{"to": "10.20.0.0/16", "via": "10.1.0.254"}, {"to": "10.30.0.0/16", "via": "10.0.0.254"}]}]}});
    let doc: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&seed_file(&spec, "network-config")).unwrap();
    let subnets = &doc["config"][0]["subnets"];
    assert_eq!(subnets[0]["routes"][0]["destination"], "10.30.0.0/16");
    assert_eq!(subnets[1]["routes"][0]["destination"], "10.20.0.0/16");
    for (to, problem) in [
        (
            "10.20.0.5/16",
            "routes[0].to: host bits are set; the network is 10.20.0.0/16",
        ),
        ("10.20.0.0/016", "routes[0].to: not a network"),
    ] {
        let mut bad = spec.clone();
        bad["network"]["interfaces"][0]["routes"][0]["to"] = json!(to);
        assert_refused(
            &[],
            &bad.to_string(),
            &format!("network.interfaces[0].{problem}"),
        );
    }
    if have("cloud-init", &["--version"]) {
        let dir = net_convert_all(&spec);
        let eni = fs::read_to_string(
            dir.path()
                .join("eni/etc/network/interfaces.d/50-cloud-init"),
        )
        .unwrap();
        let second = eni.split("# control-alias eth0").nth(1).unwrap_or_default();
        assert!(
            second.contains("10.20.0.0") && second.contains("10.1.0.254"),
            "{eni}"
        );
    }
}

#[test]
fn lint_flags_tabs_that_cloud_init_refuses() {
    let dir = seed_dir("#cloud-config\nusers: [default]\nruncmd:\n  - echo\tb\n");
    assert_eq!(lint_checks(dir.path()), ["yaml_invalid"]);
    let quoted = seed_dir("#cloud-config\nusers: [default]\nruncmd:\n  - \"echo\tb\" # x\t\n");
    assert!(lint_checks(quoted.path()).is_empty());
    schema_refusal(&dir.path().join("user-data"));
    schema_valid(&quoted.path().join("user-data"));
}

#[test]
fn lint_judges_users_on_the_parts_as_cloud_init_merges_them() {
    let rule = "merge_how:\n  - name: list\n    settings: [append]\n  - name: dict\n    settings: [no_replace, recurse_list]\n";
    let mime = |second_rule: &str| {
        format!(
            "Content-Type: multipart/mixed; boundary=\"XX\"\nMIME-Version: 1.0\n\n--XX\nContent-Type: text/cloud-config\n\n#cloud-config\n{rule}users:\n  - default\n  - name: a\n--XX\nContent-Type: text/cloud-config\n\n#cloud-config\n{second_rule}users:\n  - name: b\n--XX--\n"
        )
    };
    for (second_rule, expected) in [
        (rule, vec![]),
        ("", vec!["merge_header_missing", "default_user_dropped"]),
    ] {
        assert_lint_and_merged_default(&mime(second_rule), &expected, expected.is_empty());
    }
}

#[test]
fn crlf_scripts_are_refused() {
    let spec = json!({"hostname": "h", "scripts": [{"name": "a.sh", "content": "#!/bin/sh\r\necho hi\r\n"}]});
    assert_refused(
        &[],
        &spec.to_string(),
        "scripts[0].content: CRLF line endings",
    );
}

/// Whether `netplan generate` accepts a version 2 network-config.
fn netplan_accepts(config: &str) -> bool {
    netplan_generate(config).1.status.success()
}

#[test]
fn lint_checks_network_values_that_the_renderers_refuse() {
    let v2 = |device: &str| format!("version: 2\nethernets:\n  eth0:\n    {device}\n");
    let v1 = "version: 1\nconfig:\n- type: physical\n  name: eth0\n  subnets:\n  - {type: static, address: 10.0.0.300/24}\n";
    let cases = [
        (v2("dhcp4: maybe"), "network_config_value"),
        (v2("addresses: [10.0.0.2]"), "network_config_value"),
        (v2("adresses: [10.0.0.2/24]"), "unknown_key"),
        (v1.to_string(), "network_config_value"),
    ];
    for (doc, check) in &cases {
        assert_eq!(network_lint_checks(doc), [*check], "{doc}");
    }
    for version in [1, 2] {
        let config = seed_file(&network_spec(version), "network-config");
        assert!(network_lint_checks(&config).is_empty(), "version {version}");
    }
    if have("netplan", &["info"]) {
        for (doc, _) in &cases[..3] {
            assert!(!netplan_accepts(doc), "netplan accepted {doc}");
        }
        assert!(netplan_accepts(&v2("dhcp4: yes")));
    }
    if have("cloud-init", &["--version"]) {
        assert!(!render_network_config(v1).0, "cloud-init rendered {v1}");
    }
}

#[test]
fn out_dir_holds_exactly_the_new_seed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("seed");
    let spec = data("cp-0.json");
    let (code, _, _) = run(
        &["--out-dir", out.to_str().unwrap(), spec.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0);
    assert!(out.join("network-config").exists());
    fs::write(out.join("vendor-data"), "#cloud-config\n").unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let (code, _, err) = run(
        &["--out-dir", out.to_str().unwrap()],
        Some("{\"hostname\":\"a\"}"),
    );
    assert_eq!(code, 0, "{err}");
    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["meta-data", "notes.txt", "user-data"]);
}

#[test]
fn oci_metadata_keys_are_the_default_users_only() {
    let ops_key = KEY.replace("me@laptop", "ops@laptop");
    let spec = json!({"hostname": "a", "ssh_authorized_keys": [KEY],
        "users": [{"name": "ops", "ssh_authorized_keys": [ops_key]}]});
    let (code, recs, _) = run(&["--oci"], Some(&spec.to_string()));
    assert_eq!(code, 0);
    assert_eq!(recs[0]["ssh_authorized_keys"], KEY);
    let (_, map, _) = run(&["--tf-external"], Some(&spec.to_string()));
    assert_eq!(map[0]["ssh_authorized_keys"], KEY);

    let no_default = json!({"hostname": "a", "default_user": false,
        "users": [{"name": "ops", "ssh_authorized_keys": [ops_key]}]});
    let (code, recs, _) = run(&["--oci"], Some(&no_default.to_string()));
    assert_eq!(code, 0);
    assert_eq!(recs[0]["ssh_authorized_keys"], "");
    let counted = json!({"user_data": recs[0]["user_data"]}).to_string();
    assert_eq!(recs[0]["metadata_bytes"], counted.len());
}

#[test]
fn multi_document_talos_configs_are_accepted() {
    let config = "version: v1alpha1\nmachine:\n  type: controlplane\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nhostname: cp-0\n";
    let spec = json!({"hostname": "cp-0", "talos_machine_config": config});
    assert_eq!(seed_file(&spec, "user-data"), config);
    let dir = seed_dir(config);
    assert!(lint_checks(dir.path()).is_empty());
    let bad = json!({"hostname": "cp-0", "talos_machine_config": "version: v1alpha1\n---\n[x\n"});
    assert_refused(
        &[],
        &bad.to_string(),
        "talos_machine_config: document 2: not YAML",
    );
}

#[test]
fn strings_yaml_would_change_are_refused_with_their_field_path() {
    let spec = "{\"hostname\": \"h\",\n \"runcmd\": [\"ok\", \"x\\u2028y\"]}";
    assert_refused(
        &[],
        spec,
        "<stdin>:1:1: runcmd[1]: holds the character U+2028",
    );
}

#[test]
fn output_paths_and_storage_ids_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let iso = dir.path().join("missing/seed.iso");
    assert_refused(
        &["--iso", iso.to_str().unwrap()],
        "{\"hostname\":\"a\"}",
        "missing: no such directory",
    );
    assert!(!dir.path().join("missing").exists());
    let snippets = dir.path().to_str().unwrap();
    for storage in ["my store", "Local", "x"] {
        let args = ["--proxmox-snippets", snippets, "--proxmox-storage", storage];
        assert_refused(&args, "{\"hostname\":\"a\"}", "not a Proxmox storage ID");
    }
    assert_refused(
        &[],
        "[{\"hostname\":\"a\"}]",
        "<stdin>:1:1: expected a JSON object (one spec per machine), found an array",
    );
}

#[test]
fn cloud_config_archives_are_checked_as_cloud_init_merges_them() {
    let archive = |merge: &str| {
        format!(
            "#cloud-config-archive\n- content: \"#cloud-config\\nusers: [default, {{name: a}}]\\n\"\n- content: \"#cloud-config\\nusers: [{{name: b}}]\\n\"\n{merge}"
        )
    };
    for (merge, expected) in [
        (
            "  X-Merge-Type: list(append)+dict(no_replace,recurse_list)+str()\n",
            vec!["merge_header_missing"],
        ),
        ("", vec!["merge_header_missing", "default_user_dropped"]),
    ] {
        assert_lint_and_merged_default(&archive(merge), &expected, !merge.is_empty());
    }
}
