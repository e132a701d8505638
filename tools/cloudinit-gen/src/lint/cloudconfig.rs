//! Checks of one `#cloud-config` document: keys cloud-init ignores, users and keys it drops,
//! passwords it sets as text, commands and files it cannot run or write.

use serde_yaml_ng::Value;

use super::shell::{self, Syntax};
use super::{Severity, Sink, keys, parse_yaml, yaml_text, yaml11, yaml11_macs};
use crate::{codec, password, sshkey, validate};

/// Checks a cloud-config document (its `#cloud-config` line included) and returns it when it
/// parses. `alone` is false for a part of a multipart, whose `users` are judged after the
/// parts merge.
pub fn check(sink: &mut Sink<'_>, text: &str, alone: bool) -> Option<Value> {
    yaml11_macs(sink, text);
    let doc = parse_yaml(sink, "yaml_invalid", text)?;
    yaml11::check(sink, text);
    let Some(map) = doc.as_mapping() else {
        if !doc.is_null() {
            sink.add(
                "not_a_mapping",
                Severity::Error,
                "cloud-config must be a YAML mapping",
            );
        }
        return None;
    };
    unknown_keys(sink, map.keys());
    ssh_keys(sink, "ssh_authorized_keys", doc.get("ssh_authorized_keys"));
    users(sink, doc.get("users"), alone);
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
    for key in ["bootcmd", "runcmd"] {
        commands(sink, key, doc.get(key));
    }
    write_files(sink, doc.get("write_files"));
    deferred_owners(sink, &doc);
    Some(doc)
}

fn unknown_keys<'v>(sink: &mut Sink<'_>, found: impl Iterator<Item = &'v Value>) {
    for key in found {
        let name = match key {
            Value::String(s) => s.clone(),
            other => yaml_text(other),
        };
        if keys::is_known(&name) {
            continue;
        }
        let hint = keys::suggestion(&name)
            .map(|k| format!(" (did you mean {k:?}?)"))
            .unwrap_or_default();
        sink.add(
            "unknown_key",
            Severity::Warning,
            format!("unknown top-level key {name:?}: cloud-init ignores it{hint}"),
        );
    }
}

fn users(sink: &mut Sink<'_>, value: Option<&Value>, alone: bool) {
    let Some(users) = value.and_then(Value::as_sequence) else {
        return;
    };
    if alone && !users.iter().any(|u| u.as_str() == Some("default")) {
        sink.add(
            "default_user_dropped",
            Severity::Warning,
            "users has no 'default' entry: the distribution's user and its keys are not created",
        );
    }
    for (i, user) in users.iter().enumerate() {
        ssh_keys(
            sink,
            &format!("users[{i}].ssh_authorized_keys"),
            user.get("ssh_authorized_keys"),
        );
        user_passwords(sink, i, user);
    }
}

fn ssh_keys(sink: &mut Sink<'_>, path: &str, value: Option<&Value>) {
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
    let users = chpasswd.get("users").and_then(Value::as_sequence);
    for (i, user) in users.into_iter().flatten().enumerate() {
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

/// `runcmd`/`bootcmd`: cloud-init joins the items into one `/bin/sh` script, so one bad item
/// stops every command after it.
fn commands(sink: &mut Sink<'_>, key: &str, value: Option<&Value>) {
    let Some(items) = value.and_then(Value::as_sequence) else {
        return;
    };
    match shell::joined_commands(items) {
        Err(i) => sink.add(
            "command_not_string",
            Severity::Error,
            format!("{key}[{i}]: neither a string nor a list of words; cloud-init stops at it (quote it)"),
        ),
        Ok(script) if sink.options.shell_syntax => {
            let what = format!("{key} (run as one /bin/sh script)");
            syntax(sink, &what, "sh", script.as_bytes());
        }
        Ok(_) => {}
    }
}

/// Reports what a shell's `-n` says about a script.
pub fn syntax(sink: &mut Sink<'_>, what: &str, shell: &str, script: &[u8]) {
    match shell::check(shell, script) {
        Syntax::Valid => {}
        Syntax::Invalid(message) => sink.add(
            "shell_syntax",
            Severity::Error,
            format!("{what}: {shell} -n: {message}"),
        ),
        Syntax::Unchecked(why) => sink.add(
            "shell_unchecked",
            Severity::Warning,
            format!("{what}: syntax not checked ({why})"),
        ),
    }
}

/// The `write_files[].encoding` values cloud-init 22.4 knows (any case, spaces trimmed).
const ENCODINGS: [&str; 11] = [
    "text/plain",
    "b64",
    "base64",
    "gz",
    "gzip",
    "gz+base64",
    "gzip+base64",
    "gz+b64",
    "gzip+b64",
    "",
    "text",
];

fn write_files(sink: &mut Sink<'_>, value: Option<&Value>) {
    let Some(files) = value.and_then(Value::as_sequence) else {
        return;
    };
    for (i, file) in files.iter().enumerate() {
        let encoding = file
            .get("encoding")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if !ENCODINGS.contains(&encoding.as_str()) {
            sink.add(
                "write_files_encoding",
                Severity::Error,
                format!("write_files[{i}].encoding {encoding:?}: unknown, cloud-init writes the content as text"),
            );
            continue;
        }
        permissions(sink, i, file.get("permissions"));
        let content = file
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Err(err) = decode(&encoding, content) {
            sink.add(
                "write_files_content",
                Severity::Error,
                format!("write_files[{i}].content: {err}"),
            );
        }
    }
}

/// Undoes a file's encoding as cloud-init does, to see that it can.
fn decode(encoding: &str, content: &str) -> Result<(), String> {
    let gz = encoding.starts_with("gz");
    let b64 = encoding.contains("b64") || encoding.contains("base64");
    let bytes = if b64 {
        codec::base64_bytes(content)?
    } else {
        content.as_bytes().to_vec()
    };
    if gz {
        codec::gunzip(&bytes, validate::MAX_FILE_BYTES)?;
    }
    Ok(())
}

/// `permissions` must be a string: 22.4's schema rejects a number, and cloud-init takes an
/// integer as the mode itself, so `644` (decimal) becomes mode 01204.
fn permissions(sink: &mut Sink<'_>, i: usize, value: Option<&Value>) {
    let Some(value) = value.filter(|v| !v.is_string()) else {
        return;
    };
    sink.add(
        "write_files_permissions",
        Severity::Error,
        format!(
            "write_files[{i}].permissions {}: not a string; cloud-init takes a number as the mode itself (644 becomes 01204) and 22.4's schema rejects it; quote it as '0644'",
            yaml_text(value)
        ),
    );
}

/// The names of a comma-separated string or a list of strings.
fn names(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => s.split(',').map(|n| n.trim().to_string()).collect(),
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// Users and groups the `users` and `groups` keys create (`default` aside).
fn created_accounts(doc: &Value) -> Vec<String> {
    let mut created = Vec::new();
    let users = doc.get("users");
    if let Some(Value::String(_)) = users {
        created.extend(names(users));
    }
    for user in users.and_then(Value::as_sequence).into_iter().flatten() {
        match user {
            Value::String(_) => created.extend(names(Some(user))),
            _ => {
                created.extend(names(user.get("name")));
                created.extend(names(user.get("groups")));
                created.extend(names(user.get("primary_group")));
            }
        }
    }
    match doc.get("groups") {
        Some(Value::Sequence(groups)) => {
            for group in groups {
                match group {
                    Value::Mapping(map) => {
                        created.extend(map.keys().filter_map(Value::as_str).map(str::to_string))
                    }
                    other => created.extend(names(Some(other))),
                }
            }
        }
        other => created.extend(names(other)),
    }
    created.retain(|n| !n.is_empty() && n != "default");
    created
}

/// A file owned by an account the same document creates must be deferred: cloud-init runs
/// `write_files` before `users_groups`, so the chown fails and the file keeps root.
fn deferred_owners(sink: &mut Sink<'_>, doc: &Value) {
    let created = created_accounts(doc);
    let files = doc.get("write_files").and_then(Value::as_sequence);
    for (i, file) in files.into_iter().flatten().enumerate() {
        let Some(owner) = file.get("owner").and_then(Value::as_str) else {
            continue;
        };
        if file.get("defer").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let (user, group) = owner.split_once(':').unwrap_or((owner, ""));
        let Some(name) = [user, group]
            .into_iter()
            .find(|n| created.iter().any(|c| c == n))
        else {
            continue;
        };
        sink.add(
            "write_files_owner_not_yet_created",
            Severity::Error,
            format!(
                "write_files[{i}].owner {owner:?}: {name} is created by users, which runs after write_files; add defer: true"
            ),
        );
    }
}
