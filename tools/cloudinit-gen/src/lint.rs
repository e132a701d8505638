//! `lint`: the checks behind generation, run on seeds that already exist, one `finding`
//! record per problem cloud-init would hide (ignored parts and keys, replaced lists,
//! plain-text passwords, scripts that do not parse, DHCP fallback, mis-rendered routes,
//! unreadable labels).

mod cloudconfig;
mod keys;
mod merge;
mod multipart;
mod netvalues;
mod network;
mod shell;
mod tabs;
mod yaml11;

use std::path::Path;

use anyhow::Result;
use serde::Serialize;
use serde_yaml_ng::Value;

use crate::oci::METADATA_LIMIT_BYTES;
use crate::seedread::{self, SeedFiles};
use crate::{codec, sshkey};

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

/// What `lint` may do besides reading the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Run the shell a script names with `-n` (syntax only, nothing is executed), and `sh -n`
    /// on `runcmd` and `bootcmd`.
    pub shell_syntax: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { shell_syntax: true }
    }
}

/// Collects findings for one seed file (or one part of it).
struct Sink<'a> {
    source: &'a str,
    file: &'a str,
    /// Where in the file, such as `part 2`; prefixed to messages.
    context: Option<String>,
    options: Options,
    out: &'a mut Vec<Finding>,
}

impl<'a> Sink<'a> {
    /// A sink for the whole of `file` of the seed at `source`.
    fn new(source: &'a str, file: &'a str, options: Options, out: &'a mut Vec<Finding>) -> Self {
        Sink {
            source,
            file,
            context: None,
            options,
            out,
        }
    }

    fn add(&mut self, check: &'static str, severity: Severity, message: impl Into<String>) {
        let message = match &self.context {
            Some(context) => format!("{context}: {}", message.into()),
            None => message.into(),
        };
        self.out.push(Finding {
            kind: "finding",
            source: self.source.to_string(),
            file: self.file.to_string(),
            check,
            severity,
            message,
        });
    }

    /// A sink for a part of the same file, with its own context.
    fn part(&mut self, context: String) -> Sink<'_> {
        Sink {
            source: self.source,
            file: self.file,
            context: Some(context),
            options: self.options,
            out: self.out,
        }
    }
}

/// Reads the seed at `path` and returns its findings; an unreadable path is an error.
pub fn lint_path(path: &Path, options: Options) -> Result<Vec<Finding>> {
    let seed = seedread::read(path)?;
    Ok(lint_seed(&path.display().to_string(), &seed, options))
}

/// The findings of a seed already read.
pub fn lint_seed(source: &str, seed: &SeedFiles, options: Options) -> Vec<Finding> {
    let mut out = Vec::new();
    container(&mut Sink::new(source, "-", options, &mut out), seed);
    for (name, data) in &seed.files {
        let mut sink = Sink::new(source, name, options, &mut out);
        match name.as_str() {
            "user-data" | "vendor-data" => user_data(&mut sink, data),
            "meta-data" => meta_data(&mut sink, data),
            "network-config" => network::check(&mut sink, data),
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
        oci_keys(sink, keys);
    }
}

fn oci_keys(sink: &mut Sink<'_>, keys: &str) {
    let lines = keys
        .lines()
        .enumerate()
        .filter(|(_, k)| !k.trim().is_empty());
    for (i, key) in lines {
        if let Err(err) = sshkey::check(key) {
            sink.add(
                "ssh_key_invalid",
                Severity::Error,
                format!("ssh_authorized_keys line {}: {err}", i + 1),
            );
        }
    }
}

/// user-data (and parts of it) are not decompressed past this many bytes.
const MAX_USER_DATA_BYTES: u64 = 16 << 20;

/// The text of a seed file, reporting bytes that are not UTF-8 and a leading byte order mark.
fn text<'a>(sink: &mut Sink<'_>, data: &'a [u8]) -> Option<&'a str> {
    let Ok(text) = std::str::from_utf8(data) else {
        sink.add("not_utf8", Severity::Error, "not UTF-8 text");
        return None;
    };
    if text.starts_with('\u{feff}') {
        sink.add(
            "byte_order_mark",
            Severity::Error,
            "starts with a byte order mark: cloud-init does not recognise the header",
        );
    }
    Some(text)
}

fn user_data(sink: &mut Sink<'_>, data: &[u8]) {
    if data.starts_with(&codec::GZIP_MAGIC) {
        match codec::gunzip(data, MAX_USER_DATA_BYTES) {
            Ok(plain) => return user_data(sink, &plain),
            Err(err) => return sink.add("gzip_invalid", Severity::Error, err),
        }
    }
    let Some(text) = text(sink, data) else { return };
    let body = text.trim_start_matches('\u{feff}');
    let first = body.lines().next().unwrap_or_default().to_ascii_lowercase();
    if first.starts_with("content-type:") || first.starts_with("mime-version:") {
        return mime(sink, body);
    }
    match multipart::type_from_start(body) {
        Some("text/cloud-config") => drop(cloudconfig::check(sink, body, true)),
        Some("text/cloud-config-archive") => archive(sink, body),
        Some("text/x-shellscript") => script(sink, body),
        Some(_) => {}
        None if is_talos_config(body) => {}
        None => sink.add(
            "missing_header",
            Severity::Error,
            "no #cloud-config (or other) header: cloud-init ignores this user-data",
        ),
    }
}

/// True for a Talos machine config: one or more YAML documents, each the `v1alpha1` config
/// (`version`) or a typed document (`apiVersion` and `kind`), one of them with `machine` or
/// `kind`.
fn is_talos_config(text: &str) -> bool {
    let typed = |v: &Value| v.get("apiVersion").is_some() && v.get("kind").is_some();
    crate::validate::talos_documents(text).is_ok_and(|docs| {
        docs.iter().all(|v| v.get("version").is_some() || typed(v))
            && docs.iter().any(|v| v.get("machine").is_some() || typed(v))
    })
}

/// A shell script (whole user-data or a part): CRLF line ends and the named shell's syntax.
fn script(sink: &mut Sink<'_>, body: &str) {
    if body.contains("\r\n") {
        sink.add(
            "crlf_line_endings",
            Severity::Warning,
            "CRLF line endings: the script fails with '\\r: command not found'",
        );
    }
    let first = body.lines().next().unwrap_or_default();
    if let (true, Some(shell)) = (sink.options.shell_syntax, shell::shell_of(first)) {
        cloudconfig::syntax(sink, "script", shell, body.as_bytes());
    }
}

/// Parses YAML, reporting an error with its line and column under `check`; a tab that
/// cloud-init's reader (PyYAML) refuses is such an error too, since it drops the document.
fn parse_yaml(sink: &mut Sink<'_>, check: &'static str, text: &str) -> Option<Value> {
    let value = match serde_yaml_ng::from_str::<Value>(text) {
        Ok(value) => value,
        Err(err) => {
            let at = err
                .location()
                .map(|l| format!("{}:{}: ", l.line(), l.column()))
                .unwrap_or_default();
            let message = err.to_string();
            let first = message.lines().next().unwrap_or_default();
            sink.add(check, Severity::Error, format!("{at}invalid YAML: {first}"));
            return None;
        }
    };
    if let Some((line, column)) = tabs::first_refused(text) {
        sink.add(
            check,
            Severity::Error,
            format!("{line}:{column}: invalid YAML to cloud-init's reader (PyYAML): a tab outside quotes, block text and comments; the whole document is dropped"),
        );
        return None;
    }
    Some(value)
}

/// A value as YAML (`644`, `true`), trimmed, for a message.
fn yaml_text(value: &Value) -> String {
    serde_yaml_ng::to_string(value)
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// An unquoted MAC of digits and colons is a base-60 integer to cloud-init's YAML 1.1 reader.
fn yaml11_macs(sink: &mut Sink<'_>, text: &str) {
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start().trim_start_matches("- ");
        for key in ["mac_address:", "macaddress:"] {
            let Some(value) = trimmed.strip_prefix(key).map(str::trim) else {
                continue;
            };
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

/// MIME multipart user-data: every part checked as what cloud-init takes it for, and the merge
/// headers that keep later cloud-config parts from replacing earlier lists.
fn mime(sink: &mut Sink<'_>, text: &str) {
    let Some(parts) = multipart::parts(text) else {
        return sink.add(
            "mime_invalid",
            Severity::Error,
            "MIME user-data without a boundary",
        );
    };
    let mut cloud_configs = CloudConfigs::default();
    for (i, part) in parts.iter().enumerate() {
        let mut sink = sink.part(format!("part {}", i + 1));
        if part.transfer_encoding() == "8bit" && !part.raw_body.is_ascii() {
            sink.add(
                "mime_8bit_non_ascii",
                Severity::Error,
                "non-ASCII 8bit body; cloud-init decodes it as Latin-1 (use base64)",
            );
        }
        let body = match &part.body {
            Ok(body) => body,
            Err(err) => {
                sink.add("mime_part_unreadable", Severity::Error, err.clone());
                continue;
            }
        };
        let (kind, doc) = mime_part(&mut sink, &part.declared_type(), body);
        if kind == "text/cloud-config" {
            let header = part.header("X-Merge-Type").or(part.header("Merge-Type"));
            cloud_configs.add(doc, header);
        }
    }
    cloud_configs.report(sink);
}

/// The cloud-config parts of a multipart or archive in order, with their merge rules, for the
/// findings about them taken together.
#[derive(Default)]
struct CloudConfigs {
    /// Each part's document and merge rule.
    parts: Vec<(Value, merge::Rule)>,
    /// How many parts have no merge rule of their own.
    unmerged: usize,
}

impl CloudConfigs {
    /// Keeps a part's document and its merge rule (from the document, then `header`).
    fn add(&mut self, doc: Option<Value>, header: Option<&str>) {
        let doc = doc.unwrap_or_default();
        if header.is_none() && !merge::in_document(&doc) {
            self.unmerged += 1;
        }
        let rule = merge::rule(&doc, header);
        self.parts.push((doc, rule));
    }

    /// Missing merge rules, and `users` without `default` once the parts merge.
    fn report(&self, sink: &mut Sink<'_>) {
        let (count, unmerged) = (self.parts.len(), self.unmerged);
        if count > 1 && unmerged > 0 {
            sink.add(
                "merge_header_missing",
                Severity::Warning,
                format!("{unmerged} of {count} cloud-config parts lack X-Merge-Type or merge_how: later parts replace earlier lists"),
            );
        }
        let users = merge::merged_users(&self.parts);
        if users.is_some_and(|u| !u.iter().any(|u| u.as_str() == Some("default"))) {
            sink.add(
                "default_user_dropped",
                Severity::Warning,
                "users, as the parts merge, has no 'default' entry: the distribution's user and its keys are not created",
            );
        }
    }
}

/// `#cloud-config-archive`: a YAML list whose entries (a string, or a mapping with `content`,
/// optional `type` and headers such as `X-Merge-Type`) cloud-init turns into MIME parts. An
/// archive it cannot read, or an entry of another kind, is dropped without a word.
fn archive(sink: &mut Sink<'_>, text: &str) {
    let Some(doc) = parse_yaml(sink, "yaml_invalid", text) else {
        return;
    };
    let Some(entries) = doc.as_sequence() else {
        return sink.add(
            "archive_invalid",
            Severity::Error,
            "#cloud-config-archive is not a YAML list: cloud-init ignores it",
        );
    };
    let mut cloud_configs = CloudConfigs::default();
    for (i, entry) in entries.iter().enumerate() {
        let mut sink = sink.part(format!("archive entry {}", i + 1));
        let (content, declared) = match entry {
            Value::String(content) => (content.as_str(), None),
            Value::Mapping(_) => (
                entry
                    .get("content")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
                entry.get("type").and_then(Value::as_str),
            ),
            _ => {
                sink.add(
                    "archive_invalid",
                    Severity::Error,
                    "neither a string nor a mapping: cloud-init skips it",
                );
                continue;
            }
        };
        let declared = declared
            .filter(|t| !t.is_empty())
            .or(multipart::type_from_start(content))
            .unwrap_or("text/cloud-config")
            .to_ascii_lowercase();
        let (kind, doc) = mime_part(&mut sink, &declared, content.as_bytes());
        if kind == "text/cloud-config" {
            let header = ["X-Merge-Type", "Merge-Type"]
                .iter()
                .find_map(|h| entry.get(*h).and_then(Value::as_str));
            cloud_configs.add(doc, header);
        }
    }
    cloud_configs.report(sink);
}

/// Checks one decoded part; returns the type cloud-init acts on and, for cloud-config, the
/// document.
fn mime_part(sink: &mut Sink<'_>, declared: &str, body: &[u8]) -> (String, Option<Value>) {
    if declared.contains("gzip") {
        return match codec::gunzip(body, MAX_USER_DATA_BYTES) {
            Ok(plain) => mime_part(sink, "", &plain),
            Err(err) => {
                sink.add("gzip_invalid", Severity::Error, err);
                (String::new(), None)
            }
        };
    }
    let Some(text) = text(sink, body) else {
        return (String::new(), None);
    };
    let kind = multipart::effective_type(declared, text);
    let mut doc = None;
    match kind.as_str() {
        "text/cloud-config" => doc = cloudconfig::check(sink, text, false),
        "text/x-shellscript" if !text.starts_with("#!") => sink.add(
            "script_without_shebang",
            Severity::Error,
            "shell script without #!: it cannot be executed",
        ),
        "text/x-shellscript" => script(sink, text),
        _ => {}
    }
    (kind, doc)
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

/// Runs `program` (Python, reading `input` on stdin) with PyYAML, the YAML reader cloud-init
/// uses, and returns what it printed; `None`, with the reason printed, where python3 with
/// PyYAML is not installed. The tests of the YAML 1.1 checks compare with it.
#[cfg(test)]
fn pyyaml_output(program: &str, input: &str) -> Option<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let probe = Command::new("python3").args(["-c", "import yaml"]).status();
    if !probe.is_ok_and(|s| s.success()) {
        println!("skipped: python3 with PyYAML is not installed");
        return None;
    }
    let mut child = Command::new("python3")
        .args(["-c", program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "python3 failed");
    Some(String::from_utf8(output.stdout).unwrap())
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
        lint_seed("s", &seed(files), Options::default())
            .iter()
            .map(|f| f.check)
            .collect()
    }

    /// The findings of a seed as `check: message`.
    fn messages_of(files: &[(&str, &str)]) -> Vec<String> {
        lint_seed("s", &seed(files), Options::default())
            .into_iter()
            .map(|f| format!("{}: {}", f.check, f.message))
            .collect()
    }

    fn messages(user_data: &str) -> Vec<String> {
        messages_of(&[("user-data", user_data), META])
    }

    /// The seed files around a network-config: a script as user-data, and a meta-data.
    fn with_network(network_config: &str) -> [(&str, &str); 3] {
        [
            ("user-data", "#!/bin/sh\n"),
            META,
            ("network-config", network_config),
        ]
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
            messages("#cloud-config\nusers: [default]\nruncmd:\n  - echo\tb\n"),
            [
                "yaml_invalid: 4:9: invalid YAML to cloud-init's reader (PyYAML): a tab outside quotes, block text and comments; the whole document is dropped"
            ]
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
            checks(&[
                ("user-data", "\u{feff}#cloud-config\r\nhostname: a\r\n"),
                META
            ]),
            ["byte_order_mark"]
        );
        assert_eq!(
            checks(&[("meta-data", "x: 1\n")]),
            ["file_missing", "instance_id_missing"]
        );
    }

    #[test]
    fn multipart_without_merge_headers_is_found() {
        let mime = "Content-Type: multipart/mixed; boundary=\"B\"\nMIME-Version: 1.0\n\n--B\nContent-Type: text/cloud-config\n\n#cloud-config\nruncmd: [a]\n--B\nContent-Type: text/cloud-config\n\n#cloud-config\nruncmd: [b]\n--B--\n";
        assert_eq!(
            checks(&[("user-data", mime), META]),
            ["merge_header_missing"]
        );
    }

    #[test]
    fn network_traps_are_found() {
        assert_eq!(
            checks(&with_network("version: [\n")),
            ["network_config_invalid"]
        );
        let v2 = "network:\n  version: 2\n  ethernets:\n    eth0:\n      adresses: [10.0.0.2/24]\n      routes: [{to: default, via: 10.0.0.1}]\n";
        assert_eq!(
            checks(&with_network(v2)),
            ["unknown_key", "route_default_misrendered"]
        );
        let v2_ok = "version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.2/24, 'fd00::2/64']\n    routes: [{to: 0.0.0.0/0, via: 10.0.0.1}, {to: '::/0', via: 'fd00::1'}]\n";
        assert_eq!(checks(&with_network(v2_ok)), ["route_default_misrendered"]);
        let v1 = "version: 1\nconfig:\n- type: physical\n  name: eth0\n  subnets:\n  - type: static\n    address: 10.0.0.2/24\n    routes: [{destination: 0.0.0.0/0, gateway: 10.0.0.1}]\n  - type: static6\n    address: 'fd00::2/64'\n    routes: [{destination: '::/0', gateway: 'fd00::1'}]\n";
        assert!(checks(&with_network(v1)).is_empty());
        let mac = "version: 1\nconfig:\n- type: physical\n  name: eth0\n  mac_address: 52:54:00:12:34:56\n";
        assert_eq!(checks(&with_network(mac)), ["mac_read_as_number"]);
    }

    #[test]
    fn network_values_are_checked_one_finding_each() {
        let v1 = |subnet: &str, extra: &str| {
            format!(
                "version: 1\nconfig:\n- type: physical\n  name: eth0\n{extra}  subnets:\n  - {subnet}\n"
            )
        };
        let v2 = |device: &str| format!("version: 2\nethernets:\n  eth0:\n    {device}\n");
        for (doc, expected) in [
            (
                v1("{type: static, address: 10.0.0.300/24}", ""),
                "network_config_value: config[0].subnets[0].address \"10.0.0.300/24\": not an IPv4 address with an optional prefix",
            ),
            (
                v1("{type: statc, address: 10.0.0.3/24}", ""),
                "network_config_value: config[0].subnets[0].type \"statc\": not a subnet type",
            ),
            (
                v1("{type: dhcp4}", "  mac_adress: '52:54:00:12:34:56'\n"),
                "unknown_key: config[0]: unknown key \"mac_adress\" (cloud-init ignores it)",
            ),
            (
                v1(
                    "{type: static, address: 10.0.0.3, netmask: 255.0.255.0}",
                    "",
                ),
                "network_config_value: config[0].subnets[0].netmask \"255.0.255.0\": not a netmask",
            ),
            (
                v2("dhcp4: maybe"),
                "network_config_value: ethernets.eth0.dhcp4 \"maybe\": not a boolean",
            ),
            (
                v2("addresses: [10.0.0.2]"),
                "network_config_value: ethernets.eth0.addresses[0] \"10.0.0.2\": not an address with a prefix",
            ),
            (
                v2("gateway4: 'fd00::1'"),
                "network_config_value: ethernets.eth0.gateway4 \"fd00::1\": not an IPv4 address",
            ),
        ] {
            let found = messages_of(&with_network(&doc));
            assert_eq!(found.len(), 1, "{doc}: {found:?}");
            assert!(found[0].starts_with(expected), "{doc}: {found:?}");
        }
        let good = v1(
            "{type: static, address: 10.0.0.3/24, gateway: 10.0.0.1, dns_nameservers: [10.0.0.1], routes: [{network: 10.20.0.0, netmask: 255.255.0.0, gateway: 10.0.0.254}]}",
            "  mac_address: '52:54:00:12:34:56'\n  mtu: 1500\n",
        );
        assert!(checks(&with_network(&good)).is_empty());
        let good = v2(
            "{dhcp4: yes, addresses: [10.0.0.2/24], nameservers: {addresses: [10.0.0.1]}, routes: [{to: 10.1.0.0/16, via: 10.0.0.1, metric: 5}]}",
        );
        let good = good.replace("eth0:\n    {", "eth0: {");
        assert!(checks(&with_network(&good)).is_empty(), "{good}");
    }

    #[test]
    fn gzip_user_data_is_read() {
        let gz = crate::userdata::gzip(b"hostname: a\n").unwrap();
        let mut s = seed(&[META]);
        s.files.insert("user-data".into(), gz);
        let found: Vec<_> = lint_seed("s", &s, Options::default())
            .iter()
            .map(|f| f.check)
            .collect();
        assert_eq!(found, ["missing_header"]);
    }

    #[test]
    fn unknown_top_level_keys_are_named_with_a_hint() {
        assert_eq!(
            messages("#cloud-config\nhostnme: a\nkubernetes: {}\nhostname: b\n"),
            [
                "unknown_key: unknown top-level key \"hostnme\": cloud-init ignores it (did you mean \"hostname\"?)",
                "unknown_key: unknown top-level key \"kubernetes\": cloud-init ignores it",
            ]
        );
    }

    #[test]
    fn commands_are_checked_as_one_sh_script() {
        let found = messages("#cloud-config\nruncmd:\n  - echo ok\n  - 'if true; then echo'\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("shell_syntax: runcmd (run as one /bin/sh script): sh -n: "),
            "{found:?}"
        );
        assert_eq!(
            messages("#cloud-config\nbootcmd: [echo, 5, [ls, -l]]\n"),
            [
                "command_not_string: bootcmd[1]: neither a string nor a list of words; cloud-init stops at it (quote it)"
            ]
        );
        assert!(messages("#cloud-config\nruncmd: [[printf, '%s', \"it's (\"]]\n").is_empty());
    }

    #[test]
    fn scripts_are_checked_by_the_shell_they_name() {
        assert_eq!(
            checks(&[("user-data", "#!/bin/sh\nfi\n"), META]),
            ["shell_syntax"]
        );
        assert!(checks(&[("user-data", "#!/usr/bin/python3\nfi(\n"), META]).is_empty());
        assert_eq!(
            checks(&[("user-data", "#!/bin/sh\r\necho ok\r\n"), META]),
            ["crlf_line_endings"]
        );
        let off = Options {
            shell_syntax: false,
        };
        let seed = seed(&[("user-data", "#!/bin/sh\nfi\n"), META]);
        assert!(lint_seed("s", &seed, off).is_empty());
    }

    #[test]
    fn a_shell_that_cannot_run_is_reported_not_passed() {
        let mut out = Vec::new();
        let mut sink = Sink::new("s", "user-data", Options::default(), &mut out);
        cloudconfig::syntax(&mut sink, "script", "no-such-shell-here", b"echo\n");
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].check, "shell_unchecked");
        assert_eq!(out[0].severity, Severity::Warning);
        assert!(
            out[0]
                .message
                .starts_with("script: syntax not checked (cannot run no-such-shell-here")
        );
    }

    #[test]
    fn write_files_must_decode() {
        let doc = "#cloud-config\nwrite_files:\n  - {path: /a, content: 'not base64!', encoding: b64}\n  - {path: /b, content: aGkK, encoding: gz+b64}\n  - {path: /c, content: x, encoding: zip}\n  - {path: /d, content: H4sIAAAAAAACA8vIBACsKpPYAgAAAA==, encoding: GZIP+BASE64}\n";
        let found = messages(doc);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("write_files_content: write_files[0].content: not base64"));
        assert!(found[1].contains("write_files[1].content: not gzip data"));
        assert!(found[2].starts_with("write_files_encoding: write_files[2].encoding \"zip\""));
    }

    fn mime(parts: &[(&str, &str, &str)]) -> String {
        let mut doc =
            String::from("Content-Type: multipart/mixed; boundary=\"B\"\nMIME-Version: 1.0\n\n");
        for (headers, encoding, body) in parts {
            doc.push_str(&format!(
                "--B\n{headers}\nContent-Transfer-Encoding: {encoding}\n\n{body}\n"
            ));
        }
        doc + "--B--\n"
    }

    #[test]
    fn every_part_is_checked_as_what_cloud_init_takes_it_for() {
        let doc = mime(&[
            (
                "Content-Type: text/plain",
                "7bit",
                "#cloud-config\nusers: [{name: a}]\nrunncmd: []",
            ),
            ("Content-Type: text/x-shellscript", "base64", "ZWNobyBoaQo="),
            (
                "Content-Type: text/x-shellscript",
                "base64",
                "IyEvYmluL3NoCmZpCg==",
            ),
            ("Content-Type: text/x-shellscript", "base64", "!!"),
        ]);
        let found = messages(&doc);
        assert_eq!(found.len(), 5, "{found:?}");
        assert!(found[0].starts_with("unknown_key: part 1: unknown top-level key \"runncmd\""));
        assert!(found[1].starts_with("script_without_shebang: part 2: "));
        assert!(found[2].starts_with("shell_syntax: part 3: script: sh -n: "));
        assert!(found[3].starts_with("mime_part_unreadable: part 4: not base64"));
        assert!(found[4].starts_with("default_user_dropped: users, as the parts merge"));
    }

    #[test]
    fn users_and_merge_rules_are_judged_on_the_merged_parts() {
        let rule = "merge_how:\n  - {name: list, settings: [append]}\n  - {name: dict, settings: [no_replace, recurse_list]}\n";
        let first = format!("#cloud-config\n{rule}users: [default, {{name: a}}]");
        let second = format!("#cloud-config\n{rule}users: [{{name: b}}]");
        let doc = mime(&[
            ("Content-Type: text/cloud-config", "7bit", &first),
            ("Content-Type: text/cloud-config", "7bit", &second),
        ]);
        assert!(messages(&doc).is_empty(), "{:?}", messages(&doc));
        let replacing = mime(&[
            ("Content-Type: text/cloud-config", "7bit", &first),
            (
                "Content-Type: text/cloud-config",
                "7bit",
                "#cloud-config\nusers: [{name: b}]",
            ),
        ]);
        assert_eq!(
            checks(&[("user-data", &replacing), META]),
            ["merge_header_missing", "default_user_dropped"]
        );
    }

    #[test]
    fn crlf_scripts_inside_multipart_are_found() {
        let doc = mime(&[(
            "Content-Type: text/x-shellscript",
            "7bit",
            "#!/bin/sh\r\necho hi\r\n",
        )]);
        let found = messages(&doc);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("crlf_line_endings: part 1: "),
            "{found:?}"
        );
        let crlf_delimiters = mime(&[(
            "Content-Type: text/x-shellscript",
            "7bit",
            "#!/bin/sh\necho hi",
        )])
        .replace('\n', "\r\n")
        .replace("#!/bin/sh\r\n", "#!/bin/sh\n");
        assert!(
            messages(&crlf_delimiters).is_empty(),
            "{:?}",
            messages(&crlf_delimiters)
        );
    }

    #[test]
    fn archive_entries_are_checked_as_parts() {
        let archive = "#cloud-config-archive\n- type: text/cloud-config\n  content: |\n    #cloud-config\n    hostnme: a\n- \"#!/bin/sh\\nfi\\n\"\n- 5\n- content: |\n    #cloud-config\n    users: [{name: b}]\n";
        let found = messages(archive);
        assert_eq!(found.len(), 5, "{found:?}");
        assert!(
            found[0].starts_with("unknown_key: archive entry 1: unknown top-level key \"hostnme\"")
        );
        assert!(found[1].starts_with("shell_syntax: archive entry 2: script: sh -n"));
        assert!(found[2].starts_with("archive_invalid: archive entry 3: "));
        assert!(found[3].starts_with("merge_header_missing: 2 of 2"));
        assert!(found[4].starts_with("default_user_dropped: users, as the parts merge"));
        assert_eq!(
            checks(&[("user-data", "#cloud-config-archive\n{a: 1}\n"), META]),
            ["archive_invalid"]
        );
    }

    #[test]
    fn gzip_parts_are_read() {
        use base64::Engine as _;
        let gz = crate::userdata::gzip(b"#cloud-config\nhostnme: a\n").unwrap();
        let body = base64::engine::general_purpose::STANDARD.encode(gz);
        let doc = mime(&[("Content-Type: application/x-gzip", "base64", &body)]);
        assert_eq!(checks(&[("user-data", &doc), META]), ["unknown_key"]);
        let doc = mime(&[("Content-Type: application/gzip", "base64", "aGkK")]);
        assert_eq!(checks(&[("user-data", &doc), META]), ["gzip_invalid"]);
    }
}
