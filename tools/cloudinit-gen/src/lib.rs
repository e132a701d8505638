//! `cloudinit-gen`: cloud-init NoCloud seeds (user-data, meta-data, network-config) from JSON
//! specs, validated field by field and written as JSON Lines records, seed directories,
//! reproducible ISO 9660 or FAT images, OCI metadata, OpenTofu `external` results or Proxmox
//! snippets.

pub mod cli;
pub mod iso9660;
pub mod lint;
pub mod mime;
pub mod network;
pub mod oci;
pub mod password;
pub mod proxmox;
pub mod records;
pub mod seed;
pub mod seedread;
pub mod spec;
pub mod sshkey;
pub mod timestamp;
pub mod userdata;
pub mod validate;
pub mod vfat;
pub mod write;
pub mod yaml;

use anyhow::{Result, bail};
use shared::Exit;
use shared::input::Source;

use crate::records::Output;
use crate::seed::Seed;

/// The volume label NoCloud looks for.
pub const LABEL: &str = "cidata";

/// Runs `cloudinit-gen` with parsed arguments.
pub fn run(cli: &cli::Cli) -> Result<Exit> {
    if let Some(cli::Command::Lint { paths }) = &cli.command {
        return lint_paths(cli, paths);
    }
    let seeds = if cli.tf_external {
        read_tf_query(&cli.inputs)?
    } else {
        read_seeds(&cli.inputs)?
    };
    if seeds.is_empty() {
        bail!("no spec in the input: expected a JSON object per machine");
    }
    let single = cli.iso.is_some() || cli.vfat.is_some() || cli.tf_external;
    if single && seeds.len() != 1 {
        bail!(
            "--iso, --vfat and --tf-external take exactly one spec, got {}",
            seeds.len()
        );
    }
    let mut out = Output::new(cli.output);
    if cli.tf_external {
        out.write(&oci::tf_external(&seeds[0]))?;
        out.finish()?;
        return Ok(Exit::Success);
    }
    let exit = records::emit(cli, &seeds, &mut out)?;
    out.finish()?;
    Ok(exit)
}

/// Reads the input of `--tf-external`: the data source's query `{"spec": "<JSON spec>"}` (as
/// `query = { spec = jsonencode(...) }` passes it), or spec files as usual.
fn read_tf_query(inputs: &[std::path::PathBuf]) -> Result<Vec<Seed>> {
    let sources = Source::from_operands(inputs);
    if let [source] = sources.as_slice() {
        let text = source.read_bytes()?;
        let query = serde_json::from_slice::<serde_json::Value>(&text).ok();
        if let Some(spec) = query
            .as_ref()
            .and_then(|q| q.get("spec"))
            .and_then(serde_json::Value::as_str)
        {
            let name = format!("{}: query.spec", source.name());
            return spec::parse_specs(&name, spec.as_bytes())?
                .iter()
                .map(seed::render)
                .collect();
        }
        return spec::parse_specs(&source.name(), &text)?
            .iter()
            .map(seed::render)
            .collect();
    }
    read_seeds(inputs)
}

/// Reads and renders every spec of every source.
fn read_seeds(inputs: &[std::path::PathBuf]) -> Result<Vec<Seed>> {
    let mut seeds = Vec::new();
    for source in Source::from_operands(inputs) {
        let text = source.read_bytes()?;
        for spec in spec::parse_specs(&source.name(), &text)? {
            seeds.push(seed::render(&spec)?);
        }
    }
    Ok(seeds)
}

/// The `summary` record of a lint run.
#[derive(Debug, serde::Serialize)]
struct LintSummary {
    #[serde(rename = "type")]
    kind: &'static str,
    sources: usize,
    findings: usize,
}

/// Lints every path; exit 1 when anything was found.
fn lint_paths(cli: &cli::Cli, paths: &[std::path::PathBuf]) -> Result<Exit> {
    let mut out = Output::new(cli.output);
    let mut total = 0;
    for path in paths {
        let findings = lint::lint_path(path)?;
        total += findings.len();
        for finding in &findings {
            out.write(finding)?;
        }
    }
    out.write(&LintSummary {
        kind: "summary",
        sources: paths.len(),
        findings: total,
    })?;
    out.finish()?;
    Ok(Exit::verdict(total == 0))
}
