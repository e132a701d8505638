//! The machine spec: the JSON document a user writes for each machine, read from a stream with
//! errors that name the source, line, column and the field path.

use anyhow::{Result, anyhow};
use serde::Deserialize;
use serde::de::IgnoredAny;
use shared::input::{Located, json_values_located, line_column, located};

use crate::validate;

/// One machine's seed, as the user describes it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Short host name (one DNS label).
    pub hostname: String,
    /// Fully qualified domain name, starting with the host name.
    #[serde(default)]
    pub fqdn: Option<String>,
    /// Instance id for meta-data; derived from the content when absent.
    #[serde(default)]
    pub instance_id: Option<String>,
    /// Keep the distribution's default user in `users` (cloud-init drops it otherwise).
    #[serde(default = "default_true")]
    pub default_user: bool,
    /// Keys for the default user.
    #[serde(default)]
    pub ssh_authorized_keys: Vec<String>,
    /// Extra users.
    #[serde(default)]
    pub users: Vec<User>,
    /// Packages to install.
    #[serde(default)]
    pub packages: Vec<String>,
    /// Upgrade all packages on first boot.
    #[serde(default)]
    pub package_upgrade: Option<bool>,
    /// Time zone name such as `Europe/Paris`.
    #[serde(default)]
    pub timezone: Option<String>,
    /// NTP servers.
    #[serde(default)]
    pub ntp_servers: Vec<String>,
    /// Files to write.
    #[serde(default)]
    pub write_files: Vec<WriteFile>,
    /// Commands run early on every boot.
    #[serde(default)]
    pub bootcmd: Vec<String>,
    /// Commands run once at the end of the first boot.
    #[serde(default)]
    pub runcmd: Vec<String>,
    /// Scripts shipped as MIME parts of their own.
    #[serde(default)]
    pub scripts: Vec<Script>,
    /// Network configuration.
    #[serde(default)]
    pub network: Option<Network>,
    /// A Talos machine configuration used verbatim as user-data.
    #[serde(default)]
    pub talos_machine_config: Option<String>,
}

/// A user account besides the default user.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// Login name.
    pub name: String,
    /// Keys for this user.
    #[serde(default)]
    pub ssh_authorized_keys: Vec<String>,
    /// A sudoers rule such as `ALL=(ALL) NOPASSWD:ALL`.
    #[serde(default)]
    pub sudo: Option<String>,
    /// Supplementary groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Login shell.
    #[serde(default)]
    pub shell: Option<String>,
    /// A crypt(3) hash (`$6$…`, `$5$…`, `$2y$…`).
    #[serde(default)]
    pub password_hash: Option<String>,
    /// A plain password, hashed with SHA-512 crypt before it is written.
    #[serde(default)]
    pub password: Option<String>,
}

/// A file written on first boot.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteFile {
    /// Absolute path on the machine.
    pub path: String,
    /// The content as `encoding` gives it: the text itself, base64 of the bytes, or base64 of
    /// their gzip. It is checked and passed through unchanged; cloud-init decodes it.
    #[serde(default)]
    pub content: String,
    /// Octal mode such as `0644`.
    #[serde(default)]
    pub permissions: Option<String>,
    /// `user` or `user:group`.
    #[serde(default)]
    pub owner: Option<String>,
    /// How `content` is encoded, as cloud-init's `write_files` reads it.
    #[serde(default)]
    pub encoding: Encoding,
    /// Write the file at the end of boot (cloud-init's `write_files_deferred`), after users
    /// exist. Set automatically when `owner` names a user or group the spec creates; `false`
    /// is refused then, because the owner would not exist yet.
    #[serde(default)]
    pub defer: Option<bool>,
}

/// How a file's content is given in the spec and carried in user-data: the values of
/// cloud-init's `write_files[].encoding`, so that binary files travel as base64.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Encoding {
    /// The content is the file's text (UTF-8, no NUL).
    #[default]
    #[serde(rename = "text")]
    Text,
    /// The content is the file's bytes in base64 (`base64 -w0`, OpenTofu `filebase64()`).
    #[serde(rename = "base64")]
    Base64,
    /// The content is the gzip of the file's bytes in base64 (`gzip -c | base64 -w0`,
    /// OpenTofu `base64gzip()`).
    #[serde(rename = "gzip+base64")]
    GzipBase64,
}

/// A script run once on first boot, shipped as its own MIME part.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// File name of the part.
    pub name: String,
    /// The script, starting with `#!`.
    pub content: String,
}

/// Network configuration for all interfaces.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// network-config version to emit: 1 (default) or 2.
    #[serde(default = "default_version")]
    pub version: u8,
    /// The interfaces.
    #[serde(default)]
    pub interfaces: Vec<Interface>,
}

/// One network interface.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interface {
    /// Interface name, set on the device matched by `mac`.
    pub name: String,
    /// MAC address that identifies the device.
    #[serde(default)]
    pub mac: Option<String>,
    /// Use DHCPv4.
    #[serde(default)]
    pub dhcp4: bool,
    /// Use DHCPv6.
    #[serde(default)]
    pub dhcp6: bool,
    /// Static addresses in CIDR form.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// IPv4 default gateway.
    #[serde(default)]
    pub gateway4: Option<String>,
    /// IPv6 default gateway.
    #[serde(default)]
    pub gateway6: Option<String>,
    /// DNS servers.
    #[serde(default)]
    pub nameservers: Vec<String>,
    /// DNS search domains.
    #[serde(default)]
    pub search: Vec<String>,
    /// MTU in bytes.
    #[serde(default)]
    pub mtu: Option<u32>,
    /// Static routes.
    #[serde(default)]
    pub routes: Vec<Route>,
}

/// A static route.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Destination network in CIDR form.
    pub to: String,
    /// Next hop.
    pub via: String,
    /// Route metric.
    #[serde(default)]
    pub metric: Option<u32>,
}

fn default_true() -> bool {
    true
}

fn default_version() -> u8 {
    1
}

/// Reads every spec of a JSON stream (one document, JSON Lines or concatenated values) and
/// validates each. Errors read `<source>:<line>:<column>: <field path>: <problem>`.
pub fn parse_specs(source_name: &str, text: &[u8]) -> Result<Vec<Spec>> {
    json_values_located::<IgnoredAny>(source_name, text)
        .map(|item| {
            let Located { start, end, .. } = item?;
            parse_one(source_name, text, start, end)
        })
        .collect()
}

/// Deserializes and validates the spec held in `text[start..end]`.
fn parse_one(source_name: &str, text: &[u8], start: usize, end: usize) -> Result<Spec> {
    let slice = text.get(start..end).unwrap_or_default();
    if slice.first() != Some(&b'{') {
        let (line, col) = line_column(text, start);
        let found = match slice.first() {
            Some(b'[') => {
                "an array (give the specs as JSON Lines or one object after another, e.g. jq -c '.[]')"
            }
            Some(b'"') => "a string",
            _ => "a number, boolean or null",
        };
        return Err(anyhow!(
            "{source_name}:{line}:{col}: expected a JSON object (one spec per machine), found {found}"
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(slice);
    let spec: Spec = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let (line0, col0) = line_column(text, start);
        let inner = err.inner();
        let (line, col) = if inner.line() <= 1 {
            (line0, col0 + inner.column().saturating_sub(1))
        } else {
            (line0 + inner.line() - 1, inner.column())
        };
        let path = err.path().to_string();
        let cause = strip_position(&inner.to_string());
        if path == "." {
            anyhow!("{source_name}:{line}:{col}: {cause}")
        } else {
            anyhow!("{source_name}:{line}:{col}: {path}: {cause}")
        }
    })?;
    validate::spec(&spec).map_err(|err| located(source_name, text, start, err))?;
    let value: serde_json::Value = serde_json::from_slice(slice).unwrap_or_default();
    yaml_strings(&value, "").map_err(|err| located(source_name, text, start, err))?;
    Ok(spec)
}

/// Checks that every string that goes through the YAML writer reads back unchanged; the
/// Talos config (written verbatim) and plain passwords (written as hashes) are not checked.
fn yaml_strings(value: &serde_json::Value, path: &str) -> Result<()> {
    use serde_json::Value;
    match value {
        Value::String(s) => match crate::yaml::unreadable(s) {
            Some(problem) => Err(anyhow!("{path}: {problem}")),
            None => Ok(()),
        },
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| yaml_strings(item, &format!("{path}[{i}]"))),
        Value::Object(map) => map
            .iter()
            .filter(|(key, _)| {
                !(path.is_empty() && key.as_str() == "talos_machine_config")
                    && key.as_str() != "password"
            })
            .try_for_each(|(key, item)| {
                let inner = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                yaml_strings(item, &inner)
            }),
        _ => Ok(()),
    }
}

fn strip_position(text: &str) -> String {
    text.rfind(" at line ")
        .map_or(text, |at| &text[..at])
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_minimal_spec_with_defaults() {
        let specs = parse_specs("s.json", br#"{"hostname": "cp-0"}"#).unwrap();
        assert_eq!(specs.len(), 1);
        assert!(specs[0].default_user);
        assert_eq!(specs[0].hostname, "cp-0");
    }

    #[test]
    fn reads_json_lines() {
        let specs = parse_specs("s.json", b"{\"hostname\":\"a\"}\n{\"hostname\":\"b\"}\n").unwrap();
        let names: Vec<_> = specs.iter().map(|s| s.hostname.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn unknown_field_names_its_path_and_position() {
        let text = b"{\"hostname\":\"a\"}\n{\"hostname\":\"b\",\n \"users\":[{\"name\":\"x\",\"shel\":\"y\"}]}";
        let err = parse_specs("s.json", text).unwrap_err().to_string();
        assert!(err.starts_with("s.json:3:"), "{err}");
        assert!(err.contains("users[0].shel: unknown field `shel`"), "{err}");
    }

    #[test]
    fn wrong_type_names_its_path() {
        let err = parse_specs("s.json", br#"{"hostname":"a","packages":"vim"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s.json:1:"), "{err}");
        assert!(err.contains("packages: invalid type"), "{err}");
    }

    #[test]
    fn syntax_errors_are_located() {
        let err = parse_specs("s.json", b"{\"hostname\":\n,}")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "s.json:2:1: expected value");
    }

    #[test]
    fn validation_errors_carry_the_record_position() {
        let err = parse_specs(
            "s.json",
            b"{\"hostname\":\"a\"}\n  {\"hostname\":\"bad_name\"}",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.json:2:3: hostname: not a valid host name (letters, digits and '-', 1-63 characters)"
        );
    }

    #[test]
    fn strings_yaml_would_change_name_their_path() {
        let err = parse_specs(
            "s.json",
            "{\"hostname\":\"a\",\"runcmd\":[\"x\\u2028y\"]}".as_bytes(),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "s.json:1:1: runcmd[0]: holds the character U+2028, which cloud-init's YAML reader changes or refuses"
        );
        let talos =
            "{\"hostname\":\"a\",\"talos_machine_config\":\"version: v1alpha1 # \\u2028\\n\"}";
        parse_specs("s.json", talos.as_bytes()).unwrap();
    }

    #[test]
    fn values_other_than_objects_are_named() {
        let err = parse_specs("s.json", b"{\"hostname\":\"a\"}\n [{\"hostname\":\"b\"}]")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "s.json:2:2: expected a JSON object (one spec per machine), found an array"
            ),
            "{err}"
        );
        let err = parse_specs("s.json", b"5").unwrap_err().to_string();
        assert!(err.ends_with("found a number, boolean or null"), "{err}");
    }

    #[test]
    fn missing_hostname_is_reported() {
        let err = parse_specs("s.json", b"{}").unwrap_err().to_string();
        assert!(err.contains("missing field `hostname`"), "{err}");
    }

    #[test]
    fn empty_input_has_no_specs() {
        assert!(parse_specs("s.json", b"  \n").unwrap().is_empty());
    }
}
