//! Runs the `talos-wait` binary against servers on 127.0.0.1 started by the tests.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin_cmd;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use support::cluster::{Script, ScriptNode, TOKEN};
use support::pki::{self, Ca, ECDSA, ED25519, Leaf};
use support::server::{self, Phases};
use support::{summary, write};

const FAST: [&str; 6] = [
    "--interval",
    "50ms",
    "--max-interval",
    "200ms",
    "--attempt-timeout",
    "2s",
];

/// talos-wait with short intervals, so that tests against loopback servers finish quickly.
fn fast() -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("talos-wait");
    cmd.args(FAST);
    cmd
}

/// talos-wait with the fast test timings, waiting up to 20 s for the apiserver of `kubeconfig`.
fn apiserver_within_20s(kubeconfig: &str) -> assert_cmd::Command {
    let mut cmd = fast();
    cmd.args([
        "--kubeconfig",
        kubeconfig,
        "--until",
        "apiserver",
        "--timeout",
        "20s",
    ]);
    cmd
}

/// Runs the command and checks its exit code, showing what it printed when the code is wrong.
fn exits(cmd: &mut assert_cmd::Command, code: i32) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The error of a talos-wait run that gives up on the apid check of this talosconfig.
fn apid_not_ready(talosconfig: &str) -> String {
    let out = exits(
        fast().args([
            "--talosconfig",
            talosconfig,
            "--until",
            "apid",
            "--timeout",
            "400ms",
        ]),
        1,
    );
    support::first_error(&support::records(&out.stdout))
}

fn b64(text: &str) -> String {
    STANDARD.encode(text)
}

/// A kubeconfig for a server on 127.0.0.1:`port` trusting `ca`, with the given `user:` block.
fn kubeconfig(port: u16, ca: &str, user: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: admin@test\nclusters:\n- name: test\n  cluster:\n    server: https://127.0.0.1:{port}\n    certificate-authority-data: {}\ncontexts:\n- name: admin@test\n  context:\n    cluster: test\n    namespace: default\n    user: admin@test\nusers:\n- name: admin@test\n{user}",
        b64(ca)
    )
}

fn cert_user(leaf: &Leaf) -> String {
    format!(
        "  user:\n    client-certificate-data: {}\n    client-key-data: {}\n",
        b64(&leaf.cert),
        b64(&leaf.key)
    )
}

/// A Kubernetes API server with the test CA (ECDSA, like the Kubernetes CA of a Talos cluster).
struct Api {
    ca: Ca,
    port: u16,
}

fn api(phases: Phases, script: Script) -> Api {
    let ca = Ca::new(&ECDSA, "kubernetes");
    let config = server::config(
        &ca.server(&ECDSA, "kube-apiserver"),
        Some(&ca.pem()),
        false,
        &[b"http/1.1"],
    );
    let port = server::https(config, phases, script.handler());
    Api { ca, port }
}

fn events<'a>(records: &'a [Value], check: &str) -> Vec<&'a Value> {
    records
        .iter()
        .filter(|r| r["type"] == "event" && r["check"] == check)
        .collect()
}

fn details(records: &[Value], check: &str) -> String {
    events(records, check)
        .iter()
        .map(|e| e["detail"].as_str().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn waits_through_refused_reset_500_and_registration_to_ready() {
    let phases = Phases {
        listen_after: Duration::from_millis(400),
        reset_until: Duration::from_millis(900),
    };
    let mut script = Script::small(Duration::from_millis(1800));
    script.readyz_after = Duration::from_millis(1300);
    let cluster = api(phases, script);
    let config = kubeconfig(
        cluster.port,
        &cluster.ca.pem(),
        &cert_user(&cluster.ca.client(&ECDSA, "admin")),
    );
    let out = exits(
        fast()
            .args([
                "--kubeconfig",
                "-",
                "--control-planes",
                "1",
                "--workers",
                "1",
                "--nodes",
                "10.5.0.2,10.5.0.3",
                "--timeout",
                "30s",
            ])
            .write_stdin(config),
        0,
    );
    assert!(
        out.stderr.is_empty(),
        "no live status when stderr is not a terminal"
    );
    let records = support::records(&out.stdout);
    let apiserver = details(&records, "apiserver");
    assert!(apiserver.contains("connection refused"), "{apiserver}");
    assert!(
        apiserver.contains("connection reset") || apiserver.contains("connection closed early"),
        "{apiserver}"
    );
    assert!(
        apiserver.contains("readyz: HTTP 500: [-]etcd failed: reason withheld"),
        "{apiserver}"
    );
    assert!(apiserver.contains("readyz ok; v1.32.4"), "{apiserver}");
    assert!(details(&records, "nodes").contains("no nodes registered yet"));
    let ready = details(&records, "nodes_ready");
    assert!(
        ready.contains("cni plugin not initialized") || ready.starts_with("2/2"),
        "{ready}"
    );
    let last = summary(&records);
    assert_eq!(last["status"], "ready");
    assert_eq!(last["checks_total"], 8);
    assert_eq!(last["checks_passed"], 8);
    assert_eq!(last["not_passed"], serde_json::json!([]));
    for event in records.iter().filter(|r| r["type"] == "event") {
        assert!(event["ts"].as_str().unwrap().ends_with('Z'));
        assert!(event["elapsed_ms"].is_u64() && event["attempt"].is_u64());
        assert!(["pending", "passed", "failed"].contains(&event["status"].as_str().unwrap()));
        assert_eq!(
            event["target"],
            format!("https://127.0.0.1:{}", cluster.port)
        );
    }
}

#[test]
fn without_credentials_the_deadline_reports_the_401() {
    let cluster = api(Phases::default(), Script::small(Duration::ZERO));
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "kubeconfig",
        &kubeconfig(cluster.port, &cluster.ca.pem(), "  user: {}\n"),
    );
    let out = exits(fast().args(["--kubeconfig", &path, "--timeout", "1s"]), 1);
    let records = support::records(&out.stdout);
    let last = summary(&records);
    assert_eq!(last["status"], "not_ready");
    assert_eq!(last["checks_passed"], 0);
    let first = &last["not_passed"][0];
    assert_eq!(first["check"], "apiserver");
    assert_eq!(first["status"], "failed");
    assert_eq!(first["last_error"], "readyz: HTTP 401: Unauthorized");
    assert_eq!(last["not_passed"][7]["last_error"], "not attempted yet");
}

#[test]
fn tokens_and_exec_plugins_authenticate_and_never_show() {
    let cluster = api(Phases::default(), Script::small(Duration::ZERO));
    let dir = tempfile::tempdir().unwrap();
    let token_user = format!("  user:\n    token: {TOKEN}\n");
    let path = write(
        dir.path(),
        "token",
        &kubeconfig(cluster.port, &cluster.ca.pem(), &token_user),
    );
    let out = exits(
        fast().args([
            "--kubeconfig",
            &path,
            "--until",
            "nodes",
            "--timeout",
            "20s",
        ]),
        0,
    );
    assert_eq!(summary(&support::records(&out.stdout))["checks_passed"], 2);

    write(
        dir.path(),
        "plugin.sh",
        &format!(
            "printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{TOKEN}\"}}}}'\n"
        ),
    );
    let exec_user = "  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: sh\n      args: [plugin.sh]\n      interactiveMode: Never\n";
    let path = write(
        dir.path(),
        "exec",
        &kubeconfig(cluster.port, &cluster.ca.pem(), exec_user),
    );
    exits(apiserver_within_20s(&path).current_dir(dir.path()), 0);

    let client = cluster.ca.client(&ED25519, "exec-admin");
    let credential = serde_json::json!({
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": {"clientCertificateData": client.cert, "clientKeyData": client.key, "expirationTimestamp": "2099-01-01T00:00:00Z"}
    });
    write(dir.path(), "credential.json", &credential.to_string());
    let exec_cert = exec_user
        .replace("args: [plugin.sh]", "args: [credential.json]")
        .replace("command: sh", "command: cat");
    let path = write(
        dir.path(),
        "exec-cert",
        &kubeconfig(cluster.port, &cluster.ca.pem(), &exec_cert),
    );
    // A client certificate from an exec plugin.
    exits(apiserver_within_20s(&path).current_dir(dir.path()), 0);

    let basic = "  user:\n    username: admin\n    password: s3cret-pw\n";
    let path = write(
        dir.path(),
        "basic",
        &kubeconfig(cluster.port, &cluster.ca.pem(), basic),
    );
    exits(&mut apiserver_within_20s(&path), 0);

    let wrong = format!("  user:\n    token: not-{TOKEN}\n");
    let path = write(
        dir.path(),
        "wrong",
        &kubeconfig(cluster.port, &cluster.ca.pem(), &wrong),
    );
    let out = exits(
        fast().args(["--kubeconfig", &path, "--timeout", "500ms"]),
        1,
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(TOKEN), "the token never appears");
}

#[test]
fn ed25519_client_certificates_from_files_and_the_kubelet_level() {
    let ca = Ca::new(&ED25519, "kubernetes");
    let script = Script {
        readyz_after: Duration::ZERO,
        nodes: vec![ScriptNode {
            name: "cp-1",
            ip: "10.5.0.2",
            control_plane: true,
            registered_at: Duration::ZERO,
            ready_at: None,
        }],
    };
    let port = server::https(
        server::config(&ca.server(&ED25519, "api"), Some(&ca.pem()), false, &[]),
        Phases::default(),
        script.handler(),
    );
    let dir = tempfile::tempdir().unwrap();
    let client = ca.client(&ED25519, "admin");
    write(dir.path(), "admin.crt", &client.cert);
    write(dir.path(), "admin.key", &client.key);
    let user = "  user:\n    client-certificate: admin.crt\n    client-key: admin.key\n";
    let path = write(dir.path(), "kubeconfig", &kubeconfig(port, &ca.pem(), user));
    let out = exits(
        fast().args([
            "--kubeconfig",
            &path,
            "--until",
            "kubelet",
            "--timeout",
            "20s",
        ]),
        0,
    );
    assert_eq!(
        details(&support::records(&out.stdout), "kubelet")
            .lines()
            .last(),
        Some("1/1 kubelets posting status")
    );

    let out = exits(
        fast()
            .env("KUBECONFIG", format!("/nonexistent/config:{path}"))
            .args(["--timeout", "700ms"]),
        1,
    );
    let records = support::records(&out.stdout);
    let not_passed = &summary(&records)["not_passed"][0];
    assert_eq!(not_passed["check"], "nodes_ready");
    assert!(
        not_passed["last_error"]
            .as_str()
            .unwrap()
            .starts_with("0/1 nodes Ready; cp-1: Ready=False (container runtime network not ready")
    );
}

#[test]
fn a_server_certificate_from_another_ca_is_a_failed_attempt() {
    let cluster = api(Phases::default(), Script::small(Duration::ZERO));
    let other = Ca::new(&ECDSA, "other");
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "kubeconfig",
        &kubeconfig(
            cluster.port,
            &other.pem(),
            &cert_user(&other.client(&ECDSA, "admin")),
        ),
    );
    let out = exits(
        fast().args(["--kubeconfig", &path, "--timeout", "600ms"]),
        1,
    );
    let records = support::records(&out.stdout);
    let error = support::first_error(&records);
    assert!(
        error.starts_with("TLS: invalid peer certificate"),
        "{error}"
    );
}

#[test]
fn tls_server_name_and_insecure_skip_verify_are_honoured() {
    let ca = Ca::new(&ECDSA, "kubernetes");
    let leaf = ca.server_named(&ECDSA, "kubernetes.cluster.test");
    let port = server::https(
        server::config(&leaf, Some(&ca.pem()), false, &[]),
        Phases::default(),
        Script::ready_now().handler(),
    );
    let dir = tempfile::tempdir().unwrap();
    let user = cert_user(&ca.client(&ECDSA, "admin"));
    let plain = kubeconfig(port, &ca.pem(), &user);
    let path = write(dir.path(), "mismatch", &plain);
    let out = fast()
        .args([
            "--kubeconfig",
            &path,
            "--until",
            "apiserver",
            "--timeout",
            "400ms",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "127.0.0.1 is not a name of the certificate"
    );

    let named = plain.replace(
        "    certificate-authority-data:",
        "    tls-server-name: kubernetes.cluster.test\n    certificate-authority-data:",
    );
    let path = write(dir.path(), "named", &named);
    exits(
        fast().args([
            "--kubeconfig",
            &path,
            "--until",
            "apiserver",
            "--timeout",
            "10s",
        ]),
        0,
    );

    let insecure = plain.replace(
        "    certificate-authority-data:",
        "    insecure-skip-tls-verify: true\n    x-unused:",
    );
    let path = write(dir.path(), "insecure", &insecure);
    let out = exits(
        fast().args([
            "--kubeconfig",
            &path,
            "--until",
            "apiserver",
            "--timeout",
            "10s",
        ]),
        0,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "talos-wait: warning: kubeconfig context \"admin@test\" skips TLS verification"
        ),
        "{stderr}"
    );
}

#[test]
fn hanging_servers_and_malformed_answers_are_failed_attempts() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(1000).collect();
        drop(held);
    });
    let ca = Ca::new(&ECDSA, "kubernetes");
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "hang",
        &kubeconfig(port, &ca.pem(), &cert_user(&ca.client(&ECDSA, "admin"))),
    );
    let out = exits(
        cargo_bin_cmd!("talos-wait").args([
            "--kubeconfig",
            &path,
            "--timeout",
            "1s",
            "--attempt-timeout",
            "300ms",
            "--interval",
            "50ms",
        ]),
        1,
    );
    let records = support::records(&out.stdout);
    assert_eq!(
        summary(&records)["not_passed"][0]["last_error"],
        "timed out"
    );

    let handler: server::Handler =
        std::sync::Arc::new(|_, request: &server::Request| match request.path.as_str() {
            "/api/v1/nodes" => server::Reply::json(200, serde_json::json!({"items": "many"})),
            "/readyz?verbose" => server::Reply::text(200, "ok"),
            _ => server::Reply::text(200, "{not json"),
        });
    let port = server::https(
        server::config(&ca.server(&ECDSA, "api"), None, false, &[]),
        Phases::default(),
        handler,
    );
    let path = write(
        dir.path(),
        "garbage",
        &kubeconfig(port, &ca.pem(), "  user: {}\n"),
    );
    let out = exits(
        fast().args(["--kubeconfig", &path, "--timeout", "600ms"]),
        1,
    );
    let records = support::records(&out.stdout);
    assert_eq!(
        details(&records, "apiserver").lines().last(),
        Some("readyz ok"),
        "a malformed /version is not fatal"
    );
    let error = support::first_error(&records);
    assert_eq!(
        error,
        "GET /api/v1/nodes: malformed JSON at 1:15: unexpected structure"
    );
}

#[test]
fn configuration_errors_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write(
        dir.path(),
        "broken",
        "apiVersion: v1\nclusters:\n- name: [\n",
    );
    let out = exits(
        cargo_bin_cmd!("talos-wait").args(["--kubeconfig", &broken]),
        2,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("talos-wait: error: {broken}:")),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
    assert!(out.stdout.is_empty());

    let ca = Ca::new(&ECDSA, "kubernetes");
    let (one, two) = (ca.client(&ECDSA, "a"), ca.client(&ECDSA, "b"));
    let mismatched = Leaf {
        cert: one.cert,
        key: two.key.clone(),
    };
    let path = write(
        dir.path(),
        "mismatch",
        &kubeconfig(1, &ca.pem(), &cert_user(&mismatched)),
    );
    let out = exits(
        cargo_bin_cmd!("talos-wait").args(["--kubeconfig", &path]),
        2,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        "talos-wait: error: kubeconfig users[admin@test]: the private key does not match the client certificate"
    );
    assert!(!stderr.contains(two.key.lines().nth(1).unwrap()));

    let out = exits(
        cargo_bin_cmd!("talos-wait").args(["--kubeconfig", &path, "--context", "nope"]),
        2,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no context named \"nope\""));

    let out = exits(
        cargo_bin_cmd!("talos-wait")
            .args(["--until", "apid"])
            .env_remove("TALOSCONFIG")
            .env("HOME", dir.path()),
        2,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--until apid needs a talosconfig"));

    let out = cargo_bin_cmd!("talos-wait")
        .args(["--check", "ftp://x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

/// A talosconfig for an apid on 127.0.0.1:`port`, with the cluster's Talos CA (Ed25519).
fn talosconfig(port: u16, ca: &Ca, client: &Leaf) -> String {
    let key = client.key.replace("PRIVATE KEY", "ED25519 PRIVATE KEY");
    format!(
        "context: test\ncontexts:\n    test:\n        endpoints:\n            - 127.0.0.1:{port}\n        ca: {}\n        crt: {}\n        key: {}\n",
        b64(&ca.pem()),
        b64(&client.cert),
        b64(&key)
    )
}

#[test]
fn apid_mutual_tls_and_maintenance_mode() {
    let talos = Ca::new(&ED25519, "talos");
    let client = talos.client(&ED25519, "os:admin");
    let dir = tempfile::tempdir().unwrap();

    let configured = server::apid(&talos.server(&ED25519, "apid"), Some(&talos.pem()));
    let path = write(
        dir.path(),
        "talosconfig",
        &talosconfig(configured, &talos, &client),
    );
    let out = exits(
        fast().args([
            "--talosconfig",
            &path,
            "--until",
            "apid",
            "--timeout",
            "10s",
        ]),
        0,
    );
    let records = support::records(&out.stdout);
    assert_eq!(
        details(&records, "apid").lines().last(),
        Some("mutual TLS with the Talos CA; HTTP/2 answered")
    );
    assert_eq!(
        events(&records, "apid")[0]["target"],
        format!("127.0.0.1:{configured}")
    );

    let maintenance = server::apid(&pki::self_signed("maintenance-service.talos.dev"), None);
    let path = write(
        dir.path(),
        "maintenance",
        &talosconfig(maintenance, &talos, &client),
    );
    let error = apid_not_ready(&path);
    assert!(
        error.starts_with("maintenance mode: the node presents maintenance-service.talos.dev"),
        "{error}"
    );

    let port = maintenance.to_string();
    exits(
        fast()
            .args([
                "--until",
                "apid",
                "--insecure",
                "--nodes",
                "127.0.0.1",
                "--apid-port",
                &port,
                "--timeout",
                "10s",
            ])
            .env_remove("TALOSCONFIG")
            .env("HOME", dir.path()),
        0,
    );

    let out = fast()
        .args([
            "--until",
            "apid",
            "--insecure",
            "--nodes",
            "127.0.0.1",
            "--apid-port",
            &configured.to_string(),
            "--timeout",
            "400ms",
        ])
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a configured node is not in maintenance mode"
    );

    let stranger = Ca::new(&ED25519, "another cluster");
    let foreign = server::apid(&talos.server(&ED25519, "apid"), Some(&stranger.pem()));
    let path = write(
        dir.path(),
        "foreign",
        &talosconfig(foreign, &talos, &client),
    );
    let error = apid_not_ready(&path);
    assert!(
        error.starts_with("TLS: "),
        "our client certificate is refused: {error}"
    );
}

#[test]
fn extra_tcp_and_https_checks_run_with_the_others() {
    let cluster = api(Phases::default(), Script::small(Duration::ZERO));
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "kubeconfig",
        &kubeconfig(
            cluster.port,
            &cluster.ca.pem(),
            &cert_user(&cluster.ca.client(&ECDSA, "admin")),
        ),
    );
    let ca = write(dir.path(), "ca.pem", &cluster.ca.pem());
    let tcp = format!("tcp://127.0.0.1:{}", cluster.port);
    let https = format!("https://127.0.0.1:{}/version#status=401", cluster.port);
    let out = exits(
        fast().args([
            "--kubeconfig",
            &path,
            "--until",
            "apiserver",
            "--check",
            &tcp,
            "--check",
            &https,
            "--check-ca",
            &ca,
            "--timeout",
            "20s",
        ]),
        0,
    );
    let records = support::records(&out.stdout);
    assert_eq!(summary(&records)["checks_passed"], 3);
    assert_eq!(details(&records, "https").lines().last(), Some("HTTP 401"));

    let closed = format!("tcp://127.0.0.1:{}", server::free_port());
    let out = exits(
        fast().args([
            "--kubeconfig",
            &path,
            "--until",
            "apiserver",
            "--check",
            &closed,
            "--timeout",
            "500ms",
        ]),
        1,
    );
    let records = support::records(&out.stdout);
    let not_passed = &summary(&records)["not_passed"][0];
    assert_eq!(
        (
            not_passed["check"].as_str(),
            not_passed["last_error"].as_str()
        ),
        (Some("tcp"), Some("connection refused"))
    );
}

/// A real etcd with client-certificate authentication, stopped when dropped.
struct Etcd {
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Drop for Etcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn etcd(ca: &Ca) -> Option<(Etcd, u16)> {
    let dir = tempfile::tempdir().unwrap();
    let leaf = ca.server(&ECDSA, "etcd");
    let (cert, key, ca_file) = (
        write(dir.path(), "s.crt", &leaf.cert),
        write(dir.path(), "s.key", &leaf.key),
        write(dir.path(), "ca.crt", &ca.pem()),
    );
    let (client, peer) = (server::free_port(), server::free_port());
    let data = dir.path().join("data").display().to_string();
    let spawned = Command::new("etcd")
        .args([
            "--name",
            "t1",
            "--data-dir",
            &data,
            "--client-cert-auth",
            "--trusted-ca-file",
            &ca_file,
            "--cert-file",
            &cert,
            "--key-file",
            &key,
        ])
        .args([
            "--listen-client-urls",
            &format!("https://127.0.0.1:{client}"),
            "--advertise-client-urls",
            &format!("https://127.0.0.1:{client}"),
        ])
        .args([
            "--listen-peer-urls",
            &format!("http://127.0.0.1:{peer}"),
            "--initial-advertise-peer-urls",
            &format!("http://127.0.0.1:{peer}"),
        ])
        .args(["--initial-cluster", &format!("t1=http://127.0.0.1:{peer}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Ok(child) => Some((Etcd { child, _dir: dir }, client)),
        Err(err) => {
            eprintln!("skipped: etcd (Debian package etcd-server) cannot run: {err}");
            None
        }
    }
}

#[test]
fn etcd_health_with_and_without_client_certificates() {
    let ca = Ca::new(&ECDSA, "etcd-ca");
    let Some((_etcd, port)) = etcd(&ca) else {
        return;
    };
    let cluster = api(Phases::default(), Script::small(Duration::ZERO));
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "kubeconfig",
        &kubeconfig(
            cluster.port,
            &cluster.ca.pem(),
            &cert_user(&cluster.ca.client(&ECDSA, "admin")),
        ),
    );
    let client = ca.client(&ECDSA, "etcd-client");
    let (ca_file, cert, key) = (
        write(dir.path(), "ca", &ca.pem()),
        write(dir.path(), "crt", &client.cert),
        write(dir.path(), "key", &client.key),
    );
    let check = format!("etcd+https://127.0.0.1:{port}");
    let base = [
        "--kubeconfig",
        &path,
        "--until",
        "apiserver",
        "--check",
        &check,
        "--check-ca",
        &ca_file,
    ];
    let out = exits(
        fast().args(base).args([
            "--check-cert",
            &cert,
            "--check-key",
            &key,
            "--timeout",
            "20s",
        ]),
        0,
    );
    assert_eq!(
        details(&support::records(&out.stdout), "etcd")
            .lines()
            .last(),
        Some("etcd healthy")
    );

    let out = exits(fast().args(base).args(["--timeout", "700ms"]), 1);
    let records = support::records(&out.stdout);
    let error = support::first_error(&records);
    assert!(
        error.starts_with("TLS: ") || error.contains("connection"),
        "{error}"
    );
}

#[test]
fn sigint_prints_the_summary_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(&ECDSA, "kubernetes");
    let path = write(
        dir.path(),
        "kubeconfig",
        &kubeconfig(server::free_port(), &ca.pem(), "  user: {}\n"),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_talos-wait"))
        .args(["--kubeconfig", &path, "--timeout", "60s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    assert!(
        first.contains("\"pending\""),
        "the wait has started: {first}"
    );
    std::thread::sleep(Duration::from_millis(300));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut stdout, &mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let records = support::records(&rest);
    let last = summary(&records);
    assert_eq!(last["status"], "interrupted");
    assert_eq!(last["not_passed"][0]["last_error"], "connection refused");
}

/// Reads a number field of /proc/<pid>/status in kB.
fn status_kb(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// User plus system CPU time of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    fields
        .get(11)
        .and_then(|u| u.parse::<u64>().ok())
        .unwrap_or(0)
        + fields
            .get(12)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
}

#[test]
fn waiting_sleeps_cheaply() {
    if !Path::new("/proc/self/stat").exists() {
        eprintln!("skipped: no /proc to measure CPU time and resident memory");
        return;
    }
    let cluster = api(
        Phases::default(),
        Script {
            readyz_after: Duration::from_secs(3600),
            nodes: Vec::new(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "kubeconfig",
        &kubeconfig(
            cluster.port,
            &cluster.ca.pem(),
            &cert_user(&cluster.ca.client(&ECDSA, "admin")),
        ),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_talos-wait"))
        .args([
            "--kubeconfig",
            &path,
            "--timeout",
            "60s",
            "--interval",
            "1s",
            "--max-interval",
            "1s",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let (start_ticks, start) = (cpu_ticks(child.id()), Instant::now());
    std::thread::sleep(Duration::from_secs(3));
    let ticks = cpu_ticks(child.id()) - start_ticks;
    let rss_kb = status_kb(child.id(), "VmRSS:");
    let _ = child.kill();
    let _ = child.wait();
    let cpu_percent = ticks as f64 * 10.0 / start.elapsed().as_millis() as f64 * 100.0;
    eprintln!(
        "while waiting (debug build, 1 attempt/s against a 500 readyz): {cpu_percent:.2}% CPU, {rss_kb} KiB resident"
    );
    assert!(rss_kb > 0 && rss_kb < 16 * 1024, "resident {rss_kb} KiB");
    assert!(cpu_percent < 5.0, "{cpu_percent}% CPU");
}

#[test]
fn kubectl_accepts_the_test_server() {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        eprintln!("skipped: kubectl is not installed");
        return;
    }
    let cluster = api(Phases::default(), Script::ready_now());
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "kubeconfig",
        &kubeconfig(
            cluster.port,
            &cluster.ca.pem(),
            &cert_user(&cluster.ca.client(&ECDSA, "admin")),
        ),
    );
    let cache = dir.path().join("cache").display().to_string();
    let kubectl = |args: &[&str]| {
        let out = Command::new("kubectl")
            .args(["--kubeconfig", &path, "--cache-dir", &cache])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let nodes: Value = serde_json::from_str(&kubectl(&["get", "nodes", "-o", "json"])).unwrap();
    let names: Vec<&str> = nodes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cp-1", "w-1"]);
    assert!(kubectl(&["get", "--raw", "/readyz?verbose"]).contains("readyz check passed"));
    let ready = kubectl(&[
        "get",
        "nodes",
        "-o",
        "jsonpath={.items[*].status.conditions[?(@.type==\"Ready\")].status}",
    ]);
    assert_eq!(ready, "True True");
    let coredns = kubectl(&[
        "-n",
        "kube-system",
        "get",
        "deployments",
        "-l",
        "k8s-app=kube-dns",
        "-o",
        "jsonpath={.items[0].status.readyReplicas}",
    ]);
    assert_eq!(coredns, "2");
}

#[test]
fn a_terminal_gets_a_live_status_on_stderr() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: script (util-linux) is not installed to give the tool a terminal");
        return;
    }
    let cluster = api(Phases::default(), Script::ready_now());
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "kubeconfig",
        &kubeconfig(
            cluster.port,
            &cluster.ca.pem(),
            &cert_user(&cluster.ca.client(&ECDSA, "admin")),
        ),
    );
    let run = |no_color: &str| {
        let line = format!(
            "{} --kubeconfig {path} --until nodes --timeout 10s >/dev/null",
            env!("CARGO_BIN_EXE_talos-wait")
        );
        let out = Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .env("NO_COLOR", no_color)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let screen = run("");
    assert!(screen.contains("talos-wait: 2/2 checks passed"), "{screen}");
    assert!(screen.contains("\x1b[32mok nodes"), "{screen}");
    let plain = run("1");
    assert!(
        plain.contains("ok nodes") && !plain.contains("\x1b[32m"),
        "{plain}"
    );
}

#[test]
fn help_shows_examples_and_exit_status() {
    let out = cargo_bin_cmd!("talos-wait").arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Examples:") && help.contains("Exit status:") && help.contains("130"));
}
