//! Shell syntax checks: the shell a script names (`#!/bin/sh`, `#!/usr/bin/env bash` …) reads
//! it with `-n`, which parses without running anything. `runcmd` and `bootcmd` are checked as
//! the one `/bin/sh` script cloud-init joins them into.

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_yaml_ng::Value;

/// Shells whose `-n` option checks syntax without executing.
const SHELLS: [&str; 7] = ["sh", "dash", "ash", "bash", "ksh", "mksh", "zsh"];

/// The result of a syntax check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Syntax {
    /// The shell parsed the script.
    Valid,
    /// The shell's first complaint, without its program name.
    Invalid(String),
    /// The shell could not be run: why.
    Unchecked(String),
}

/// The shell named by a script's `#!` line, when it is one that `-n` checks.
pub fn shell_of(first_line: &str) -> Option<&'static str> {
    let line = first_line.strip_prefix("#!")?.trim();
    let mut words = line.split_whitespace();
    let mut program = base_name(words.next()?);
    if program == "env" {
        program = base_name(words.find(|w| !w.starts_with('-') && !w.contains('='))?);
    }
    SHELLS.into_iter().find(|s| *s == program)
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Parses `script` with `shell -n`, feeding it on standard input.
pub fn check(shell: &str, script: &[u8]) -> Syntax {
    let child = Command::new(shell)
        .arg("-n")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(err) => return Syntax::Unchecked(format!("cannot run {shell}: {err}")),
    };
    let stdin = child.stdin.take();
    let output = std::thread::scope(|scope| {
        scope.spawn(move || stdin.map(|mut pipe| pipe.write_all(script)));
        child.wait_with_output()
    });
    match output {
        Ok(out) if out.status.success() => Syntax::Valid,
        Ok(out) => Syntax::Invalid(complaint(shell, &String::from_utf8_lossy(&out.stderr))),
        Err(err) => Syntax::Unchecked(format!("{shell} -n failed: {err}")),
    }
}

/// The first line of a shell's error output, without the `sh: ` it starts with.
fn complaint(shell: &str, stderr: &str) -> String {
    let line = stderr.lines().next().unwrap_or("syntax error").trim();
    line.strip_prefix(shell)
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(line)
        .to_string()
}

/// Joins `runcmd`/`bootcmd` items as cloud-init does (strings verbatim, lists quoted word by
/// word, nulls dropped); an item of any other type makes cloud-init fail, reported as its index.
pub fn joined_commands(items: &[Value]) -> Result<String, usize> {
    let mut script = String::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(text) => script.push_str(text),
            Value::Sequence(words) => {
                let quoted: Option<Vec<String>> = words.iter().map(quoted_word).collect();
                script.push_str(&quoted.ok_or(i)?.join(" "));
            }
            Value::Null => continue,
            _ => return Err(i),
        }
        script.push('\n');
    }
    Ok(script)
}

/// A word of a list command in single quotes; scalars only, as Python's `str()` gives them.
fn quoted_word(word: &Value) -> Option<String> {
    let text = match word {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        _ => return None,
    };
    Some(format!("'{}'", text.replace('\'', r"'\''")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_are_found_in_shebangs() {
        assert_eq!(shell_of("#!/bin/sh"), Some("sh"));
        assert_eq!(shell_of("#! /usr/bin/env -S bash -e"), Some("bash"));
        assert_eq!(shell_of("#!/usr/bin/env LC_ALL=C zsh"), Some("zsh"));
        assert_eq!(shell_of("#!/usr/bin/python3"), None);
        assert_eq!(shell_of("#!"), None);
        assert_eq!(shell_of("echo"), None);
    }

    #[test]
    fn sh_reports_syntax_errors() {
        assert_eq!(check("sh", b"echo ok\n"), Syntax::Valid);
        let Syntax::Invalid(message) = check("sh", b"if true; then\necho\n") else {
            panic!("an unterminated if is a syntax error");
        };
        assert!(!message.starts_with("sh:"), "{message}");
        assert!(matches!(
            check("no-such-shell-here", b""),
            Syntax::Unchecked(_)
        ));
    }

    #[test]
    fn commands_join_as_cloud_init_joins_them() {
        let items: Vec<Value> =
            serde_yaml_ng::from_str("[echo a, [printf, \"it's\", 3], null, 'x | y']").unwrap();
        assert_eq!(
            joined_commands(&items).unwrap(),
            "echo a\n'printf' 'it'\\''s' '3'\nx | y\n"
        );
        let items: Vec<Value> = serde_yaml_ng::from_str("[echo a, true]").unwrap();
        assert_eq!(joined_commands(&items), Err(1));
    }
}
