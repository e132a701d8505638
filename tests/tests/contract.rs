//! Every tool keeps the shared command-line contract: `--help` shows examples and exit codes,
//! `--version` answers, and a bad flag or a misplaced subcommand is a one-line usage error with
//! exit code 2.

use std::process::Command;

use pipeline_tests::{TOOLS, tool_bin};

fn run(tool: &str, args: &[&str]) -> std::process::Output {
    let bin = tool_bin(tool);
    Command::new(&bin)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (build the workspace first)", bin.display()))
}

#[test]
fn help_shows_examples_and_exit_status() {
    for tool in TOOLS {
        let out = run(tool, &["--help"]);
        assert!(out.status.success(), "{tool} --help failed");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("Examples:\n"),
            "{tool} --help has no examples"
        );
        assert!(
            text.contains(&format!("$ {tool}")),
            "{tool} --help has no example command"
        );
        assert!(
            text.contains("Exit status:\n  0 "),
            "{tool} --help has no exit status"
        );
    }
}

#[test]
fn version_answers() {
    for tool in TOOLS {
        let out = run(tool, &["--version"]);
        assert!(out.status.success(), "{tool} --version failed");
        assert!(String::from_utf8_lossy(&out.stdout).starts_with(&format!("{tool} ")));
    }
}

#[test]
fn unknown_flag_is_a_usage_error() {
    for tool in TOOLS {
        let out = run(tool, &["--no-such-flag"]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{tool} should exit 2 on a bad flag"
        );
        assert!(out.stdout.is_empty(), "{tool} wrote data on a usage error");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{tool}: {stderr}");
        assert!(
            stderr.starts_with(&format!(
                "{tool}: error: unexpected argument '--no-such-flag'"
            )),
            "{stderr}"
        );
    }
}

#[test]
fn a_subcommand_after_top_level_options_is_a_usage_error_naming_it() {
    for (tool, subcommand) in [
        ("closure-layers", "share"),
        ("oci-budget", "diff"),
        ("cloudinit-gen", "lint"),
    ] {
        let out = run(tool, &["-o", "table", subcommand, "a.json", "b.json"]);
        assert_eq!(out.status.code(), Some(2), "{tool}");
        assert!(out.stdout.is_empty(), "{tool} wrote data on a usage error");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr,
            format!(
                "{tool}: error: {subcommand} is a subcommand here, not an input: its name comes first, then its options ({tool} {subcommand} --help)\n"
            )
        );
    }
}
