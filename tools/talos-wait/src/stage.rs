//! The stages a cluster passes through on its way to ready, and the Kubernetes checks each adds.

use clap::ValueEnum;

/// How far `--until` waits. Each stage includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Stage {
    /// The Talos API answers mutual TLS with the talosconfig's CA on every node.
    Apid,
    /// The Kubernetes API server answers `/readyz` with 200.
    Apiserver,
    /// Every expected node is registered, with the expected addresses.
    Nodes,
    /// Every kubelet posts node status (`Ready` is True or False): enough before a CNI exists.
    Kubelet,
    /// Every node Ready and schedulable, control-plane pods, kube-proxy and CoreDNS ready.
    Ready,
}

/// A check against the Kubernetes API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KubeCheck {
    /// `/readyz` answers 200.
    Apiserver,
    /// The expected nodes are registered.
    Nodes,
    /// Every kubelet posts status.
    Kubelet,
    /// Every node is `Ready=True`.
    NodesReady,
    /// kube-apiserver, kube-controller-manager and kube-scheduler: one Ready pod per control plane.
    ControlPlane,
    /// The kube-proxy DaemonSet is ready (when present).
    KubeProxy,
    /// The CoreDNS Deployment is ready (when present).
    Coredns,
    /// No node is cordoned.
    Schedulable,
}

impl KubeCheck {
    /// The name events use.
    pub fn name(self) -> &'static str {
        match self {
            KubeCheck::Apiserver => "apiserver",
            KubeCheck::Nodes => "nodes",
            KubeCheck::Kubelet => "kubelet",
            KubeCheck::NodesReady => "nodes_ready",
            KubeCheck::ControlPlane => "control_plane",
            KubeCheck::KubeProxy => "kube_proxy",
            KubeCheck::Coredns => "coredns",
            KubeCheck::Schedulable => "schedulable",
        }
    }
}

impl Stage {
    /// The Kubernetes checks up to this stage, in the order a cluster passes them.
    pub fn kube_checks(self) -> Vec<KubeCheck> {
        use KubeCheck::*;
        let all = [
            (Stage::Apiserver, Apiserver),
            (Stage::Nodes, Nodes),
            (Stage::Kubelet, Kubelet),
            (Stage::Ready, NodesReady),
            (Stage::Ready, ControlPlane),
            (Stage::Ready, KubeProxy),
            (Stage::Ready, Coredns),
            (Stage::Ready, Schedulable),
        ];
        all.into_iter()
            .filter(|(stage, _)| *stage <= self)
            .map(|(_, check)| check)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_accumulate() {
        assert!(Stage::Apid.kube_checks().is_empty());
        assert_eq!(Stage::Apiserver.kube_checks(), [KubeCheck::Apiserver]);
        assert_eq!(Stage::Kubelet.kube_checks().len(), 3);
        assert_eq!(Stage::Ready.kube_checks().len(), 8);
        assert_eq!(KubeCheck::ControlPlane.name(), "control_plane");
    }
}
