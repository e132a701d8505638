//! The readiness rules, as pure functions of API objects: each returns the detail of a pass
//! (`Ok`) or what is not ready yet (`Err`), in words a deploy log can show.

use std::net::IpAddr;

use crate::objects::{DaemonSet, Deployment, Node, Pod};

/// How many details of not-ready objects a message lists.
const SHOWN: usize = 3;

/// What the cluster is expected to have.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// Control-plane nodes.
    pub control_planes: Option<usize>,
    /// Worker nodes.
    pub workers: Option<usize>,
    /// The nodes' IP addresses.
    pub nodes: Vec<IpAddr>,
}

/// The verdict of one rule: the detail of a pass, or what is missing.
pub type Verdict = Result<String, String>;

/// All expected nodes registered: the expected IPs (every one present, no stranger), and the
/// expected numbers of control-plane and worker nodes; at least one node without expectations.
pub fn registered(nodes: &[Node], expect: &Expect) -> Verdict {
    let control_planes = nodes.iter().filter(|n| n.is_control_plane()).count();
    let workers = nodes.len() - control_planes;
    let mut problems = Vec::new();
    if !expect.nodes.is_empty() {
        problems.extend(ip_problems(nodes, &expect.nodes));
    }
    if let Some(want) = expect.control_planes.filter(|&w| w != control_planes) {
        problems.push(format!(
            "{control_planes}/{want} control-plane nodes registered"
        ));
    }
    if let Some(want) = expect.workers.filter(|&w| w != workers) {
        problems.push(format!("{workers}/{want} worker nodes registered"));
    }
    if nodes.is_empty() {
        problems.push("no nodes registered yet".to_string());
    }
    if problems.is_empty() {
        Ok(format!(
            "{} nodes registered ({control_planes} control plane, {workers} workers)",
            nodes.len()
        ))
    } else {
        Err(problems.join("; "))
    }
}

fn ip_problems(nodes: &[Node], expected: &[IpAddr]) -> Vec<String> {
    let has = |node: &Node, ip: &IpAddr| {
        node.ips()
            .any(|a| a.parse::<IpAddr>().is_ok_and(|a| a == *ip))
    };
    let missing: Vec<String> = expected
        .iter()
        .filter(|ip| !nodes.iter().any(|n| has(n, ip)))
        .map(ToString::to_string)
        .collect();
    let strangers: Vec<&str> = nodes
        .iter()
        .filter(|n| !expected.iter().any(|ip| has(n, ip)))
        .map(|n| n.metadata.name.as_str())
        .collect();
    let mut problems = Vec::new();
    if !missing.is_empty() {
        let found = expected.len() - missing.len();
        problems.push(format!(
            "{found}/{} expected nodes registered; missing {}",
            expected.len(),
            shown(&missing)
        ));
    }
    if !strangers.is_empty() {
        problems.push(format!("unexpected nodes {}", shown(&strangers)));
    }
    problems
}

/// Every kubelet posts status (its `Ready` condition is `True` or `False`, not `Unknown` or
/// absent): the level a cluster reaches before its CNI is installed.
pub fn kubelets_posting(nodes: &[Node]) -> Verdict {
    let silent: Vec<String> = nodes
        .iter()
        .filter(|n| {
            !n.ready()
                .is_some_and(|c| c.status == "True" || c.status == "False")
        })
        .map(describe_ready)
        .collect();
    judge(nodes.len(), &silent, "kubelets posting status")
}

/// Every node `Ready=True` (`False` and `Unknown` are not ready).
pub fn nodes_ready(nodes: &[Node]) -> Verdict {
    let not_ready: Vec<String> = nodes
        .iter()
        .filter(|n| n.ready().is_none_or(|c| c.status != "True"))
        .map(describe_ready)
        .collect();
    judge(nodes.len(), &not_ready, "nodes Ready")
}

/// No node is cordoned (`spec.unschedulable`); taints do not count.
pub fn schedulable(nodes: &[Node]) -> Verdict {
    let cordoned: Vec<String> = nodes
        .iter()
        .filter(|n| n.spec.unschedulable)
        .map(|n| format!("{}: unschedulable", n.metadata.name))
        .collect();
    judge(nodes.len(), &cordoned, "nodes schedulable")
}

fn judge(total: usize, bad: &[String], what: &str) -> Verdict {
    if total == 0 {
        return Err("no nodes registered yet".to_string());
    }
    let good = total - bad.len();
    if bad.is_empty() {
        Ok(format!("{good}/{total} {what}"))
    } else {
        Err(format!("{good}/{total} {what}; {}", shown(bad)))
    }
}

fn describe_ready(node: &Node) -> String {
    match node.ready() {
        None => format!("{}: no Ready condition yet", node.metadata.name),
        Some(c) => {
            let why = if c.message.is_empty() {
                &c.reason
            } else {
                &c.message
            };
            let why: String = why.chars().take(160).collect();
            if why.is_empty() {
                format!("{}: Ready={}", node.metadata.name, c.status)
            } else {
                format!("{}: Ready={} ({why})", node.metadata.name, c.status)
            }
        }
    }
}

fn shown<S: AsRef<str>>(items: &[S]) -> String {
    let mut text = items
        .iter()
        .take(SHOWN)
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    text
}

/// The pods of one control-plane component: one Ready pod per control-plane node. Pods being
/// deleted, failed or finished do not count.
pub fn component_ready(component: &str, pods: &[Pod], control_planes: usize) -> Verdict {
    let live: Vec<&Pod> = pods.iter().filter(|p| !p.is_gone()).collect();
    let ready = live.iter().filter(|p| p.is_ready()).count();
    let not_ready: Vec<&str> = live
        .iter()
        .filter(|p| !p.is_ready())
        .map(|p| p.metadata.name.as_str())
        .collect();
    if live.len() == control_planes && ready == control_planes {
        return Ok(format!("{component} {ready}/{control_planes} Ready"));
    }
    let mut text = format!("{component} {ready}/{control_planes} Ready");
    if !not_ready.is_empty() {
        text.push_str(&format!("; not ready: {}", shown(&not_ready)));
    }
    if live.len() > control_planes {
        text.push_str(&format!(
            "; {} pods for {control_planes} control-plane nodes",
            live.len()
        ));
    }
    Err(text)
}

/// The kube-proxy DaemonSet: absent or with nothing to schedule passes (kube-proxy may be
/// replaced by the CNI); otherwise every scheduled pod Ready.
pub fn daemonset_ready(name: &str, sets: &[DaemonSet]) -> Verdict {
    let Some(set) = sets.first() else {
        return Ok(format!("no {name} DaemonSet; skipped"));
    };
    let (desired, ready) = (set.status.desired_number_scheduled, set.status.number_ready);
    if desired == 0 {
        return Ok(format!("{name} DaemonSet schedules no pods; skipped"));
    }
    let text = format!("{name} {ready}/{desired} Ready");
    if ready >= desired {
        Ok(text)
    } else {
        Err(text)
    }
}

/// The CoreDNS Deployment: absent passes (DNS may be something else); otherwise as many Ready
/// replicas as wanted.
pub fn deployment_ready(name: &str, deployments: &[Deployment]) -> Verdict {
    let Some(deployment) = deployments.first() else {
        return Ok(format!("no {name} Deployment; skipped"));
    };
    let wanted = deployment.spec.replicas.unwrap_or(1);
    let ready = deployment.status.ready_replicas;
    let text = format!("{name} {ready}/{wanted} Ready");
    if ready >= wanted { Ok(text) } else { Err(text) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(name: &str, ip: &str, cp: bool, ready: &str) -> Node {
        let labels = if cp {
            json!({"node-role.kubernetes.io/control-plane": ""})
        } else {
            json!({})
        };
        serde_json::from_value(json!({
            "metadata": {"name": name, "labels": labels},
            "status": {
                "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
                "conditions": [{"type": "Ready", "status": ready, "reason": "KubeletNotReady", "message": "kubelet stopped posting status"}]
            }
        }))
        .unwrap()
    }

    fn cluster() -> Vec<Node> {
        vec![
            node("cp-1", "10.0.0.1", true, "True"),
            node("cp-2", "10.0.0.2", true, "Unknown"),
            node("w-1", "10.0.0.3", false, "True"),
        ]
    }

    #[test]
    fn registration_counts_roles() {
        let nodes = cluster();
        let expect = Expect {
            control_planes: Some(2),
            workers: Some(1),
            nodes: vec![],
        };
        assert_eq!(
            registered(&nodes, &expect).unwrap(),
            "3 nodes registered (2 control plane, 1 workers)"
        );
        let expect = Expect {
            control_planes: Some(3),
            workers: Some(2),
            nodes: vec![],
        };
        assert_eq!(
            registered(&nodes, &expect).unwrap_err(),
            "2/3 control-plane nodes registered; 1/2 worker nodes registered"
        );
        assert_eq!(
            registered(&[], &Expect::default()).unwrap_err(),
            "no nodes registered yet"
        );
    }

    #[test]
    fn registration_matches_ips() {
        let nodes = cluster();
        let ips = |list: &[&str]| list.iter().map(|s| s.parse().unwrap()).collect();
        let expect = Expect {
            nodes: ips(&["10.0.0.1", "10.0.0.2", "10.0.0.3"]),
            ..Expect::default()
        };
        assert!(registered(&nodes, &expect).is_ok());
        let expect = Expect {
            nodes: ips(&["10.0.0.1", "10.0.0.2", "10.0.0.9"]),
            ..Expect::default()
        };
        assert_eq!(
            registered(&nodes, &expect).unwrap_err(),
            "2/3 expected nodes registered; missing 10.0.0.9; unexpected nodes w-1"
        );
    }

    #[test]
    fn ready_and_kubelet_levels() {
        let nodes = cluster();
        assert_eq!(
            nodes_ready(&nodes).unwrap_err(),
            "2/3 nodes Ready; cp-2: Ready=Unknown (kubelet stopped posting status)"
        );
        assert!(kubelets_posting(&nodes).is_err());
        let no_cni = vec![node("cp-1", "10.0.0.1", true, "False")];
        assert_eq!(
            kubelets_posting(&no_cni).unwrap(),
            "1/1 kubelets posting status"
        );
        assert!(nodes_ready(&no_cni).is_err());
        assert_eq!(nodes_ready(&[]).unwrap_err(), "no nodes registered yet");
    }

    #[test]
    fn cordoned_nodes_are_not_schedulable() {
        let mut nodes = cluster();
        assert!(schedulable(&nodes).is_ok());
        nodes[2].spec.unschedulable = true;
        assert_eq!(
            schedulable(&nodes).unwrap_err(),
            "2/3 nodes schedulable; w-1: unschedulable"
        );
    }

    fn pod(name: &str, ready: bool) -> Pod {
        let status = if ready { "True" } else { "False" };
        serde_json::from_value(json!({"metadata": {"name": name}, "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": status}]}})).unwrap()
    }

    #[test]
    fn one_ready_pod_per_control_plane() {
        let pods = vec![pod("a", true), pod("b", false)];
        assert_eq!(
            component_ready("kube-apiserver", &pods, 2).unwrap_err(),
            "kube-apiserver 1/2 Ready; not ready: b"
        );
        assert_eq!(
            component_ready("kube-apiserver", &pods[..1], 1).unwrap(),
            "kube-apiserver 1/1 Ready"
        );
        assert!(component_ready("kube-scheduler", &[], 1).is_err());
    }

    #[test]
    fn addons_absent_are_skipped() {
        assert!(
            daemonset_ready("kube-proxy", &[])
                .unwrap()
                .contains("skipped")
        );
        assert!(
            deployment_ready("coredns", &[])
                .unwrap()
                .contains("skipped")
        );
        let ds: DaemonSet = serde_json::from_value(
            json!({"status": {"desiredNumberScheduled": 3, "numberReady": 2}}),
        )
        .unwrap();
        assert_eq!(
            daemonset_ready("kube-proxy", &[ds]).unwrap_err(),
            "kube-proxy 2/3 Ready"
        );
        let dp: Deployment =
            serde_json::from_value(json!({"spec": {"replicas": 2}, "status": {}})).unwrap();
        assert_eq!(
            deployment_ready("coredns", &[dp]).unwrap_err(),
            "coredns 0/2 Ready"
        );
    }
}
