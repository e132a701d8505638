//! Checks of a parsed spec: every value that ends up in a seed is well-formed, so that the
//! seed cloud-init reads is valid by construction. Errors name the field path.

use std::collections::BTreeSet;
use std::net::IpAddr;

use anyhow::{Result, bail};

use crate::spec::{Encoding, Interface, Network, Route, Script, Spec, User, WriteFile};
use crate::{codec, password, sshkey};

/// Checks a whole spec; the error reads `<field path>: <problem>`.
pub fn spec(spec: &Spec) -> Result<()> {
    hostname("hostname", &spec.hostname)?;
    if let Some(fqdn) = &spec.fqdn {
        fully_qualified("fqdn", fqdn, &spec.hostname)?;
    }
    if let Some(id) = &spec.instance_id {
        instance_id("instance_id", id)?;
    }
    keys("ssh_authorized_keys", &spec.ssh_authorized_keys)?;
    if !spec.default_user && !spec.ssh_authorized_keys.is_empty() {
        bail!("ssh_authorized_keys: these keys go to the default user, but default_user is false");
    }
    users(&spec.users)?;
    words(
        "packages",
        &spec.packages,
        is_package_name,
        "not a package name",
    )?;
    if let Some(zone) = &spec.timezone {
        timezone("timezone", zone)?;
    }
    words(
        "ntp_servers",
        &spec.ntp_servers,
        is_host_or_ip,
        "not a host name or IP address",
    )?;
    for (i, file) in spec.write_files.iter().enumerate() {
        let path = format!("write_files[{i}]");
        write_file(&path, file)?;
        if file.defer == Some(false) && crate::userdata::owner_created(spec, file) {
            bail!(
                "{path}.defer: the owner is created by users, after write_files runs; the file must be deferred"
            );
        }
    }
    commands("bootcmd", &spec.bootcmd)?;
    commands("runcmd", &spec.runcmd)?;
    scripts(&spec.scripts)?;
    if let Some(net) = &spec.network {
        network(net)?;
    }
    if let Some(talos) = &spec.talos_machine_config {
        talos_config(spec, talos)?;
    }
    Ok(())
}

fn hostname(path: &str, name: &str) -> Result<()> {
    if !is_label(name) {
        bail!("{path}: not a valid host name (letters, digits and '-', 1-63 characters)");
    }
    Ok(())
}

/// True for one DNS label: letters, digits and inner hyphens, 1 to 63 characters.
pub fn is_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// True for a domain name of labels joined by dots, at most 253 characters.
pub fn is_domain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_label)
}

fn fully_qualified(path: &str, fqdn: &str, host: &str) -> Result<()> {
    if !is_domain(fqdn) || !fqdn.contains('.') {
        bail!("{path}: not a fully qualified domain name");
    }
    if fqdn.split('.').next() != Some(host) {
        bail!("{path}: does not start with the hostname {host:?}");
    }
    Ok(())
}

fn instance_id(path: &str, id: &str) -> Result<()> {
    let ok = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b));
    if !ok {
        bail!("{path}: not an instance id (letters, digits, '.', '_', ':', '-', 1-128 characters)");
    }
    Ok(())
}

fn keys(path: &str, list: &[String]) -> Result<()> {
    for (i, key) in list.iter().enumerate() {
        if let Err(err) = sshkey::check(key) {
            bail!("{path}[{i}]: not an SSH public key ({err})");
        }
    }
    Ok(())
}

fn users(list: &[User]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for (i, user) in list.iter().enumerate() {
        let path = format!("users[{i}]");
        if !is_account_name(&user.name) || user.name == "default" {
            bail!(
                "{path}.name: not a user name (lower-case letters, digits, '_', '-', at most 32)"
            );
        }
        if !seen.insert(user.name.as_str()) {
            bail!("{path}.name: user {:?} is listed twice", user.name);
        }
        keys(
            &format!("{path}.ssh_authorized_keys"),
            &user.ssh_authorized_keys,
        )?;
        words(
            &format!("{path}.groups"),
            &user.groups,
            is_account_name,
            "not a group name",
        )?;
        if let Some(shell) = &user.shell {
            if !is_absolute_path(shell) || shell.contains(char::is_whitespace) {
                bail!("{path}.shell: not an absolute path");
            }
        }
        if let Some(rule) = &user.sudo {
            single_line(&format!("{path}.sudo"), rule)?;
        }
        passwords(&path, user)?;
    }
    Ok(())
}

fn passwords(path: &str, user: &User) -> Result<()> {
    match (&user.password_hash, &user.password) {
        (Some(_), Some(_)) => bail!("{path}: give password_hash or password, not both"),
        (Some(hash), None) => {
            if let Err(err) = password::check_hash(hash) {
                bail!("{path}.password_hash: {err}");
            }
        }
        (None, Some(plain)) if plain.is_empty() => bail!("{path}.password: empty password"),
        _ => {}
    }
    Ok(())
}

/// True for a POSIX-style account or group name.
pub fn is_account_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_');
    first_ok
        && name.len() <= 32
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn is_package_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".+_:=~-*".contains(&b))
        && !name.starts_with('-')
}

fn is_host_or_ip(name: &str) -> bool {
    name.parse::<IpAddr>().is_ok() || is_domain(name)
}

fn words(path: &str, list: &[String], ok: fn(&str) -> bool, what: &str) -> Result<()> {
    match list.iter().position(|w| !ok(w)) {
        Some(i) => bail!("{path}[{i}]: {what}"),
        None => Ok(()),
    }
}

fn timezone(path: &str, zone: &str) -> Result<()> {
    let ok = !zone.is_empty()
        && zone
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+-/".contains(&b))
        && zone.split('/').all(|part| !part.is_empty() && part != "..");
    if !ok {
        bail!("{path}: not a time zone name such as Europe/Paris");
    }
    Ok(())
}

fn is_absolute_path(path: &str) -> bool {
    path.starts_with('/') && !path.contains(['\0', '\n', '\r'])
}

fn single_line(path: &str, text: &str) -> Result<()> {
    if text.is_empty() || text.contains(['\n', '\r', '\0']) {
        bail!("{path}: expected one non-empty line");
    }
    Ok(())
}

fn write_file(path: &str, file: &WriteFile) -> Result<()> {
    if !is_absolute_path(&file.path) || file.path.ends_with('/') {
        bail!("{path}.path: not an absolute file path");
    }
    if let Some(mode) = &file.permissions {
        let digits = mode.strip_prefix('0').unwrap_or(mode);
        if !(3..=4).contains(&digits.len()) || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            bail!("{path}.permissions: not an octal mode such as \"0644\"");
        }
    }
    if let Some(owner) = &file.owner {
        let mut parts = owner.splitn(2, ':');
        let user_ok = parts.next().is_some_and(is_account_name);
        if !user_ok || !parts.next().is_none_or(is_account_name) {
            bail!("{path}.owner: expected user or user:group");
        }
    }
    if let Err(err) = content(file) {
        bail!("{path}.content: {err}");
    }
    Ok(())
}

/// Bytes a `write_files` entry may decompress to: far more than any seed can carry.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Checks that cloud-init can decode a file's content as its encoding says.
fn content(file: &WriteFile) -> Result<(), String> {
    match file.encoding {
        Encoding::Text if file.content.contains('\0') => {
            Err("NUL bytes cannot be carried as text; give the bytes as base64".into())
        }
        Encoding::Text => Ok(()),
        Encoding::Base64 => codec::base64_bytes(&file.content).map(drop),
        Encoding::GzipBase64 => {
            let gz = codec::base64_bytes(&file.content)?;
            codec::gunzip(&gz, MAX_FILE_BYTES).map(drop)
        }
    }
}

fn commands(path: &str, list: &[String]) -> Result<()> {
    match list.iter().position(|c| c.trim().is_empty()) {
        Some(i) => bail!("{path}[{i}]: empty command"),
        None => Ok(()),
    }
}

fn scripts(list: &[Script]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for (i, script) in list.iter().enumerate() {
        let ok_name = !script.name.is_empty()
            && script.name.len() <= 64
            && script
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !ok_name {
            bail!("scripts[{i}].name: not a file name (letters, digits, '.', '_', '-')");
        }
        if !seen.insert(script.name.as_str()) {
            bail!("scripts[{i}].name: {:?} is listed twice", script.name);
        }
        if !script.content.starts_with("#!") {
            bail!("scripts[{i}].content: a script starts with \"#!\"");
        }
        if script.content.contains("\r\n") {
            bail!(
                "scripts[{i}].content: CRLF line endings; the script would fail with '\\r: command not found'"
            );
        }
    }
    Ok(())
}

fn network(net: &Network) -> Result<()> {
    if !matches!(net.version, 1 | 2) {
        bail!("network.version: expected 1 or 2");
    }
    if net.interfaces.is_empty() {
        bail!("network.interfaces: expected at least one interface");
    }
    let mut names = BTreeSet::new();
    let mut macs = BTreeSet::new();
    for (i, iface) in net.interfaces.iter().enumerate() {
        let path = format!("network.interfaces[{i}]");
        interface(&path, iface, net.version)?;
        if !names.insert(iface.name.as_str()) {
            bail!("{path}.name: {:?} is listed twice", iface.name);
        }
        if let Some(mac) = &iface.mac {
            if !macs.insert(mac.to_ascii_lowercase()) {
                bail!("{path}.mac: {mac:?} is listed twice");
            }
        }
    }
    Ok(())
}

/// An address in CIDR form, split and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// The address.
    pub ip: IpAddr,
    /// The prefix length.
    pub prefix: u8,
}

impl Cidr {
    /// Parses `address/prefix`; the prefix is decimal without leading zeros and fits the
    /// address family.
    pub fn parse(text: &str) -> Option<Cidr> {
        let (ip, prefix) = text.split_once('/')?;
        let ip: IpAddr = ip.parse().ok()?;
        let digits = !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit());
        if !digits || prefix.len() > 3 || (prefix.len() > 1 && prefix.starts_with('0')) {
            return None;
        }
        let prefix: u8 = prefix.parse().ok()?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Cidr { ip, prefix })
    }

    /// The address with the host bits cleared.
    pub fn network(&self) -> IpAddr {
        match self.ip {
            IpAddr::V4(ip) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V4((u32::from(ip) & mask).into())
            }
            IpAddr::V6(ip) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V6((u128::from(ip) & mask).into())
            }
        }
    }

    /// True when `ip` is inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let inner = Cidr {
            ip,
            prefix: self.prefix,
        };
        ip.is_ipv4() == self.ip.is_ipv4() && inner.network() == self.network()
    }
}

fn interface(path: &str, iface: &Interface, version: u8) -> Result<()> {
    if !is_interface_name(&iface.name) {
        bail!("{path}.name: not an interface name (letters, digits, '_', '.', '-', at most 15)");
    }
    if let Some(mac) = &iface.mac {
        if !is_mac(mac) {
            bail!("{path}.mac: not a MAC address such as 52:54:00:12:34:56");
        }
    }
    let mut cidrs = Vec::new();
    for (i, text) in iface.addresses.iter().enumerate() {
        match Cidr::parse(text) {
            Some(cidr) => cidrs.push(cidr),
            None => {
                bail!("{path}.addresses[{i}]: not an address with a prefix such as 10.0.0.2/24")
            }
        }
    }
    let has_v4 = cidrs.iter().any(|c| c.ip.is_ipv4());
    let has_v6 = cidrs.iter().any(|c| c.ip.is_ipv6());
    gateway(
        &format!("{path}.gateway4"),
        iface.gateway4.as_deref(),
        true,
        has_v4,
    )?;
    gateway(
        &format!("{path}.gateway6"),
        iface.gateway6.as_deref(),
        false,
        has_v6,
    )?;
    words(
        &format!("{path}.nameservers"),
        &iface.nameservers,
        |s| s.parse::<IpAddr>().is_ok(),
        "not an IP address",
    )?;
    words(
        &format!("{path}.search"),
        &iface.search,
        is_domain,
        "not a domain name",
    )?;
    if let Some(mtu) = iface.mtu {
        let min = if has_v6 || iface.dhcp6 { 1280 } else { 576 };
        if !(min..=65535).contains(&mtu) {
            bail!("{path}.mtu: expected {min} to 65535");
        }
    }
    if cidrs.is_empty() && !iface.dhcp4 && !iface.dhcp6 {
        bail!("{path}: no addresses and no DHCP: the interface would stay unconfigured");
    }
    for (i, route) in iface.routes.iter().enumerate() {
        self::route(
            &format!("{path}.routes[{i}]"),
            route,
            version,
            &cidrs,
            iface,
        )?;
    }
    Ok(())
}

/// True for a Linux interface name: letters, digits, `_`, `.`, `-`, at most 15 characters.
pub fn is_interface_name(name: &str) -> bool {
    (1..=15).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

/// True for a MAC address written as six pairs of hex digits joined by colons.
pub fn is_mac(mac: &str) -> bool {
    let parts: Vec<&str> = mac.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn gateway(path: &str, gw: Option<&str>, v4: bool, has_static: bool) -> Result<()> {
    let Some(gw) = gw else { return Ok(()) };
    let family = if v4 { "IPv4" } else { "IPv6" };
    match gw.parse::<IpAddr>() {
        Ok(ip) if ip.is_ipv4() == v4 => {}
        _ => bail!("{path}: not an {family} address"),
    }
    if !has_static {
        bail!("{path}: needs a static {family} address on this interface");
    }
    Ok(())
}

fn route(path: &str, route: &Route, version: u8, cidrs: &[Cidr], iface: &Interface) -> Result<()> {
    let Some(to) = Cidr::parse(&route.to) else {
        bail!("{path}.to: not a network such as 10.20.0.0/16");
    };
    if to.network() != to.ip {
        bail!(
            "{path}.to: host bits are set; the network is {}/{}",
            to.network(),
            to.prefix
        );
    }
    if to.prefix == 0 {
        default_route(path, &to, version, iface)?;
    }
    let via: IpAddr = match route.via.parse() {
        Ok(ip) => ip,
        Err(_) => bail!("{path}.via: not an IP address"),
    };
    if via.is_ipv4() != to.ip.is_ipv4() {
        bail!("{path}.via: not in the address family of {}", route.to);
    }
    if !cidrs.iter().any(|c| c.contains(via)) {
        bail!("{path}.via: not inside any static address's network on this interface");
    }
    Ok(())
}

/// A route to `0.0.0.0/0` or `::/0`: cloud-init 22.4 renders both correctly from version 1 and
/// the IPv4 one from version 2, but turns a version 2 route to `::/0` into `::/64`.
fn default_route(path: &str, to: &Cidr, version: u8, iface: &Interface) -> Result<()> {
    if version == 2 && to.ip.is_ipv6() {
        bail!(
            "{path}.to: cloud-init 22.4 renders a version 2 route to ::/0 as ::/64; use gateway6 or network version 1"
        );
    }
    let gateway = if to.ip.is_ipv4() {
        ("gateway4", &iface.gateway4)
    } else {
        ("gateway6", &iface.gateway6)
    };
    if gateway.1.is_some() {
        bail!(
            "{path}.to: a default route besides {}: give one of them",
            gateway.0
        );
    }
    Ok(())
}

fn talos_config(spec: &Spec, config: &str) -> Result<()> {
    let cloud_fields = [
        ("users", !spec.users.is_empty()),
        ("ssh_authorized_keys", !spec.ssh_authorized_keys.is_empty()),
        ("packages", !spec.packages.is_empty()),
        ("package_upgrade", spec.package_upgrade.is_some()),
        ("timezone", spec.timezone.is_some()),
        ("ntp_servers", !spec.ntp_servers.is_empty()),
        ("write_files", !spec.write_files.is_empty()),
        ("bootcmd", !spec.bootcmd.is_empty()),
        ("runcmd", !spec.runcmd.is_empty()),
        ("scripts", !spec.scripts.is_empty()),
    ];
    if let Some((field, _)) = cloud_fields.iter().find(|(_, set)| *set) {
        bail!(
            "{field}: Talos ignores cloud-config; it cannot be combined with talos_machine_config"
        );
    }
    if config.starts_with("#cloud-config") || config.starts_with("#include") {
        bail!("talos_machine_config: expected a Talos machine config, not cloud-config");
    }
    if let Err(err) = talos_documents(config) {
        bail!("talos_machine_config: {err}");
    }
    Ok(())
}

/// The documents of a Talos machine config: one or more YAML mappings separated by `---`
/// (the `v1alpha1` config followed by documents such as `HostnameConfig`).
pub fn talos_documents(config: &str) -> Result<Vec<serde_yaml_ng::Value>, String> {
    use serde::Deserialize as _;
    let mut documents = Vec::new();
    for (i, document) in serde_yaml_ng::Deserializer::from_str(config).enumerate() {
        let value = serde_yaml_ng::Value::deserialize(document)
            .map_err(|err| format!("document {}: not YAML ({err})", i + 1))?;
        match value {
            serde_yaml_ng::Value::Mapping(_) => documents.push(value),
            serde_yaml_ng::Value::Null => {}
            _ => return Err(format!("document {}: expected a YAML mapping", i + 1)),
        }
    }
    if documents.is_empty() {
        return Err("expected a YAML mapping".into());
    }
    Ok(documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEmKTJ0/KN+UcKDAmJL4xKVRNDJNBqUWl4OCyVGgh8SP me@laptop";

    fn base() -> Spec {
        Spec {
            hostname: "cp-0".into(),
            default_user: true,
            ..Spec::default()
        }
    }

    fn err(spec: &Spec) -> String {
        self::spec(spec).unwrap_err().to_string()
    }

    #[test]
    fn a_full_spec_passes() {
        let mut s = base();
        s.fqdn = Some("cp-0.lab.example".into());
        s.ssh_authorized_keys = vec![KEY.into()];
        s.users = vec![User {
            name: "ops".into(),
            groups: vec!["wheel".into()],
            ..User::default()
        }];
        s.write_files = vec![WriteFile {
            path: "/etc/x".into(),
            permissions: Some("0644".into()),
            owner: Some("root:root".into()),
            encoding: Encoding::Base64,
            ..WriteFile::default()
        }];
        s.network = Some(Network {
            version: 1,
            interfaces: vec![Interface {
                name: "eth0".into(),
                mac: Some("52:54:00:12:34:56".into()),
                addresses: vec!["10.0.0.2/24".into(), "fd00::2/64".into()],
                gateway4: Some("10.0.0.1".into()),
                gateway6: Some("fd00::1".into()),
                routes: vec![Route {
                    to: "10.20.0.0/16".into(),
                    via: "10.0.0.254".into(),
                    metric: None,
                }],
                ..Interface::default()
            }],
        });
        spec(&s).unwrap();
    }

    #[test]
    fn bad_values_name_their_path() {
        let mut s = base();
        s.users = vec![
            User {
                name: "a".into(),
                ..User::default()
            },
            User {
                name: "b".into(),
                ssh_authorized_keys: vec!["ssh-rsa nope".into()],
                ..User::default()
            },
        ];
        assert!(
            err(&s).starts_with("users[1].ssh_authorized_keys[0]: not an SSH public key"),
            "{}",
            err(&s)
        );

        let mut s = base();
        s.fqdn = Some("other.example".into());
        assert_eq!(err(&s), "fqdn: does not start with the hostname \"cp-0\"");

        let mut s = base();
        s.default_user = false;
        s.ssh_authorized_keys = vec![KEY.into()];
        assert!(err(&s).starts_with("ssh_authorized_keys: these keys go to the default user"));
    }

    #[test]
    fn network_values_are_checked() {
        fn iface(f: impl Fn(&mut Interface)) -> String {
            let mut i = Interface {
                name: "eth0".into(),
                addresses: vec!["10.0.0.2/24".into()],
                ..Interface::default()
            };
            f(&mut i);
            let mut s = base();
            s.network = Some(Network {
                version: 1,
                interfaces: vec![i],
            });
            err(&s)
        }
        assert!(
            iface(|i| i.mac = Some("52:54:00:12:34".into()))
                .contains("interfaces[0].mac: not a MAC")
        );
        assert!(iface(|i| i.addresses = vec!["10.0.0.2/33".into()]).contains("addresses[0]"));
        assert!(iface(|i| i.addresses = vec!["10.0.0.300/24".into()]).contains("addresses[0]"));
        assert!(iface(|i| i.gateway4 = Some("fd00::1".into())).contains("gateway4: not an IPv4"));
        assert!(
            iface(|i| i.gateway6 = Some("fd00::1".into()))
                .contains("gateway6: needs a static IPv6")
        );
        let route = |to: &'static str, via: &'static str| {
            move |i: &mut Interface| {
                i.addresses.push("fd00::2/64".into());
                i.addresses.push("10.1.0.2/16".into());
                i.routes = vec![Route {
                    to: to.into(),
                    via: via.into(),
                    metric: None,
                }]
            }
        };
        assert!(
            iface(route("10.20.0.5/16", "10.0.0.1"))
                .contains("routes[0].to: host bits are set; the network is 10.20.0.0/16")
        );
        assert!(iface(route("10.20.0.0/016", "10.0.0.1")).contains("routes[0].to: not a network"));
        assert!(iface(route("10.20.0.0/16", "10.9.0.1")).contains("routes[0].via: not inside"));
        assert!(iface(route("fd01::/48", "10.0.0.1")).contains("via: not in the address family"));
        assert!(iface(|i| i.addresses = vec!["10.0.0.2/024".into()]).contains("addresses[0]"));
        assert!(iface(|i| i.addresses.clear()).contains("no addresses and no DHCP"));
        assert!(iface(|i| i.mtu = Some(9)).contains("mtu"));
    }

    #[test]
    fn default_routes_are_refused_only_where_cloud_init_mis_renders_them() {
        let with = |version: u8, to: &str, via: &str, gateway4: Option<&str>| {
            let mut s = base();
            s.network = Some(Network {
                version,
                interfaces: vec![Interface {
                    name: "eth0".into(),
                    addresses: vec!["10.0.0.2/24".into(), "fd00::2/64".into()],
                    gateway4: gateway4.map(str::to_string),
                    routes: vec![Route {
                        to: to.into(),
                        via: via.into(),
                        metric: None,
                    }],
                    ..Interface::default()
                }],
            });
            self::spec(&s).map_err(|e| e.to_string())
        };
        with(1, "0.0.0.0/0", "10.0.0.1", None).unwrap();
        with(1, "::/0", "fd00::1", None).unwrap();
        with(2, "0.0.0.0/0", "10.0.0.1", None).unwrap();
        let err = with(2, "::/0", "fd00::1", None).unwrap_err();
        assert!(
            err.contains("renders a version 2 route to ::/0 as ::/64"),
            "{err}"
        );
        let err = with(1, "0.0.0.0/0", "10.0.0.1", Some("10.0.0.1")).unwrap_err();
        assert!(err.contains("a default route besides gateway4"), "{err}");
    }

    #[test]
    fn file_content_must_decode_as_its_encoding_says() {
        let with = |content: &str, encoding| {
            let mut s = base();
            s.write_files = vec![WriteFile {
                path: "/etc/x".into(),
                content: content.into(),
                encoding,
                ..WriteFile::default()
            }];
            self::spec(&s).map_err(|e| e.to_string())
        };
        with("AAH/\n", Encoding::Base64).unwrap();
        with("H4sIAAAAAAACA8vIBACsKpPYAgAAAA==", Encoding::GzipBase64).unwrap();
        let err = with("a\0b", Encoding::Text).unwrap_err();
        assert!(
            err.starts_with("write_files[0].content: NUL bytes"),
            "{err}"
        );
        let err = with("hi there", Encoding::Base64).unwrap_err();
        assert!(
            err.starts_with("write_files[0].content: not base64"),
            "{err}"
        );
        let err = with("aGkK", Encoding::GzipBase64).unwrap_err();
        assert!(err.contains("not gzip data"), "{err}");
        let err = with("H4sIAAAAAAACA8vIBACsKpPY", Encoding::GzipBase64).unwrap_err();
        assert!(err.contains("not valid gzip data"), "{err}");
    }

    #[test]
    fn passwords_must_be_hashes_cloud_init_recognises() {
        let with = |hash: &str| {
            let mut s = base();
            s.users = vec![User {
                name: "ops".into(),
                password_hash: Some(hash.into()),
                ..User::default()
            }];
            self::spec(&s)
        };
        assert!(with("$6$salt$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./abcdefghijklmnopqrstuvwxyzABCDEFGHIJ").is_ok());
        let yescrypt = with("$y$j9T$salt$hash").unwrap_err().to_string();
        assert!(yescrypt.contains("yescrypt"), "{yescrypt}");
        assert!(with("hunter2").is_err());
    }

    #[test]
    fn talos_config_excludes_cloud_config_fields() {
        let mut s = base();
        s.talos_machine_config = Some("version: v1alpha1\nmachine: {}\n".into());
        spec(&s).unwrap();
        s.runcmd = vec!["true".into()];
        assert!(err(&s).starts_with("runcmd: Talos ignores cloud-config"));
        let mut s = base();
        s.talos_machine_config = Some("#cloud-config\n{}".into());
        assert!(err(&s).contains("not cloud-config"));
        let mut s = base();
        s.talos_machine_config = Some(
            "version: v1alpha1\nmachine: {}\n---\napiVersion: v1alpha1\nkind: HostnameConfig\n"
                .into(),
        );
        spec(&s).unwrap();
        s.talos_machine_config = Some("version: v1alpha1\n---\n- x\n".into());
        assert!(
            err(&s).contains("document 2: expected a YAML mapping"),
            "{}",
            err(&s)
        );
        s.talos_machine_config = Some("version: v1alpha1\n---\na: [\n".into());
        assert!(err(&s).contains("document 2: not YAML"), "{}", err(&s));
        s.talos_machine_config = Some("".into());
        assert!(err(&s).contains("expected a YAML mapping"), "{}", err(&s));
    }

    #[test]
    fn names_and_paths() {
        assert!(is_label("a-1") && !is_label("-a") && !is_label("a_b") && !is_label(""));
        assert!(is_account_name("ops") && !is_account_name("Ops") && !is_account_name("1x"));
        assert!(Cidr::parse("fd00::1/64").is_some() && Cidr::parse("fd00::1/129").is_none());
        assert!(Cidr::parse("10.0.0.1/+4").is_none() && Cidr::parse("10.0.0.1").is_none());
        assert!(Cidr::parse("10.0.0.1/0").is_some() && Cidr::parse("10.0.0.1/00").is_none());
        let net = Cidr::parse("10.20.0.0/16").unwrap();
        assert!(net.contains("10.20.255.1".parse().unwrap()));
        assert!(!net.contains("10.21.0.1".parse().unwrap()));
        assert!(!net.contains("fd00::1".parse().unwrap()));
        let v6 = Cidr::parse("fd00::5/64").unwrap();
        assert_eq!(v6.network().to_string(), "fd00::");
    }
}
