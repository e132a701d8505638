//! network-config in version 1 (what Proxmox emits and cloud-init 22.4 renders everywhere) or
//! version 2 (netplan's dialect), without the default-route forms 22.4 mis-renders (version 2
//! routes to `default` or `::/0`).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::spec::{Interface, Network, Route};
use crate::validate::Cidr;

#[derive(Debug, Serialize)]
struct V1<'a> {
    version: u8,
    config: Vec<V1Entry<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum V1Entry<'a> {
    Physical {
        name: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        mac_address: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        mtu: Option<u32>,
        subnets: Vec<V1Subnet>,
    },
    Nameserver {
        #[serde(skip_serializing_if = "Vec::is_empty")]
        address: Vec<&'a str>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        search: Vec<&'a str>,
    },
}

#[derive(Debug, Serialize)]
struct V1Subnet {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    netmask: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gateway: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    routes: Vec<V1Route>,
}

#[derive(Debug, Serialize)]
struct V1Route {
    destination: String,
    gateway: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    metric: Option<u32>,
}

#[derive(Debug, Serialize)]
struct V2<'a> {
    version: u8,
    ethernets: BTreeMap<&'a str, V2Ethernet<'a>>,
}

#[derive(Debug, Serialize)]
struct V2Ethernet<'a> {
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    matching: Option<V2Match>,
    #[serde(rename = "set-name", skip_serializing_if = "Option::is_none")]
    set_name: Option<&'a str>,
    dhcp4: bool,
    dhcp6: bool,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    addresses: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    gateway4: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gateway6: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mtu: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nameservers: Option<V2Nameservers<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    routes: &'a [Route],
}

#[derive(Debug, Serialize)]
struct V2Match {
    macaddress: String,
}

#[derive(Debug, Serialize)]
struct V2Nameservers<'a> {
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    addresses: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    search: &'a [String],
}

impl Serialize for Route {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("to", &self.to)?;
        map.serialize_entry("via", &self.via)?;
        if let Some(metric) = self.metric {
            map.serialize_entry("metric", &metric)?;
        }
        map.end()
    }
}

/// Renders the network-config document for the spec's chosen version.
pub fn render(net: &Network) -> Result<String> {
    let yaml = if net.version == 2 {
        crate::yaml::to_string(&v2(net))
    } else {
        crate::yaml::to_string(&v1(net))
    };
    yaml.context("cannot serialize network-config")
}

fn v1(net: &Network) -> V1<'_> {
    let mut config: Vec<V1Entry<'_>> = net.interfaces.iter().map(v1_physical).collect();
    let mut address = Vec::new();
    let mut search = Vec::new();
    for iface in &net.interfaces {
        push_unique(&mut address, &iface.nameservers);
        push_unique(&mut search, &iface.search);
    }
    if !address.is_empty() || !search.is_empty() {
        config.push(V1Entry::Nameserver { address, search });
    }
    V1 { version: 1, config }
}

fn push_unique<'a>(into: &mut Vec<&'a str>, items: &'a [String]) {
    for item in items {
        if !into.contains(&item.as_str()) {
            into.push(item);
        }
    }
}

fn v1_physical(iface: &Interface) -> V1Entry<'_> {
    let cidrs: Vec<Cidr> = iface
        .addresses
        .iter()
        .filter_map(|a| Cidr::parse(a))
        .collect();
    let mut gateway4 = iface.gateway4.clone();
    let mut gateway6 = iface.gateway6.clone();
    let mut subnets: Vec<V1Subnet> = cidrs
        .iter()
        .map(|cidr| match cidr.ip {
            IpAddr::V4(ip) => V1Subnet {
                kind: "static",
                address: Some(ip.to_string()),
                netmask: Some(netmask(cidr.prefix).to_string()),
                gateway: gateway4.take(),
                routes: Vec::new(),
            },
            IpAddr::V6(_) => V1Subnet {
                kind: "static6",
                address: Some(format!("{}/{}", cidr.ip, cidr.prefix)),
                netmask: None,
                gateway: gateway6.take(),
                routes: Vec::new(),
            },
        })
        .collect();
    for route in &iface.routes {
        v1_attach_route(&mut subnets, &cidrs, route);
    }
    if iface.dhcp4 {
        subnets.push(dhcp("dhcp4"));
    }
    if iface.dhcp6 {
        subnets.push(dhcp("dhcp6"));
    }
    V1Entry::Physical {
        name: &iface.name,
        mac_address: iface.mac.as_ref().map(|m| m.to_ascii_lowercase()),
        mtu: iface.mtu,
        subnets,
    }
}

/// Puts a route on the static subnet whose network holds its next hop (validation makes sure
/// there is one), where the renderers expect the gateway to be reachable.
fn v1_attach_route(subnets: &mut [V1Subnet], cidrs: &[Cidr], route: &Route) {
    let (Some(to), Ok(via)) = (Cidr::parse(&route.to), route.via.parse::<IpAddr>()) else {
        return;
    };
    let at = cidrs.iter().position(|c| c.contains(via));
    if let Some(subnet) = at.and_then(|at| subnets.get_mut(at)) {
        subnet.routes.push(V1Route {
            destination: format!("{}/{}", to.ip, to.prefix),
            gateway: route.via.clone(),
            metric: route.metric,
        });
    }
}

fn dhcp(kind: &'static str) -> V1Subnet {
    V1Subnet {
        kind,
        address: None,
        netmask: None,
        gateway: None,
        routes: Vec::new(),
    }
}

/// The dotted netmask of an IPv4 prefix length.
pub fn netmask(prefix: u8) -> Ipv4Addr {
    let bits = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix.min(32)))
    };
    Ipv4Addr::from(bits)
}

fn v2(net: &Network) -> V2<'_> {
    let ethernets = net
        .interfaces
        .iter()
        .map(|iface| (iface.name.as_str(), v2_ethernet(iface)))
        .collect();
    V2 {
        version: 2,
        ethernets,
    }
}

fn v2_ethernet(iface: &Interface) -> V2Ethernet<'_> {
    let has_dns = !iface.nameservers.is_empty() || !iface.search.is_empty();
    V2Ethernet {
        matching: iface.mac.as_ref().map(|m| V2Match {
            macaddress: m.to_ascii_lowercase(),
        }),
        set_name: iface.mac.as_ref().map(|_| iface.name.as_str()),
        dhcp4: iface.dhcp4,
        dhcp6: iface.dhcp6,
        addresses: &iface.addresses,
        gateway4: iface.gateway4.as_deref(),
        gateway6: iface.gateway6.as_deref(),
        mtu: iface.mtu,
        nameservers: has_dns.then_some(V2Nameservers {
            addresses: &iface.nameservers,
            search: &iface.search,
        }),
        routes: &iface.routes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_yaml_ng::Value;

    fn iface() -> Interface {
        Interface {
            name: "eth0".into(),
            mac: Some("52:54:00:AB:34:56".into()),
            addresses: vec!["10.10.2.14/24".into(), "fd00::14/64".into()],
            gateway4: Some("10.10.2.1".into()),
            gateway6: Some("fd00::1".into()),
            nameservers: vec!["10.10.2.1".into()],
            search: vec!["lab.example".into()],
            routes: vec![Route {
                to: "10.20.0.0/16".into(),
                via: "10.10.2.254".into(),
                metric: Some(100),
            }],
            ..Interface::default()
        }
    }

    #[test]
    fn version_1_matches_the_proxmox_shape() {
        let text = render(&Network {
            version: 1,
            interfaces: vec![iface()],
        })
        .unwrap();
        let doc: Value = serde_yaml_ng::from_str(&text).unwrap();
        let eth = &doc["config"][0];
        assert_eq!(eth["type"], Value::from("physical"));
        assert_eq!(eth["mac_address"], Value::from("52:54:00:ab:34:56"));
        assert_eq!(eth["subnets"][0]["netmask"], Value::from("255.255.255.0"));
        assert_eq!(eth["subnets"][0]["gateway"], Value::from("10.10.2.1"));
        assert_eq!(
            eth["subnets"][0]["routes"][0]["destination"],
            Value::from("10.20.0.0/16")
        );
        assert_eq!(eth["subnets"][1]["address"], Value::from("fd00::14/64"));
        assert_eq!(doc["config"][1]["type"], Value::from("nameserver"));
    }

    #[test]
    fn version_2_uses_match_and_gateways() {
        let text = render(&Network {
            version: 2,
            interfaces: vec![iface()],
        })
        .unwrap();
        let doc: Value = serde_yaml_ng::from_str(&text).unwrap();
        let eth = &doc["ethernets"]["eth0"];
        assert_eq!(eth["match"]["macaddress"], Value::from("52:54:00:ab:34:56"));
        assert_eq!(eth["set-name"], Value::from("eth0"));
        assert_eq!(eth["gateway4"], Value::from("10.10.2.1"));
        assert_eq!(eth["routes"][0]["metric"], Value::from(100));
    }

    #[test]
    fn netmasks() {
        assert_eq!(netmask(24).to_string(), "255.255.255.0");
        assert_eq!(netmask(0).to_string(), "0.0.0.0");
        assert_eq!(netmask(32).to_string(), "255.255.255.255");
        assert_eq!(netmask(17).to_string(), "255.255.128.0");
    }
}
