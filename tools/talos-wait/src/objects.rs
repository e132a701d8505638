//! The parts of Kubernetes API objects the readiness rules read (nodes, pods, DaemonSets,
//! Deployments), in the API's camelCase spelling.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The label that marks control-plane nodes.
pub const CONTROL_PLANE_LABEL: &str = "node-role.kubernetes.io/control-plane";

/// A `…List` answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct List<T> {
    /// The objects.
    pub items: Vec<T>,
}

/// Object metadata.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Meta {
    /// Object name.
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Set when the object is being deleted.
    pub deletion_timestamp: Option<String>,
}

/// A status condition.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Condition {
    /// `Ready`, `MemoryPressure`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// A CamelCase reason.
    pub reason: String,
    /// A sentence for people.
    pub message: String,
}

/// A node.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Node {
    /// Metadata.
    pub metadata: Meta,
    /// Spec.
    pub spec: NodeSpec,
    /// Status.
    pub status: NodeStatus,
}

/// The node spec fields read.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct NodeSpec {
    /// Cordoned.
    pub unschedulable: bool,
}

/// The node status fields read.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct NodeStatus {
    /// Conditions (`Ready` among them).
    pub conditions: Vec<Condition>,
    /// Addresses (`InternalIP`, `ExternalIP`, `Hostname`).
    pub addresses: Vec<Address>,
}

/// A node address.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Address {
    /// `InternalIP`, `ExternalIP` or `Hostname`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The address.
    pub address: String,
}

impl Node {
    /// True for control-plane nodes.
    pub fn is_control_plane(&self) -> bool {
        self.metadata.labels.contains_key(CONTROL_PLANE_LABEL)
    }

    /// The node's `Ready` condition, if the kubelet ever posted one.
    pub fn ready(&self) -> Option<&Condition> {
        self.status.conditions.iter().find(|c| c.kind == "Ready")
    }

    /// The node's IP addresses (internal and external).
    pub fn ips(&self) -> impl Iterator<Item = &str> {
        self.status
            .addresses
            .iter()
            .filter(|a| a.kind.ends_with("IP"))
            .map(|a| a.address.as_str())
    }
}

/// A pod.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Pod {
    /// Metadata.
    pub metadata: Meta,
    /// Status.
    pub status: PodStatus,
}

/// The pod status fields read.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodStatus {
    /// `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`.
    pub phase: String,
    /// Conditions (`Ready` among them).
    pub conditions: Vec<Condition>,
    /// Per-container state.
    pub container_statuses: Vec<ContainerStatus>,
}

/// A container's state.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ContainerStatus {
    /// `{running|waiting|terminated: {...}}`.
    pub state: BTreeMap<String, serde_json::Value>,
}

impl Pod {
    /// True when the pod's `Ready` condition is `True`.
    pub fn is_ready(&self) -> bool {
        self.status
            .conditions
            .iter()
            .any(|c| c.kind == "Ready" && c.status == "True")
    }

    /// Pods that no longer count: being deleted, failed, or with every container terminated.
    pub fn is_gone(&self) -> bool {
        let statuses = &self.status.container_statuses;
        self.metadata.deletion_timestamp.is_some()
            || self.status.phase == "Failed"
            || (!statuses.is_empty() && statuses.iter().all(|c| c.state.contains_key("terminated")))
    }
}

/// A DaemonSet.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DaemonSet {
    /// Metadata.
    pub metadata: Meta,
    /// Status.
    pub status: DaemonSetStatus,
}

/// The DaemonSet status fields read.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DaemonSetStatus {
    /// Nodes that should run a pod.
    pub desired_number_scheduled: u64,
    /// Nodes whose pod is ready.
    pub number_ready: u64,
}

/// A Deployment.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Deployment {
    /// Metadata.
    pub metadata: Meta,
    /// Spec.
    pub spec: DeploymentSpec,
    /// Status.
    pub status: DeploymentStatus,
}

/// The Deployment spec fields read.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DeploymentSpec {
    /// Wanted replicas (the API's default is 1).
    pub replicas: Option<u64>,
}

/// The Deployment status fields read.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DeploymentStatus {
    /// Ready replicas (omitted when 0).
    pub ready_replicas: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn fixture(name: &str) -> Option<Vec<u8>> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/k8s")
            .join(name);
        let bytes = std::fs::read(&path).ok();
        if bytes.is_none() {
            eprintln!("skipped: {} is not present", path.display());
        }
        bytes
    }

    #[test]
    fn real_objects_decode() {
        if let Some(bytes) = fixture("k9s-no.json") {
            let node: Node = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(node.metadata.name, "minikube");
            assert!(node.ready().is_some_and(|c| c.status == "True"));
            assert!(node.ips().count() > 0);
        }
        if let Some(bytes) = fixture("k9s-po.json") {
            let pod: Pod = serde_json::from_slice(&bytes).unwrap();
            assert!(!pod.status.phase.is_empty());
            assert!(!pod.status.conditions.is_empty());
        }
        if let Some(bytes) = fixture("k9s-ds.json") {
            let set: DaemonSet = serde_json::from_slice(&bytes).unwrap();
            assert!(set.status.desired_number_scheduled > 0);
        }
        if let Some(bytes) = fixture("k9s-dp.json") {
            let deployment: Deployment = serde_json::from_slice(&bytes).unwrap();
            assert!(!deployment.metadata.name.is_empty());
        }
    }

    #[test]
    fn gone_pods_are_recognised() {
        let mut pod: Pod = serde_json::from_str(
            r#"{"status":{"phase":"Running","containerStatuses":[{"state":{"terminated":{}}}]}}"#,
        )
        .unwrap();
        assert!(pod.is_gone());
        pod.status.container_statuses.clear();
        assert!(!pod.is_gone());
        pod.metadata.deletion_timestamp = Some("2026-01-01T00:00:00Z".into());
        assert!(pod.is_gone());
    }
}
