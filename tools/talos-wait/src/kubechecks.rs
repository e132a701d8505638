//! The Kubernetes checks as probes: each fetches what it needs from the API server and applies
//! the readiness rules.

use std::sync::Arc;

use serde::Deserialize;

use crate::attempt::{Attempt, Failure, not_yet};
use crate::kube::{Kube, status_text};
use crate::objects::{DaemonSet, Deployment, List, Node, Pod};
use crate::probe::Probe;
use crate::readiness::{self, Expect, Verdict};
use crate::stage::KubeCheck;

/// The control-plane components that run one static pod per control-plane node.
const COMPONENTS: [&str; 3] = [
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
];

/// A Kubernetes check bound to its API server and expectations.
pub struct KubeProbe {
    check: KubeCheck,
    kube: Arc<Kube>,
    expect: Arc<Expect>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Version {
    #[serde(default)]
    git_version: String,
}

impl KubeProbe {
    /// The probe for one check.
    pub fn new(check: KubeCheck, kube: Arc<Kube>, expect: Arc<Expect>) -> Self {
        KubeProbe {
            check,
            kube,
            expect,
        }
    }

    fn nodes(&self) -> Result<Vec<Node>, Failure> {
        Ok(self.kube.get_json::<List<Node>>("/api/v1/nodes")?.items)
    }

    fn apiserver(&self) -> Attempt {
        let reply = self.kube.get("/readyz?verbose")?;
        if reply.status != 200 {
            let text = String::from_utf8_lossy(&reply.body);
            let failing: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with("[-]"))
                .take(5)
                .collect();
            return Err(if failing.is_empty() {
                not_yet(format!("readyz: {}", status_text(&reply)))
            } else {
                not_yet(format!(
                    "readyz: HTTP {}: {}",
                    reply.status,
                    failing.join(", ")
                ))
            });
        }
        let version = self
            .kube
            .get_json::<Version>("/version")
            .map(|v| v.git_version)
            .unwrap_or_default();
        Ok(if version.is_empty() {
            "readyz ok".to_string()
        } else {
            format!("readyz ok; {version}")
        })
    }

    fn control_plane(&self) -> Attempt {
        let count = match self.expect.control_planes {
            Some(count) => count,
            None => self
                .nodes()?
                .iter()
                .filter(|n| n.is_control_plane())
                .count(),
        };
        if count == 0 {
            return Err(not_yet("no control-plane nodes registered"));
        }
        let mut passed = Vec::new();
        let mut failed = Vec::new();
        for component in COMPONENTS {
            let pods = self.kube.get_json::<List<Pod>>(&selector(
                "/api/v1/namespaces/kube-system/pods",
                component,
            ))?;
            match readiness::component_ready(component, &pods.items, count) {
                Ok(text) => passed.push(text),
                Err(text) => failed.push(text),
            }
        }
        if failed.is_empty() {
            Ok(passed.join(", "))
        } else {
            Err(not_yet(failed.join("; ")))
        }
    }

    fn kube_proxy(&self) -> Attempt {
        let path = selector(
            "/apis/apps/v1/namespaces/kube-system/daemonsets",
            "kube-proxy",
        );
        verdict(readiness::daemonset_ready(
            "kube-proxy",
            &self.kube.get_json::<List<DaemonSet>>(&path)?.items,
        ))
    }

    fn coredns(&self) -> Attempt {
        let path = selector(
            "/apis/apps/v1/namespaces/kube-system/deployments",
            "kube-dns",
        );
        verdict(readiness::deployment_ready(
            "coredns",
            &self.kube.get_json::<List<Deployment>>(&path)?.items,
        ))
    }
}

impl Probe for KubeProbe {
    fn check(&self) -> &str {
        self.check.name()
    }

    fn target(&self) -> &str {
        self.kube.server()
    }

    fn attempt(&self) -> Attempt {
        match self.check {
            KubeCheck::Apiserver => self.apiserver(),
            KubeCheck::Nodes => verdict(readiness::registered(&self.nodes()?, &self.expect)),
            KubeCheck::Kubelet => verdict(readiness::kubelets_posting(&self.nodes()?)),
            KubeCheck::NodesReady => verdict(readiness::nodes_ready(&self.nodes()?)),
            KubeCheck::ControlPlane => self.control_plane(),
            KubeCheck::KubeProxy => self.kube_proxy(),
            KubeCheck::Coredns => self.coredns(),
            KubeCheck::Schedulable => verdict(readiness::schedulable(&self.nodes()?)),
        }
    }
}

/// A kube-system list filtered by the `k8s-app` label.
fn selector(path: &str, app: &str) -> String {
    format!("{path}?labelSelector=k8s-app%3D{app}")
}

fn verdict(verdict: Verdict) -> Attempt {
    verdict.map_err(Failure::NotYet)
}
