//! The values of network-config, checked with the generator's own rules: addresses and
//! prefixes, gateways of the right family, MACs, interface names, the keys and subnet types
//! each version knows, booleans and integers. cloud-init 22.4 does not validate network-config:
//! a typo'd key is ignored, a bad address fails in the renderer or on the machine.

use std::net::{IpAddr, Ipv4Addr};

use serde_yaml_ng::Value;

use super::{Severity, Sink, yaml_text};
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

/// What cloud-init does with a key it does not know.
const IGNORED: &str = "cloud-init ignores it";

/// Reports one bad value.
fn bad(sink: &mut Sink<'_>, path: &str, value: &Value, problem: &str) {
    let shown = match value {
        Value::String(s) => format!("{s:?}"),
        other => yaml_text(other),
    };
    sink.add(
        "network_config_value",
        Severity::Error,
        format!("{path} {shown}: {problem}"),
    );
}

/// Reports keys of the mapping at `path` that are not in `known`; `effect` says what becomes
/// of them.
pub fn unknown_keys(sink: &mut Sink<'_>, path: &str, map: &Value, known: &[&str], effect: &str) {
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

/// A mapping of the document and its path, whose values are checked.
struct Node<'s, 'a> {
    sink: &'s mut Sink<'a>,
    path: String,
    map: &'s Value,
}

impl<'s, 'a> Node<'s, 'a> {
    fn new(sink: &'s mut Sink<'a>, path: String, map: &'s Value) -> Self {
        Node { sink, path, map }
    }

    /// Another mapping, reported through the same sink.
    fn at<'t>(&'t mut self, path: String, map: &'t Value) -> Node<'t, 'a> {
        Node::new(self.sink, path, map)
    }

    /// Reports the value at `key` (with an index where it is a list item).
    fn bad(&mut self, key: &str, value: &Value, problem: &str) {
        bad(self.sink, &format!("{}.{key}", self.path), value, problem);
    }

    /// Checks the value at `key` with `ok`, if present.
    fn field(&mut self, key: &str, ok: impl Fn(&Value) -> bool, problem: &str) {
        let map = self.map;
        if let Some(value) = map.get(key) {
            if !ok(value) {
                self.bad(key, value, problem);
            }
        }
    }

    /// Checks each item of the list at `key`, if present.
    fn items(&mut self, key: &str, ok: impl Fn(&Value) -> bool, problem: &str) {
        let list = self.map.get(key).and_then(Value::as_sequence);
        for (i, item) in list.into_iter().flatten().enumerate() {
            if !ok(item) {
                self.bad(&format!("{key}[{i}]"), item, problem);
            }
        }
    }

    /// Name servers at `servers` and search domains at `search`, each a list.
    fn dns(&mut self, servers: &str, search: &str) {
        self.items(servers, is_ip, "not an IP address");
        self.items(search, is_domain, "not a domain name");
    }

    fn unknown_keys(&mut self, known: &[&str], effect: &str) {
        unknown_keys(self.sink, &self.path, self.map, known, effect);
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
    unknown_keys(sink, "network", doc, &["version", "config"], IGNORED);
    let Some(config) = doc.get("config").and_then(Value::as_sequence) else {
        let value = doc.get("config").unwrap_or(&Value::Null);
        return bad(sink, "config", value, "expected a list of entries");
    };
    for (i, entry) in config.iter().enumerate() {
        v1_entry(&mut Node::new(sink, format!("config[{i}]"), entry));
    }
}

fn v1_entry(node: &mut Node<'_, '_>) {
    let entry = node.map;
    let kind = entry
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some((_, keys)) = V1_KEYS.iter().find(|(k, _)| *k == kind) else {
        let value = entry.get("type").unwrap_or(&Value::Null);
        return node.bad(
            "type",
            value,
            "not a version 1 entry type (physical, bond, bridge, vlan, nameserver, route)",
        );
    };
    node.unknown_keys(keys, IGNORED);
    node.field("name", is_interface_name, "not an interface name");
    let mac_problem = "not a MAC address such as 52:54:00:12:34:56";
    node.field("mac_address", is_mac, mac_problem);
    node.field("mtu", |v| is_integer(v) || v.is_null(), "not an integer");
    node.field("vlan_id", is_integer, "not an integer");
    node.field("accept-ra", is_bool, "not a boolean");
    node.field("keep_configuration", is_bool, "not a boolean");
    match kind {
        "nameserver" => v1_nameserver(node),
        "route" => v1_route(node),
        _ => {}
    }
    let subnets = entry.get("subnets").and_then(Value::as_sequence);
    for (j, subnet) in subnets.into_iter().flatten().enumerate() {
        let path = format!("{}.subnets[{j}]", node.path);
        v1_subnet(&mut node.at(path, subnet));
    }
}

/// A name server entry: `address` is one address or a list of them.
fn v1_nameserver(node: &mut Node<'_, '_>) {
    let one_or_list = |v: &Value| v.is_sequence() || is_ip(v);
    node.field("address", one_or_list, "not an IP address");
    node.dns("address", "search");
}

fn v1_subnet(node: &mut Node<'_, '_>) {
    node.unknown_keys(SUBNET_KEYS, IGNORED);
    let subnet = node.map;
    let kind = subnet
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !SUBNET_TYPES.contains(&kind) {
        let value = subnet.get("type").unwrap_or(&Value::Null);
        let problem = "not a subnet type (static, static6, dhcp4, dhcp6, ipv6_slaac, …)";
        node.bad("type", value, problem);
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
    node.field("address", |v| is_address(v, family), expected);
    if family.is_some() && subnet.get("address").is_none() {
        node.bad(
            "type",
            &Value::from(kind),
            "a static subnet needs an address",
        );
    }
    node.field("netmask", is_netmask, "not a netmask such as 255.255.255.0");
    let of_family = |v: &Value| ip(v).is_some_and(|g| family.is_none_or(|f| g.is_ipv4() == f));
    node.field(
        "gateway",
        of_family,
        "not an IP address of the subnet's family",
    );
    node.field("metric", is_integer, "not an integer");
    node.field("ipv4", is_bool, "not a boolean");
    node.field("ipv6", is_bool, "not a boolean");
    node.dns("dns_nameservers", "dns_search");
    let routes = subnet.get("routes").and_then(Value::as_sequence);
    for (k, route) in routes.into_iter().flatten().enumerate() {
        let path = format!("{}.routes[{k}]", node.path);
        let mut route = node.at(path, route);
        route.unknown_keys(ROUTE_KEYS, IGNORED);
        v1_route(&mut route);
    }
}

fn v1_route(node: &mut Node<'_, '_>) {
    for key in ["destination", "network"] {
        let problem = "not a network such as 10.20.0.0/16";
        node.field(key, |v| is_address(v, None), problem);
    }
    node.field("netmask", is_netmask, "not a netmask such as 255.255.0.0");
    node.field("gateway", is_ip, "not an IP address");
    node.field("metric", is_integer, "not an integer");
}

/// Checks the values of a version 2 device (its keys are checked by the caller).
pub fn v2_device(sink: &mut Sink<'_>, path: &str, device: &Value) {
    let mut node = Node::new(sink, path.to_string(), device);
    for key in ["dhcp4", "dhcp6", "optional", "critical"] {
        node.field(
            key,
            is_bool,
            "not a boolean (netplan: invalid boolean value)",
        );
    }
    node.field("mtu", is_integer, "not an integer");
    node.field("set-name", is_interface_name, "not an interface name");
    node.field("macaddress", is_mac, "not a MAC address");
    if let Some(matching) = device.get("match") {
        let mut matching = node.at(format!("{path}.match"), matching);
        matching.field("macaddress", is_mac, "not a MAC address");
    }
    let v4 = |v: &Value| ip(v).is_some_and(|g| g.is_ipv4());
    node.field("gateway4", v4, "not an IPv4 address");
    let v6 = |v: &Value| ip(v).is_some_and(|g| g.is_ipv6());
    node.field("gateway6", v6, "not an IPv6 address");
    match device.get("addresses") {
        Some(Value::Sequence(list)) => {
            for (i, item) in list.iter().enumerate() {
                let address = item
                    .as_mapping()
                    .and_then(|m| m.keys().next())
                    .unwrap_or(item);
                if !is_cidr(address) {
                    let problem = "not an address with a prefix such as 10.0.0.2/24";
                    node.bad(&format!("addresses[{i}]"), address, problem);
                }
            }
        }
        Some(other) => node.bad("addresses", other, "expected a list"),
        None => {}
    }
    if let Some(dns) = device.get("nameservers") {
        let mut dns = node.at(format!("{path}.nameservers"), dns);
        dns.unknown_keys(&["addresses", "search"], "netplan rejects it");
        dns.dns("addresses", "search");
    }
    let routes = device.get("routes").and_then(Value::as_sequence);
    for (i, route) in routes.into_iter().flatten().enumerate() {
        let mut route = node.at(format!("{path}.routes[{i}]"), route);
        let to = |v: &Value| v.as_str() == Some("default") || is_address(v, None);
        route.field("to", to, "not a network such as 10.20.0.0/16");
        route.field("via", is_ip, "not an IP address");
        route.field("metric", is_integer, "not an integer");
    }
}
