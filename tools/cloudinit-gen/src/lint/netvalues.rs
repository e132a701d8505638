//! The values of network-config, checked with the generator's own rules: addresses and
//! prefixes, gateways of the right family, MACs, interface names, the keys and subnet types
//! each version knows, booleans and integers. cloud-init 22.4 does not validate network-config:
//! a typo'd key is ignored, a bad address fails in the renderer or on the machine.

use std::net::{IpAddr, Ipv4Addr};

use serde_yaml_ng::Value;

use super::{Severity, Sink};
use crate::validate::{self, Cidr};

/// The keys of each version 1 entry type (cloud-init's network-config v1 schema).
const V1_KEYS: [(&str, &[&str]); 6] = [
    (
        "physical",
        &[
            "type",
            "name",
            "mac_address",
            "mtu",
            "subnets",
            "accept-ra",
            "keep_configuration",
        ],
    ),
    (
        "bond",
        &[
            "type",
            "name",
            "mac_address",
            "bond_interfaces",
            "mtu",
            "accept-ra",
            "params",
            "subnets",
        ],
    ),
    (
        "bridge",
        &[
            "type",
            "name",
            "bridge_interfaces",
            "accept-ra",
            "params",
            "subnets",
        ],
    ),
    (
        "vlan",
        &[
            "type",
            "name",
            "vlan_link",
            "vlan_id",
            "mtu",
            "subnets",
            "mac_address",
            "accept-ra",
        ],
    ),
    ("nameserver", &["type", "address", "search", "interface"]),
    ("route", ROUTE_KEYS),
];

/// The keys of a version 1 subnet.
const SUBNET_KEYS: &[&str] = &[
    "type",
    "control",
    "address",
    "netmask",
    "broadcast",
    "gateway",
    "dns_nameservers",
    "dns_search",
    "routes",
    "ipv4",
    "ipv6",
    "metric",
];

/// The subnet types of version 1.
const SUBNET_TYPES: &[&str] = &[
    "dhcp4",
    "dhcp",
    "dhcp6",
    "static",
    "static6",
    "ipv6_dhcpv6-stateful",
    "ipv6_dhcpv6-stateless",
    "ipv6_slaac",
    "manual",
];

/// The keys of a version 1 route.
const ROUTE_KEYS: &[&str] = &[
    "type",
    "network",
    "destination",
    "netmask",
    "gateway",
    "metric",
];

/// Reports one bad value.
fn bad(sink: &mut Sink<'_>, path: &str, value: &Value, problem: &str) {
    let shown = match value {
        Value::String(s) => format!("{s:?}"),
        other => serde_yaml_ng::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    };
    sink.add(
        "network_config_value",
        Severity::Error,
        format!("{path} {shown}: {problem}"),
    );
}

/// Reports keys of a mapping that are not in `known`.
fn unknown_keys(sink: &mut Sink<'_>, path: &str, map: &Value, known: &[&str], effect: &str) {
    for key in map.as_mapping().into_iter().flat_map(|m| m.keys()) {
        let name = key.as_str().unwrap_or("?");
        if !known.contains(&name) {
            sink.add(
                "unknown_key",
                Severity::Error,
                format!("{path}: unknown key {name:?} ({effect})"),
            );
        }
    }
}

/// True for what YAML 1.1 (PyYAML, netplan) reads as a boolean.
fn is_bool(value: &Value) -> bool {
    const WORDS: [&str; 6] = ["yes", "no", "on", "off", "true", "false"];
    match value {
        Value::Bool(_) => true,
        Value::String(s) => WORDS.contains(&s.to_ascii_lowercase().as_str()),
        _ => false,
    }
}

/// Checks the value at `key` of `map` with `ok`, if present.
fn field(
    sink: &mut Sink<'_>,
    path: &str,
    map: &Value,
    key: &str,
    ok: impl Fn(&Value) -> bool,
    problem: &str,
) {
    if let Some(value) = map.get(key) {
        if !ok(value) {
            bad(sink, &format!("{path}.{key}"), value, problem);
        }
    }
}

/// Checks each item of the list at `key`, if present.
fn items(
    sink: &mut Sink<'_>,
    path: &str,
    map: &Value,
    key: &str,
    ok: impl Fn(&Value) -> bool,
    problem: &str,
) {
    let list = map.get(key).and_then(Value::as_sequence);
    for (i, item) in list.into_iter().flatten().enumerate() {
        if !ok(item) {
            bad(sink, &format!("{path}.{key}[{i}]"), item, problem);
        }
    }
}

fn ip(value: &Value) -> Option<IpAddr> {
    value.as_str()?.parse().ok()
}

fn is_ip(value: &Value) -> bool {
    ip(value).is_some()
}

fn is_integer(value: &Value) -> bool {
    value.as_u64().is_some()
}

fn is_mac(value: &Value) -> bool {
    value.as_str().is_some_and(validate::is_mac)
}

fn is_interface_name(value: &Value) -> bool {
    value.as_str().is_some_and(validate::is_interface_name)
}

fn is_domain(value: &Value) -> bool {
    value.as_str().is_some_and(validate::is_domain)
}

fn is_cidr(value: &Value) -> bool {
    value.as_str().and_then(Cidr::parse).is_some()
}

/// An address alone or with a prefix, of the family `v4` says (`None`: either).
fn is_address(value: &Value, v4: Option<bool>) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    let parsed = if text.contains('/') {
        Cidr::parse(text).map(|c| c.ip)
    } else {
        text.parse().ok()
    };
    parsed.is_some_and(|ip: IpAddr| v4.is_none_or(|v4| ip.is_ipv4() == v4))
}

/// A dotted IPv4 netmask with contiguous ones.
fn is_netmask(value: &Value) -> bool {
    let mask = value.as_str().and_then(|s| s.parse::<Ipv4Addr>().ok());
    mask.is_some_and(|m| {
        let bits = u32::from(m);
        bits.leading_ones() + bits.trailing_zeros() == 32
    })
}

/// Checks a version 1 document.
pub fn v1(sink: &mut Sink<'_>, doc: &Value) {
    unknown_keys(
        sink,
        "network",
        doc,
        &["version", "config"],
        "cloud-init ignores it",
    );
    let Some(config) = doc.get("config").and_then(Value::as_sequence) else {
        return bad(
            sink,
            "config",
            doc.get("config").unwrap_or(&Value::Null),
            "expected a list of entries",
        );
    };
    for (i, entry) in config.iter().enumerate() {
        v1_entry(sink, &format!("config[{i}]"), entry);
    }
}

fn v1_entry(sink: &mut Sink<'_>, path: &str, entry: &Value) {
    let kind = entry
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some((_, keys)) = V1_KEYS.iter().find(|(k, _)| *k == kind) else {
        let value = entry.get("type").unwrap_or(&Value::Null);
        return bad(
            sink,
            &format!("{path}.type"),
            value,
            "not a version 1 entry type (physical, bond, bridge, vlan, nameserver, route)",
        );
    };
    unknown_keys(sink, path, entry, keys, "cloud-init ignores it");
    field(
        sink,
        path,
        entry,
        "name",
        is_interface_name,
        "not an interface name",
    );
    field(
        sink,
        path,
        entry,
        "mac_address",
        is_mac,
        "not a MAC address such as 52:54:00:12:34:56",
    );
    field(
        sink,
        path,
        entry,
        "mtu",
        |v| is_integer(v) || v.is_null(),
        "not an integer",
    );
    field(sink, path, entry, "vlan_id", is_integer, "not an integer");
    field(sink, path, entry, "accept-ra", is_bool, "not a boolean");
    field(
        sink,
        path,
        entry,
        "keep_configuration",
        is_bool,
        "not a boolean",
    );
    match kind {
        "nameserver" => v1_nameserver(sink, path, entry),
        "route" => v1_route(sink, path, entry),
        _ => {}
    }
    let subnets = entry.get("subnets").and_then(Value::as_sequence);
    for (j, subnet) in subnets.into_iter().flatten().enumerate() {
        v1_subnet(sink, &format!("{path}.subnets[{j}]"), subnet);
    }
}

fn v1_nameserver(sink: &mut Sink<'_>, path: &str, entry: &Value) {
    match entry.get("address") {
        Some(Value::Sequence(_)) => items(sink, path, entry, "address", is_ip, "not an IP address"),
        Some(single) if !is_ip(single) => bad(
            sink,
            &format!("{path}.address"),
            single,
            "not an IP address",
        ),
        _ => {}
    }
    items(sink, path, entry, "search", is_domain, "not a domain name");
}

fn v1_subnet(sink: &mut Sink<'_>, path: &str, subnet: &Value) {
    unknown_keys(sink, path, subnet, SUBNET_KEYS, "cloud-init ignores it");
    let kind = subnet
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !SUBNET_TYPES.contains(&kind) {
        let value = subnet.get("type").unwrap_or(&Value::Null);
        bad(
            sink,
            &format!("{path}.type"),
            value,
            "not a subnet type (static, static6, dhcp4, dhcp6, ipv6_slaac, …)",
        );
    }
    let family = match kind {
        "static" => Some(true),
        "static6" => Some(false),
        _ => None,
    };
    let expected = match family {
        Some(true) => "not an IPv4 address with an optional prefix",
        Some(false) => "not an IPv6 address with an optional prefix",
        None => "not an IP address with an optional prefix",
    };
    field(
        sink,
        path,
        subnet,
        "address",
        |v| is_address(v, family),
        expected,
    );
    if family.is_some() && subnet.get("address").is_none() {
        bad(
            sink,
            &format!("{path}.type"),
            &Value::from(kind),
            "a static subnet needs an address",
        );
    }
    field(
        sink,
        path,
        subnet,
        "netmask",
        is_netmask,
        "not a netmask such as 255.255.255.0",
    );
    field(
        sink,
        path,
        subnet,
        "gateway",
        |v| ip(v).is_some_and(|g| family.is_none_or(|f| g.is_ipv4() == f)),
        "not an IP address of the subnet's family",
    );
    field(sink, path, subnet, "metric", is_integer, "not an integer");
    field(sink, path, subnet, "ipv4", is_bool, "not a boolean");
    field(sink, path, subnet, "ipv6", is_bool, "not a boolean");
    items(
        sink,
        path,
        subnet,
        "dns_nameservers",
        is_ip,
        "not an IP address",
    );
    items(
        sink,
        path,
        subnet,
        "dns_search",
        is_domain,
        "not a domain name",
    );
    let routes = subnet.get("routes").and_then(Value::as_sequence);
    for (k, route) in routes.into_iter().flatten().enumerate() {
        let path = format!("{path}.routes[{k}]");
        unknown_keys(sink, &path, route, ROUTE_KEYS, "cloud-init ignores it");
        v1_route(sink, &path, route);
    }
}

fn v1_route(sink: &mut Sink<'_>, path: &str, route: &Value) {
    for key in ["destination", "network"] {
        field(
            sink,
            path,
            route,
            key,
            |v| is_address(v, None),
            "not a network such as 10.20.0.0/16",
        );
    }
    field(
        sink,
        path,
        route,
        "netmask",
        is_netmask,
        "not a netmask such as 255.255.0.0",
    );
    field(sink, path, route, "gateway", is_ip, "not an IP address");
    field(sink, path, route, "metric", is_integer, "not an integer");
}

/// Checks the values of a version 2 device (its keys are checked by the caller).
pub fn v2_device(sink: &mut Sink<'_>, path: &str, device: &Value) {
    for key in ["dhcp4", "dhcp6", "optional", "critical"] {
        field(
            sink,
            path,
            device,
            key,
            is_bool,
            "not a boolean (netplan: invalid boolean value)",
        );
    }
    field(sink, path, device, "mtu", is_integer, "not an integer");
    field(
        sink,
        path,
        device,
        "set-name",
        is_interface_name,
        "not an interface name",
    );
    field(
        sink,
        path,
        device,
        "macaddress",
        is_mac,
        "not a MAC address",
    );
    if let Some(matching) = device.get("match") {
        field(
            sink,
            &format!("{path}.match"),
            matching,
            "macaddress",
            is_mac,
            "not a MAC address",
        );
    }
    field(
        sink,
        path,
        device,
        "gateway4",
        |v| ip(v).is_some_and(|g| g.is_ipv4()),
        "not an IPv4 address",
    );
    field(
        sink,
        path,
        device,
        "gateway6",
        |v| ip(v).is_some_and(|g| g.is_ipv6()),
        "not an IPv6 address",
    );
    match device.get("addresses") {
        Some(Value::Sequence(list)) => {
            for (i, item) in list.iter().enumerate() {
                let address = item
                    .as_mapping()
                    .and_then(|m| m.keys().next())
                    .unwrap_or(item);
                if !is_cidr(address) {
                    bad(
                        sink,
                        &format!("{path}.addresses[{i}]"),
                        address,
                        "not an address with a prefix such as 10.0.0.2/24",
                    );
                }
            }
        }
        Some(other) => bad(sink, &format!("{path}.addresses"), other, "expected a list"),
        None => {}
    }
    if let Some(dns) = device.get("nameservers") {
        let dns_path = format!("{path}.nameservers");
        unknown_keys(
            sink,
            &dns_path,
            dns,
            &["addresses", "search"],
            "netplan rejects it",
        );
        items(
            sink,
            &dns_path,
            dns,
            "addresses",
            is_ip,
            "not an IP address",
        );
        items(
            sink,
            &dns_path,
            dns,
            "search",
            is_domain,
            "not a domain name",
        );
    }
    let routes = device.get("routes").and_then(Value::as_sequence);
    for (i, route) in routes.into_iter().flatten().enumerate() {
        let path = format!("{path}.routes[{i}]");
        field(
            sink,
            &path,
            route,
            "to",
            |v| v.as_str() == Some("default") || is_address(v, None),
            "not a network such as 10.20.0.0/16",
        );
        field(sink, &path, route, "via", is_ip, "not an IP address");
        field(sink, &path, route, "metric", is_integer, "not an integer");
    }
}
