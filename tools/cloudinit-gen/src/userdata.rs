//! user-data: the `#cloud-config` document, written by a YAML serializer from typed records so
//! that any string in a spec comes back unchanged when cloud-init parses it.

use std::io::Write as _;

use anyhow::{Context, Result};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;

use crate::password;
use crate::spec::{Encoding, Spec, User, WriteFile};

/// The first line cloud-init needs to treat a part as cloud-config.
pub const HEADER: &str = "#cloud-config\n";

/// The cloud-config document, in the order its keys are written.
#[derive(Debug, Serialize)]
struct CloudConfig<'a> {
    hostname: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fqdn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    users: Option<Vec<UserEntry<'a>>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    ssh_authorized_keys: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    packages: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    package_update: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    package_upgrade: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timezone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ntp: Option<Ntp<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    write_files: Vec<FileEntry<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    bootcmd: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    runcmd: &'a [String],
}

/// An entry of `users`: the literal `default`, or an account.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum UserEntry<'a> {
    Default(&'static str),
    Account(Account<'a>),
}

#[derive(Debug, Serialize)]
struct Account<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    groups: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    shell: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sudo: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    ssh_authorized_keys: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    passwd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lock_passwd: Option<bool>,
}

#[derive(Debug, Serialize)]
struct Ntp<'a> {
    enabled: bool,
    servers: &'a [String],
}

#[derive(Debug, Serialize)]
struct FileEntry<'a> {
    path: &'a str,
    content: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    defer: Option<bool>,
}

/// Renders the `#cloud-config` document of a spec. Plain passwords are hashed here.
pub fn cloud_config(spec: &Spec) -> Result<String> {
    let doc = CloudConfig {
        hostname: &spec.hostname,
        fqdn: spec.fqdn.as_deref(),
        users: users(spec)?,
        ssh_authorized_keys: &spec.ssh_authorized_keys,
        packages: &spec.packages,
        package_update: (!spec.packages.is_empty()).then_some(true),
        package_upgrade: spec.package_upgrade,
        timezone: spec.timezone.as_deref(),
        ntp: (!spec.ntp_servers.is_empty()).then_some(Ntp {
            enabled: true,
            servers: &spec.ntp_servers,
        }),
        write_files: spec
            .write_files
            .iter()
            .map(|f| file_entry(spec, f))
            .collect(),
        bootcmd: &spec.bootcmd,
        runcmd: &spec.runcmd,
    };
    let yaml = crate::yaml::to_string(&doc).context("cannot serialize cloud-config")?;
    Ok(format!("{HEADER}{yaml}"))
}

/// `users`, keeping `default` first unless the spec turns it off. Without extra users and with
/// the default user kept, the key is left out (cloud-init's default is the same).
fn users(spec: &Spec) -> Result<Option<Vec<UserEntry<'_>>>> {
    if spec.default_user && spec.users.is_empty() {
        return Ok(None);
    }
    let mut list = Vec::new();
    if spec.default_user {
        list.push(UserEntry::Default("default"));
    }
    for user in &spec.users {
        list.push(UserEntry::Account(account(user)?));
    }
    Ok(Some(list))
}

fn account(user: &User) -> Result<Account<'_>> {
    let passwd = match (&user.password_hash, &user.password) {
        (Some(hash), _) => Some(hash.clone()),
        (None, Some(plain)) => Some(password::hash_plain(plain)?),
        (None, None) => None,
    };
    Ok(Account {
        name: &user.name,
        groups: &user.groups,
        shell: user.shell.as_deref(),
        sudo: user.sudo.as_deref(),
        ssh_authorized_keys: &user.ssh_authorized_keys,
        lock_passwd: passwd.is_some().then_some(false),
        passwd,
    })
}

/// A `write_files` entry; the content goes through as given, under cloud-init's name for its
/// encoding, deferred when its owner is created by the same seed.
fn file_entry<'a>(spec: &Spec, file: &'a WriteFile) -> FileEntry<'a> {
    let encoding = match file.encoding {
        Encoding::Text => None,
        Encoding::Base64 => Some("b64"),
        Encoding::GzipBase64 => Some("gz+b64"),
    };
    FileEntry {
        path: &file.path,
        content: &file.content,
        encoding,
        permissions: file.permissions.as_deref(),
        owner: file.owner.as_deref(),
        defer: (file.defer == Some(true) || owner_created(spec, file)).then_some(true),
    }
}

/// True when the file's owner (user or group part) is a user or group that the spec creates:
/// cloud-init 22.4 runs `write_files` before `users_groups`, so such a chown fails unless the
/// file is deferred.
pub fn owner_created(spec: &Spec, file: &WriteFile) -> bool {
    let Some(owner) = &file.owner else {
        return false;
    };
    let (user, group) = owner.split_once(':').unwrap_or((owner, ""));
    let created = |name: &str| {
        spec.users
            .iter()
            .any(|u| u.name == name || u.groups.iter().any(|g| g == name))
    };
    created(user) || (!group.is_empty() && created(group))
}

/// Gzip with a zero timestamp, so that the same input always gives the same bytes.
pub fn gzip(data: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).context("gzip")?;
    encoder.finish().context("gzip")
}

/// True when the user-data will hold a password hash (the files are then written 0600).
pub fn holds_secrets(spec: &Spec) -> bool {
    spec.users
        .iter()
        .any(|u| u.password_hash.is_some() || u.password.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_yaml_ng::Value;

    fn parse(text: &str) -> Value {
        assert!(text.starts_with(HEADER));
        serde_yaml_ng::from_str(text).unwrap()
    }

    #[test]
    fn minimal_spec_gives_hostname_only() {
        let spec = Spec {
            hostname: "cp-0".into(),
            default_user: true,
            ..Spec::default()
        };
        assert_eq!(
            cloud_config(&spec).unwrap(),
            "#cloud-config\nhostname: cp-0\n"
        );
    }

    #[test]
    fn default_user_stays_first() {
        let spec = Spec {
            hostname: "a".into(),
            default_user: true,
            users: vec![User {
                name: "ops".into(),
                ..User::default()
            }],
            ..Spec::default()
        };
        let doc = parse(&cloud_config(&spec).unwrap());
        assert_eq!(doc["users"][0], Value::from("default"));
        assert_eq!(doc["users"][1]["name"], Value::from("ops"));
    }

    #[test]
    fn default_user_off_writes_an_explicit_list() {
        let spec = Spec {
            hostname: "a".into(),
            default_user: false,
            ..Spec::default()
        };
        let doc = parse(&cloud_config(&spec).unwrap());
        assert_eq!(doc["users"], Value::Sequence(vec![]));
    }

    #[test]
    fn file_content_passes_through_under_cloud_init_encoding_names() {
        let file = |content: &str, encoding| WriteFile {
            path: "/x".into(),
            content: content.into(),
            encoding,
            ..WriteFile::default()
        };
        let spec = Spec {
            hostname: "a".into(),
            write_files: vec![
                file("hi\n", Encoding::Text),
                file("AAH/", Encoding::Base64),
                file("H4sIAAAAAAACA8vIBACsKpPYAgAAAA==", Encoding::GzipBase64),
            ],
            ..Spec::default()
        };
        let doc = parse(&cloud_config(&spec).unwrap());
        let files = &doc["write_files"];
        assert_eq!(files[0]["content"], Value::from("hi\n"));
        assert!(files[0].get("encoding").is_none());
        assert_eq!(files[1]["content"], Value::from("AAH/"));
        assert_eq!(files[1]["encoding"], Value::from("b64"));
        let gz = Value::from("H4sIAAAAAAACA8vIBACsKpPYAgAAAA==");
        assert_eq!(files[2]["content"], gz);
        assert_eq!(files[2]["encoding"], Value::from("gz+b64"));
    }

    #[test]
    fn plain_password_is_hashed_and_unlocked() {
        let spec = Spec {
            hostname: "a".into(),
            users: vec![User {
                name: "ops".into(),
                password: Some("pw".into()),
                ..User::default()
            }],
            ..Spec::default()
        };
        assert!(holds_secrets(&spec));
        let doc = parse(&cloud_config(&spec).unwrap());
        let hash = doc["users"][0]["passwd"].as_str().unwrap();
        assert!(hash.starts_with("$6$"));
        assert_eq!(doc["users"][0]["lock_passwd"], Value::from(false));
    }

    #[test]
    fn gzip_is_deterministic() {
        assert_eq!(gzip(b"abc").unwrap(), gzip(b"abc").unwrap());
    }
}
