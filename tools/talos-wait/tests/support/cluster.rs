//! A scripted Kubernetes API: nodes register and become Ready at set times; the control-plane
//! pods, kube-proxy and CoreDNS follow. Requests need a client certificate or the test token.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::server::{Handler, Reply, Request};

/// The bearer token the server accepts.
pub const TOKEN: &str = "test-token-0f3c9a";

/// The basic-authentication header the server accepts (`admin:s3cret-pw`).
pub const BASIC: &str = "Basic YWRtaW46czNjcmV0LXB3";

/// One node of the script.
#[derive(Clone)]
pub struct ScriptNode {
    pub name: &'static str,
    pub ip: &'static str,
    pub control_plane: bool,
    pub registered_at: Duration,
    /// `Ready=False` (no CNI) from registration until then; `Ready=True` after.
    pub ready_at: Option<Duration>,
}

/// The whole script.
#[derive(Clone)]
pub struct Script {
    /// `/readyz` answers 500 (etcd failing) until then.
    pub readyz_after: Duration,
    pub nodes: Vec<ScriptNode>,
}

impl Script {
    /// One control plane and one worker, registering at `at` and Ready a little later.
    pub fn small(at: Duration) -> Script {
        Script {
            readyz_after: at / 2,
            nodes: vec![
                ScriptNode {
                    name: "cp-1",
                    ip: "10.5.0.2",
                    control_plane: true,
                    registered_at: at,
                    ready_at: Some(at + Duration::from_millis(500)),
                },
                ScriptNode {
                    name: "w-1",
                    ip: "10.5.0.3",
                    control_plane: false,
                    registered_at: at,
                    ready_at: Some(at + Duration::from_millis(700)),
                },
            ],
        }
    }

    /// Two nodes, registered and Ready from the start.
    pub fn ready_now() -> Script {
        let mut script = Script::small(Duration::ZERO);
        for node in &mut script.nodes {
            node.ready_at = Some(Duration::ZERO);
        }
        script
    }

    pub fn handler(self) -> Handler {
        Arc::new(move |t, request| answer(&self, t, request))
    }
}

fn unauthorized() -> Reply {
    Reply::json(
        401,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401}),
    )
}

fn authorized(request: &Request) -> bool {
    let header = request.authorization.as_deref();
    request.client_cert || header == Some(&format!("Bearer {TOKEN}")) || header == Some(BASIC)
}

fn answer(script: &Script, t: Duration, request: &Request) -> Reply {
    if !authorized(request) {
        return unauthorized();
    }
    let (path, query) = request.path.split_once('?').unwrap_or((&request.path, ""));
    let selector = query
        .split('&')
        .find_map(|p| p.strip_prefix("labelSelector="))
        .unwrap_or("")
        .replace("%3D", "=");
    let app = selector.strip_prefix("k8s-app=").unwrap_or("");
    match path {
        "/readyz" if t < script.readyz_after => Reply::text(
            500,
            "[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n[+]poststarthook/start-kube-apiserver-admission-initializer ok\nreadyz check failed\n",
        ),
        "/readyz" => Reply::text(
            200,
            "[+]ping ok\n[+]log ok\n[+]etcd ok\nreadyz check passed\n",
        ),
        "/version" => Reply::json(
            200,
            json!({"major": "1", "minor": "32", "gitVersion": "v1.32.4", "gitCommit": "59526cd4867447956156ae3a602fcbac10a2c335", "gitTreeState": "clean", "buildDate": "2025-04-22T16:02:27Z", "goVersion": "go1.23.6", "compiler": "gc", "platform": "linux/amd64"}),
        ),
        "/api" => Reply::json(
            200,
            json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]}),
        ),
        "/apis" => Reply::json(
            200,
            json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [{"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}], "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]}),
        ),
        "/api/v1" => Reply::json(
            200,
            resources(
                "v1",
                &[
                    ("nodes", "node", "Node", false, "no"),
                    ("pods", "pod", "Pod", true, "po"),
                ],
            ),
        ),
        "/apis/apps/v1" => Reply::json(
            200,
            resources(
                "apps/v1",
                &[
                    ("daemonsets", "daemonset", "DaemonSet", true, "ds"),
                    ("deployments", "deployment", "Deployment", true, "deploy"),
                ],
            ),
        ),
        "/api/v1/nodes" => Reply::json(200, list("NodeList", "v1", nodes(script, t))),
        "/api/v1/namespaces/kube-system/pods" => {
            Reply::json(200, list("PodList", "v1", pods(script, t, app)))
        }
        "/apis/apps/v1/namespaces/kube-system/daemonsets" => Reply::json(
            200,
            list("DaemonSetList", "apps/v1", daemonsets(script, t, app)),
        ),
        "/apis/apps/v1/namespaces/kube-system/deployments" => Reply::json(
            200,
            list("DeploymentList", "apps/v1", deployments(script, t, app)),
        ),
        _ => Reply::json(
            404,
            json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "the server could not find the requested resource", "reason": "NotFound", "code": 404}),
        ),
    }
}

fn resources(group_version: &str, kinds: &[(&str, &str, &str, bool, &str)]) -> Value {
    let resources: Vec<Value> = kinds
        .iter()
        .map(|(name, singular, kind, namespaced, short)| {
            json!({"name": name, "singularName": singular, "namespaced": namespaced, "kind": kind, "verbs": ["get", "list", "watch"], "shortNames": [short]})
        })
        .collect();
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
}

fn list(kind: &str, api_version: &str, items: Vec<Value>) -> Value {
    json!({"kind": kind, "apiVersion": api_version, "metadata": {"resourceVersion": "4242"}, "items": items})
}

fn registered(script: &Script, t: Duration) -> impl Iterator<Item = &ScriptNode> {
    script.nodes.iter().filter(move |n| n.registered_at <= t)
}

fn is_ready(node: &ScriptNode, t: Duration) -> bool {
    node.ready_at.is_some_and(|at| at <= t)
}

fn nodes(script: &Script, t: Duration) -> Vec<Value> {
    registered(script, t)
        .map(|n| {
            let mut labels = json!({"kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux"});
            if n.control_plane {
                labels["node-role.kubernetes.io/control-plane"] = json!("");
            }
            let ready = if is_ready(n, t) {
                json!({"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"})
            } else {
                json!({"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"})
            };
            json!({
                "apiVersion": "v1", "kind": "Node",
                "metadata": {"name": n.name, "labels": labels, "resourceVersion": "4242", "creationTimestamp": "2026-01-01T00:00:00Z"},
                "spec": {"podCIDR": "10.244.0.0/24"},
                "status": {
                    "addresses": [{"type": "InternalIP", "address": n.ip}, {"type": "Hostname", "address": n.name}],
                    "conditions": [ready],
                    "nodeInfo": {"kubeletVersion": "v1.32.4", "osImage": "Talos (v1.9.5)", "containerRuntimeVersion": "containerd://2.0.3", "architecture": "amd64", "operatingSystem": "linux", "kernelVersion": "6.12.18-talos", "kubeProxyVersion": "v1.32.4", "machineID": "", "systemUUID": "", "bootID": ""}
                }
            })
        })
        .collect()
}

fn pods(script: &Script, t: Duration, app: &str) -> Vec<Value> {
    registered(script, t)
        .filter(|n| n.control_plane && app.starts_with("kube-"))
        .map(|n| {
            let ready = if is_ready(n, t) { "True" } else { "False" };
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("{app}-{}", n.name), "namespace": "kube-system", "labels": {"k8s-app": app, "tier": "control-plane"}},
                "spec": {"nodeName": n.name, "containers": [{"name": app, "image": format!("registry.k8s.io/{app}:v1.32.4")}]},
                "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": ready}], "containerStatuses": [{"name": app, "ready": ready == "True", "restartCount": 0, "image": "", "imageID": "", "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]}
            })
        })
        .collect()
}

fn daemonsets(script: &Script, t: Duration, app: &str) -> Vec<Value> {
    if app != "kube-proxy" {
        return Vec::new();
    }
    let desired = registered(script, t).count();
    let ready = registered(script, t).filter(|n| is_ready(n, t)).count();
    vec![json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": {"k8s-app": "kube-proxy"}},
        "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}}, "template": {"spec": {"containers": [{"name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.32.4"}]}}},
        "status": {"desiredNumberScheduled": desired, "currentNumberScheduled": desired, "numberReady": ready, "numberMisscheduled": 0}
    })]
}

fn deployments(script: &Script, t: Duration, app: &str) -> Vec<Value> {
    if app != "kube-dns" {
        return Vec::new();
    }
    let ready = if registered(script, t).any(|n| is_ready(n, t)) {
        2
    } else {
        0
    };
    let mut status = json!({"replicas": 2});
    if ready > 0 {
        status["readyReplicas"] = json!(ready);
    }
    vec![json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"k8s-app": "kube-dns"}}, "template": {"spec": {"containers": [{"name": "coredns", "image": "registry.k8s.io/coredns/coredns:v1.12.0"}]}}},
        "status": status
    })]
}
