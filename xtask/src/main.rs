//! `cargo xtask man [--check]`: renders `man/<tool>.1` and `completions/` (bash, zsh, fish)
//! from each tool's clap `Command` and `Manual`, or checks that the committed files match.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Command;
use clap_complete::Shell;
use roff::{Roff, bold, roman};
use shared::manual::Manual;

/// Every tool of the workspace: its command line and its manual.
fn tools() -> Vec<(Command, Manual)> {
    vec![
        (qcow_size::cli::command(), qcow_size::cli::MANUAL),
        (oci_budget::cli::command(), oci_budget::cli::MANUAL),
        (closure_layers::cli::command(), closure_layers::cli::MANUAL),
        (osv_check::cli::command(), osv_check::cli::MANUAL),
        (cloudinit_gen::cli::command(), cloudinit_gen::cli::MANUAL),
        (talos_wait::cli::command(), talos_wait::cli::MANUAL),
    ]
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["man"] => generate(false),
        ["man", "--check"] => generate(true),
        _ => Err(anyhow::anyhow!("usage: cargo xtask man [--check]")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Renders every file; with `check`, compares against what is on disk instead of writing.
fn generate(check: bool) -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for (command, manual) in tools() {
        let name = command.get_name().to_string();
        files.push((
            root.join("man").join(format!("{name}.1")),
            man_page(command.clone(), &manual)?,
        ));
        for (shell, file) in [
            (Shell::Bash, format!("{name}.bash")),
            (Shell::Zsh, format!("_{name}")),
            (Shell::Fish, format!("{name}.fish")),
        ] {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut command.clone(), &name, &mut out);
            files.push((root.join("completions").join(file), out));
        }
    }
    let stale: Vec<String> = files
        .iter()
        .filter(|(path, bytes)| fs::read(path).ok().as_deref() != Some(bytes.as_slice()))
        .map(|(path, _)| {
            path.strip_prefix(&root)
                .unwrap_or(path)
                .display()
                .to_string()
        })
        .collect();
    if check {
        if !stale.is_empty() {
            bail!(
                "generated files are out of date (run `make man`): {}",
                stale.join(", ")
            );
        }
        return Ok(());
    }
    for (path, bytes) in &files {
        fs::create_dir_all(path.parent().unwrap_or(&root))?;
        fs::write(path, bytes).with_context(|| format!("{}: cannot write", path.display()))?;
    }
    Ok(())
}

/// A manual page: clap_mangen's sections, then EXAMPLES, EXIT STATUS and ENVIRONMENT.
fn man_page(command: Command, manual: &Manual) -> Result<Vec<u8>> {
    let tool = command.get_name().to_string();
    let name = tool.to_uppercase();
    let version = command.get_version().unwrap_or_default().to_string();
    // The long help repeats the examples; the page has its own sections for them.
    let command = command.after_long_help("");
    let has_subcommands = command.get_subcommands().next().is_some();
    let man = clap_mangen::Man::new(command)
        .title(name)
        .section("1")
        .date("2026-11-22")
        .source(format!("infra-tools {version}"))
        .manual("User Commands");
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    if has_subcommands {
        man.render_subcommands_section(&mut out)?;
    }
    out.extend(extra_sections(&tool, manual).render().into_bytes());
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// EXAMPLES, EXIT STATUS and ENVIRONMENT (which says so when `tool` reads no variables).
fn extra_sections(tool: &str, manual: &Manual) -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXAMPLES"]);
    for example in manual.examples {
        roff.control("TP", []).text([roman(example.description)]);
        roff.control("nf", [])
            .text([bold(example.command)])
            .control("fi", []);
    }
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in manual.exit_status {
        roff.control("TP", [])
            .text([bold(code.to_string())])
            .text([roman(*meaning)]);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    if manual.environment.is_empty() {
        roff.text([roman(format!("{tool} reads no environment variables."))]);
    }
    for (name, meaning) in manual.environment {
        roff.control("TP", [])
            .text([bold(*name)])
            .text([roman(*meaning)]);
    }
    roff
}
