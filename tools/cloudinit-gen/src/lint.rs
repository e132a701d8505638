//! `lint`: the checks behind generation, run on seeds that already exist, one `finding`
//! record per problem cloud-init would hide (ignored parts, replaced lists, plain-text
//! passwords, DHCP fallback, mis-rendered routes, unreadable labels).

use std::io::Read as _;
use std::path::Path;

use anyhow::Result;
use flate2::read::GzDecoder;
use serde::Serialize;
use serde_yaml_ng::Value;

use crate::oci::METADATA_LIMIT_BYTES;
use crate::seedread::{self, SeedFiles};
use crate::{password, sshkey};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// cloud-init will not do what the seed says.
    Error,
    /// Likely a mistake, or a trap on some cloud-init versions.
    Warning,
}

/// One problem found in a seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Always `finding`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The path given on the command line.
    pub source: String,
    /// The seed file (`user-data` …), or `-` for the container itself.
    pub file: String,
    /// A stable name for the check.
    pub check: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// What is wrong, in one line.
    pub message: String,
}

/// Collects findings for one seed file.
struct Sink<'a> {
    source: &'a str,
    file: &'a str,
    out: &'a mut Vec<Finding>,
}

impl Sink<'_> {
    fn add(&mut self, check: &'static str, severity: Severity, message: impl Into<String>) {
        self.out.push(Finding {
            kind: "finding",
            source: self.source.to_string(),
            file: self.file.to_string(),
            check,
            severity,
            message: message.into(),
        });
    }
}

/// Reads the seed at `path` and returns its findings; an unreadable path is an error.
pub fn lint_path(path: &Path) -> Result<Vec<Finding>> {
    let seed = seedread::read(path)?;
    Ok(lint_seed(&path.display().to_string(), &seed))
}

/// The findings of a seed already read.
pub fn lint_seed(source: &str, seed: &SeedFiles) -> Vec<Finding> {
    let mut out = Vec::new();
    container(
        &mut Sink {
            source,
            file: "-",
            out: &mut out,
        },
        seed,
    );
    for (name, data) in &seed.files {
        let mut sink = Sink {
            source,
            file: name,
            out: &mut out,
        };
        match name.as_str() {
            "user-data" | "vendor-data" => user_data(&mut sink, data),
            "meta-data" => meta_data(&mut sink, data),
            "network-config" => network_config(&mut sink, data),
            _ => {}
        }
    }
    out
}

fn container(sink: &mut Sink<'_>, seed: &SeedFiles) {
    if let Some(label) = &seed.label {
        if label != "cidata" && label != "CIDATA" {
            sink.add(
                "label_not_cidata",
                Severity::Error,
                format!("volume label {label:?}: NoCloud looks for cidata or CIDATA"),
            );
        }
    }
    if seed.short_names_only {
        sink.add(
            "iso_short_names",
            Severity::Error,
            "no Rock Ridge or Joliet names: Linux sees user_dat. and NoCloud finds nothing",
        );
    }
    let required: &[&str] = if seed.kind == "oci_metadata" {
        &["user-data"]
    } else {
        &["user-data", "meta-data"]
    };
    for name in required {
        if !seed.files.contains_key(*name) {
            sink.add(
                "file_missing",
                Severity::Error,
                format!("{name} is missing; the datasource needs it"),
            );
        }
    }
    if let Some(bytes) = seed.metadata_bytes {
        if bytes > METADATA_LIMIT_BYTES {
            sink.add(
                "oci_metadata_too_large",
                Severity::Error,
                format!("metadata is {bytes} bytes; OCI accepts {METADATA_LIMIT_BYTES}"),
            );
        }
    }
    if let Some(keys) = &seed.ssh_keys {
        for (i, key) in keys
            .lines()
            .enumerate()
            .filter(|(_, k)| !k.trim().is_empty())
        {
            if let Err(err) = sshkey::check(key) {
                sink.add(
                    "ssh_key_invalid",
                    Severity::Error,
                    format!("ssh_authorized_keys line {}: {err}", i + 1),
                );
            }
        }
    }
}

/// Decompresses gzip user-data (cloud-init does), up to 16 MiB.
fn gunzip(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    GzDecoder::new(data)
        .take(16 << 20)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

fn text<'a>(sink: &mut Sink<'_>, data: &'a [u8]) -> Option<&'a str> {
    let Ok(text) = std::str::from_utf8(data) else {
        sink.add("not_utf8", Severity::Error, "not UTF-8 text");
        return None;
    };
    if text.starts_with('\u{feff}') {
        sink.add(
            "byte_order_mark",
            Severity::Error,
            "starts with a byte order mark: the header is not recognised",
        );
    }
    if text.contains("\r\n") {
        sink.add(
            "crlf_line_endings",
            Severity::Warning,
            "CRLF line endings: scripts fail with '\\r: command not found'",
        );
    }
    Some(text)
}

fn user_data(sink: &mut Sink<'_>, data: &[u8]) {
    if data.starts_with(&[0x1f, 0x8b]) {
        match gunzip(data) {
            Some(plain) => return user_data(sink, &plain),
            None => {
                return sink.add(
                    "gzip_invalid",
                    Severity::Error,
                    "gzip data that does not decompress",
                );
            }
        }
    }
    let Some(text) = text(sink, data) else { return };
    let body = text.trim_start_matches('\u{feff}');
    let first = body.lines().next().unwrap_or_default().trim_end();
    if first == "#cloud-config" {
        cloud_config(sink, body);
    } else if first.to_ascii_lowercase().starts_with("content-type:")
        || first.to_ascii_lowercase().starts_with("mime-version:")
    {
        multipart(sink, body);
    } else if [
        "#!",
        "#include",
        "#cloud-boothook",
        "## template: jinja",
        "#cloud-config-archive",
        "#part-handler",
    ]
    .iter()
    .any(|p| first.starts_with(p))
    {
    } else if !is_talos_config(body) {
        sink.add(
            "missing_header",
            Severity::Error,
            "no #cloud-config (or other) header: cloud-init ignores this user-data",
        );
    }
}

fn is_talos_config(text: &str) -> bool {
    serde_yaml_ng::from_str::<Value>(text)
        .is_ok_and(|v| v.get("machine").is_some() && v.get("version").is_some())
}

fn parse_yaml(sink: &mut Sink<'_>, check: &'static str, text: &str) -> Option<Value> {
    match serde_yaml_ng::from_str::<Value>(text) {
        Ok(value) => Some(value),
        Err(err) => {
            let at = err
                .location()
                .map(|l| format!("{}:{}: ", l.line(), l.column()))
                .unwrap_or_default();
            sink.add(
                check,
                Severity::Error,
                format!("{at}invalid YAML: {}", first_line(&err.to_string())),
            );
            None
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn cloud_config(sink: &mut Sink<'_>, text: &str) {
    yaml11_macs(sink, text);
    let Some(doc) = parse_yaml(sink, "yaml_invalid", text) else {
        return;
    };
    if !doc.is_mapping() && !doc.is_null() {
        sink.add(
            "not_a_mapping",
            Severity::Error,
            "cloud-config must be a YAML mapping",
        );
        return;
    }
    keys(sink, "ssh_authorized_keys", doc.get("ssh_authorized_keys"));
    if let Some(users) = doc.get("users").and_then(Value::as_sequence) {
        if !users.iter().any(|u| u.as_str() == Some("default")) {
            sink.add("default_user_dropped", Severity::Warning, "users has no 'default' entry: the distribution's user and its keys are not created");
        }
        for (i, user) in users.iter().enumerate() {
            keys(
                sink,
                &format!("users[{i}].ssh_authorized_keys"),
                user.get("ssh_authorized_keys"),
            );
            user_passwords(sink, i, user);
        }
    }
    if let Some(p) = doc.get("password").and_then(Value::as_str) {
        if password::check_hash(p).is_err() {
            sink.add(
                "password_plain_text",
                Severity::Warning,
                "password: set as plain text (use a $6$ hash)",
            );
        }
    }
    chpasswd(sink, doc.get("chpasswd"));
}

fn keys(sink: &mut Sink<'_>, path: &str, value: Option<&Value>) {
    let Some(list) = value.and_then(Value::as_sequence) else {
        return;
    };
    for (i, key) in list.iter().enumerate() {
        let result = key
            .as_str()
            .map_or(Err("not a string".to_string()), sshkey::check);
        if let Err(err) = result {
            sink.add(
                "ssh_key_invalid",
                Severity::Error,
                format!("{path}[{i}]: {err}"),
            );
        }
    }
}

fn user_passwords(sink: &mut Sink<'_>, i: usize, user: &Value) {
    if user.get("plain_text_passwd").is_some() {
        sink.add(
            "password_plain_text",
            Severity::Warning,
            format!("users[{i}].plain_text_passwd: a plain-text password in user-data"),
        );
    }
    for key in ["passwd", "hashed_passwd"] {
        if let Some(hash) = user.get(key).and_then(Value::as_str) {
            if let Err(err) = password::check_hash(hash) {
                sink.add(
                    "password_not_hash",
                    Severity::Error,
                    format!("users[{i}].{key}: {err}"),
                );
            }
        }
    }
}

fn chpasswd(sink: &mut Sink<'_>, value: Option<&Value>) {
    let Some(chpasswd) = value else { return };
    let lines: Vec<String> = match chpasswd.get("list") {
        Some(Value::String(s)) => s.lines().map(str::to_string).collect(),
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    for line in lines {
        let secret = line.split_once(':').map_or("", |(_, p)| p);
        if secret != "R" && secret != "RANDOM" && password::check_hash(secret).is_err() {
            sink.add(
                "password_plain_text",
                Severity::Warning,
                "chpasswd.list: a plain-text password (or a hash cloud-init does not recognise)",
            );
        }
    }
    for (i, user) in chpasswd
        .get("users")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let kind = user.get("type").and_then(Value::as_str).unwrap_or("hash");
        let secret = user
            .get("password")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if kind == "text" || (kind == "hash" && password::check_hash(secret).is_err()) {
            sink.add(
                "password_plain_text",
                Severity::Warning,
                format!("chpasswd.users[{i}]: not a recognised hash"),
            );
        }
    }
}

/// An unquoted MAC of digits and colons is a base-60 integer to cloud-init's YAML 1.1 reader.
fn yaml11_macs(sink: &mut Sink<'_>, text: &str) {
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start().trim_start_matches("- ");
        for key in ["mac_address:", "macaddress:"] {
            if let Some(value) = trimmed.strip_prefix(key).map(str::trim) {
                if value.len() == 17 && value.bytes().all(|b| b.is_ascii_digit() || b == b':') {
                    sink.add(
                        "mac_read_as_number",
                        Severity::Error,
                        format!(
                            "line {}: unquoted {value} is a number in YAML 1.1; quote it",
                            n + 1
                        ),
                    );
                }
            }
        }
    }
}

fn multipart(sink: &mut Sink<'_>, text: &str) {
    let Some(boundary) = text
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(boundary_of)
    else {
        return sink.add(
            "mime_invalid",
            Severity::Error,
            "MIME user-data without a boundary",
        );
    };
    let delimiter = format!("--{boundary}");
    let parts: Vec<&str> = text
        .split(&delimiter)
        .skip(1)
        .filter(|p| !p.starts_with("--"))
        .collect();
    let mut cloud_configs = 0;
    let mut unmerged = 0;
    for (i, part) in parts.iter().enumerate() {
        let (headers, body) = part
            .trim_start_matches(['\r', '\n'])
            .split_once("\n\n")
            .unwrap_or((part, ""));
        let header = |name: &str| {
            headers.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_string())
            })
        };
        let content_type = header("Content-Type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let encoding = header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if encoding == "8bit" && !body.is_ascii() {
            sink.add(
                "mime_8bit_non_ascii",
                Severity::Error,
                format!(
                    "part {}: non-ASCII 8bit body; cloud-init decodes it as Latin-1 (use base64)",
                    i + 1
                ),
            );
        }
        if content_type.starts_with("text/cloud-config") {
            cloud_configs += 1;
            if header("X-Merge-Type").is_none() && header("Merge-Type").is_none() {
                unmerged += 1;
            }
        }
        if content_type.starts_with("text/x-shellscript")
            && encoding != "base64"
            && !body.starts_with("#!")
        {
            sink.add(
                "script_without_shebang",
                Severity::Error,
                format!("part {}: shell script without #!", i + 1),
            );
        }
    }
    if cloud_configs > 1 && unmerged > 0 {
        sink.add("merge_header_missing", Severity::Warning, format!("{unmerged} of {cloud_configs} cloud-config parts lack X-Merge-Type: later parts replace earlier lists"));
    }
}

fn boundary_of(line: &str) -> Option<String> {
    let lower = line.to_ascii_lowercase();
    let at = lower.find("boundary=")? + "boundary=".len();
    Some(line[at..].trim().trim_matches('"').to_string())
}

fn meta_data(sink: &mut Sink<'_>, data: &[u8]) {
    let Some(text) = text(sink, data) else { return };
    let doc = if text.trim_start().starts_with('{') {
        serde_json::from_str::<Value>(text).ok()
    } else {
        parse_yaml(sink, "yaml_invalid", text)
    };
    let Some(doc) = doc else { return };
    if doc
        .get("instance-id")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        sink.add(
            "instance_id_missing",
            Severity::Warning,
            "no instance-id: changes to the seed are not seen as a new instance",
        );
    }
}

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

fn network_config(sink: &mut Sink<'_>, data: &[u8]) {
    let Some(text) = text(sink, data) else { return };
    yaml11_macs(sink, text);
    let Some(doc) = parse_yaml(sink, "network_config_invalid", text) else {
        return;
    };
    let doc = doc.get("network").cloned().unwrap_or(doc);
    match doc.get("version").and_then(Value::as_u64) {
        Some(1) => {}
        Some(2) => network_v2(sink, &doc),
        _ => sink.add(
            "network_version",
            Severity::Error,
            "version must be 1 or 2: NoCloud falls back to DHCP",
        ),
    }
}

fn network_v2(sink: &mut Sink<'_>, doc: &Value) {
    for section in ["ethernets", "bonds", "vlans", "bridges"] {
        let Some(map) = doc.get(section).and_then(Value::as_mapping) else {
            continue;
        };
        for (name, iface) in map {
            let name = name.as_str().unwrap_or("?");
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
                if matches!(to, "default" | "0.0.0.0/0" | "::/0") {
                    sink.add("route_default_misrendered", Severity::Warning, format!("{section}.{name}: route to {to:?} is mis-rendered by cloud-init 22.4; use gateway4/gateway6"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn seed(files: &[(&str, &str)]) -> SeedFiles {
        SeedFiles {
            kind: "directory",
            files: files
                .iter()
                .map(|(n, c)| (n.to_string(), c.as_bytes().to_vec()))
                .collect::<BTreeMap<_, _>>(),
            ..SeedFiles::default()
        }
    }

    fn checks(files: &[(&str, &str)]) -> Vec<&'static str> {
        lint_seed("s", &seed(files))
            .iter()
            .map(|f| f.check)
            .collect()
    }

    const META: (&str, &str) = ("meta-data", "instance-id: a\n");

    #[test]
    fn a_clean_seed_has_no_findings() {
        assert!(checks(&[("user-data", "#cloud-config\nhostname: a\n"), META]).is_empty());
    }

    #[test]
    fn user_data_traps_are_found() {
        assert_eq!(
            checks(&[("user-data", "hostname: a\n"), META]),
            ["missing_header"]
        );
        assert_eq!(
            checks(&[("user-data", "#cloud-config\nusers:\n\t- a\n"), META]),
            ["yaml_invalid"]
        );
        assert_eq!(
            checks(&[("user-data", "#cloud-config\nusers: [{name: a}]\n"), META]),
            ["default_user_dropped"]
        );
        let yescrypt = "#cloud-config\nusers: [default, {name: a, passwd: '$y$j9T$a$b'}]\n";
        assert_eq!(
            checks(&[("user-data", yescrypt), META]),
            ["password_not_hash"]
        );
        let plain = "#cloud-config\nchpasswd: {list: 'root:hunter2'}\n";
        assert_eq!(
            checks(&[("user-data", plain), META]),
            ["password_plain_text"]
        );
        let key = "#cloud-config\nssh_authorized_keys: [ssh-rsa AAAA]\n";
        assert_eq!(checks(&[("user-data", key), META]), ["ssh_key_invalid"]);
        assert_eq!(
            checks(&[("user-data", "\u{feff}#cloud-config\r\n"), META]),
            ["byte_order_mark", "crlf_line_endings"]
        );
        assert_eq!(
            checks(&[("meta-data", "x: 1\n")]),
            ["file_missing", "instance_id_missing"]
        );
    }

    #[test]
    fn multipart_without_merge_headers_is_found() {
        let mime = "Content-Type: multipart/mixed; boundary=\"B\"\nMIME-Version: 1.0\n\n--B\nContent-Type: text/cloud-config\n\n#cloud-config\na: 1\n--B\nContent-Type: text/cloud-config\n\n#cloud-config\nb: 2\n--B--\n";
        assert_eq!(
            checks(&[("user-data", mime), META]),
            ["merge_header_missing"]
        );
    }

    #[test]
    fn network_traps_are_found() {
        assert_eq!(
            checks(&[
                ("user-data", "#!/bin/sh\n"),
                META,
                ("network-config", "version: [\n")
            ]),
            ["network_config_invalid"]
        );
        let v2 = "network:\n  version: 2\n  ethernets:\n    eth0:\n      adresses: [10.0.0.2/24]\n      routes: [{to: default, via: 10.0.0.1}]\n";
        assert_eq!(
            checks(&[("user-data", "#!/bin/sh\n"), META, ("network-config", v2)]),
            ["unknown_key", "route_default_misrendered"]
        );
        let mac = "version: 1\nconfig:\n- type: physical\n  name: eth0\n  mac_address: 52:54:00:12:34:56\n";
        assert_eq!(
            checks(&[("user-data", "#!/bin/sh\n"), META, ("network-config", mac)]),
            ["mac_read_as_number"]
        );
    }

    #[test]
    fn gzip_user_data_is_read() {
        let gz = crate::userdata::gzip(b"hostname: a\n").unwrap();
        let mut s = seed(&[META]);
        s.files.insert("user-data".into(), gz);
        let found: Vec<_> = lint_seed("s", &s).iter().map(|f| f.check).collect();
        assert_eq!(found, ["missing_header"]);
    }
}
