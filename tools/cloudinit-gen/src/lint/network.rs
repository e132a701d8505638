//! Checks of network-config: what makes NoCloud fall back to DHCP without a word, keys
//! netplan rejects, and the version 2 default routes cloud-init 22.4 mis-renders.

use serde_yaml_ng::Value;

use super::{Severity, Sink, netvalues, parse_yaml, text, yaml11_macs};

const V2_ETHERNET_KEYS: &[&str] = &[
    "match",
    "set-name",
    "wakeonlan",
    "dhcp4",
    "dhcp6",
    "dhcp4-overrides",
    "dhcp6-overrides",
    "accept-ra",
    "addresses",
    "gateway4",
    "gateway6",
    "nameservers",
    "mtu",
    "routes",
    "routing-policy",
    "optional",
    "macaddress",
    "renderer",
    "link-local",
    "critical",
    "ipv6-privacy",
    "ipv6-address-generation",
    "ipv6-mtu",
    "emit-lldp",
    "receive-checksum-offload",
    "transmit-checksum-offload",
    "tcp-segmentation-offload",
    "tcp6-segmentation-offload",
    "generic-segmentation-offload",
    "generic-receive-offload",
    "large-receive-offload",
    "interfaces",
    "parameters",
    "id",
    "link",
    "dhcp-identifier",
];

/// The top-level keys of version 2.
const V2_TOP_LEVEL_KEYS: &[&str] = &[
    "version",
    "renderer",
    "ethernets",
    "bonds",
    "bridges",
    "vlans",
];

/// Checks a network-config file.
pub fn check(sink: &mut Sink<'_>, data: &[u8]) {
    let Some(text) = text(sink, data) else { return };
    yaml11_macs(sink, text);
    let Some(doc) = parse_yaml(sink, "network_config_invalid", text) else {
        return;
    };
    let doc = doc.get("network").cloned().unwrap_or(doc);
    match doc.get("version").and_then(Value::as_u64) {
        Some(1) => netvalues::v1(sink, &doc),
        Some(2) => network_v2(sink, &doc),
        _ => sink.add(
            "network_version",
            Severity::Error,
            "version must be 1 or 2: NoCloud falls back to DHCP",
        ),
    }
}

fn network_v2(sink: &mut Sink<'_>, doc: &Value) {
    let rejected = "netplan rejects it";
    netvalues::unknown_keys(sink, "network", doc, V2_TOP_LEVEL_KEYS, rejected);
    for section in ["ethernets", "bonds", "vlans", "bridges"] {
        let Some(map) = doc.get(section).and_then(Value::as_mapping) else {
            continue;
        };
        for (name, iface) in map {
            let name = name.as_str().unwrap_or("?");
            netvalues::v2_device(sink, &format!("{section}.{name}"), iface);
            if let Some(keys) = iface.as_mapping() {
                for key in keys.keys().filter_map(Value::as_str) {
                    if !V2_ETHERNET_KEYS.contains(&key) {
                        sink.add(
                            "unknown_key",
                            Severity::Error,
                            format!("{section}.{name}: unknown key {key:?} (netplan rejects it)"),
                        );
                    }
                }
            }
            for route in iface
                .get("routes")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                let to = route.get("to").and_then(Value::as_str).unwrap_or_default();
                if let Some(what) = misrendered_v2_route(to) {
                    sink.add(
                        "route_default_misrendered",
                        Severity::Warning,
                        format!("{section}.{name}: route to {to:?}: {what}"),
                    );
                }
            }
        }
    }
}

/// What cloud-init 22.4 does wrong with a version 2 route destination, if anything: `default`
/// crashes its eni, networkd and sysconfig renderers, and an IPv6 `/0` comes out as `/64`.
/// (`0.0.0.0/0` and every version 1 default route render correctly.)
fn misrendered_v2_route(to: &str) -> Option<&'static str> {
    if to == "default" {
        return Some(
            "cloud-init 22.4's eni, networkd and sysconfig renderers fail on it (netplan only); use gateway4/gateway6 or 0.0.0.0/0",
        );
    }
    let (ip, prefix) = to.split_once('/')?;
    let v6 = ip.parse::<std::net::Ipv6Addr>().is_ok();
    (v6 && prefix.parse::<u8>() == Ok(0))
        .then_some("cloud-init 22.4 renders it as ::/64 (eni, networkd, sysconfig); use gateway6")
}
