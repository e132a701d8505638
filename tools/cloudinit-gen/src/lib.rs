//! `cloudinit-gen`: cloud-init NoCloud seeds (user-data, meta-data, network-config) from JSON
//! specs, validated field by field and written as JSON Lines records, seed directories,
//! reproducible ISO 9660 or FAT images, OCI metadata, OpenTofu `external` results or Proxmox
//! snippets.

pub mod cli;
pub mod codec;
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
use shared::cli::{OutputArgs, OutputFormat};
use shared::input::Source;

use crate::records::{Layout, Output};
use crate::seed::Seed;

/// The volume label NoCloud looks for.
pub const LABEL: &str = "cidata";

/// Runs `cloudinit-gen` with parsed arguments.
pub fn run(cli: &cli::Cli) -> Result<Exit> {
    if let Some(cli::Command::Lint { paths }) = &cli.command {
        return lint_paths(cli.output, paths);
    }
    if cli.tf_external && cli.output.output != OutputFormat::Json {
        bail!(
            "--tf-external prints the JSON object the external data source reads; --output does not apply"
        );
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
    let mut out = Output::new(cli.output, Layout::Files);
    let exit = if cli.tf_external {
        tf_external(&seeds[0], cli.oci, &mut out)?
    } else {
        records::emit(cli, &seeds, &mut out)?
    };
    out.finish()?;
    Ok(exit)
}

/// Prints the `external` data source result; with `oci`, also the OCI metadata values, and
/// the exit is `No` (the plan fails) when they exceed OCI's limit.
fn tf_external(seed: &Seed, oci: bool, out: &mut Output) -> Result<Exit> {
    let mut map = oci::tf_external(seed);
    let mut exit = Exit::Success;
    if oci {
        let record = oci::metadata(seed)?;
        if !record.fits {
            record.warn_over_limit();
            exit = Exit::No;
        }
        map.insert("oci_user_data".into(), record.user_data);
        map.insert(
            "oci_metadata_bytes".into(),
            record.metadata_bytes.to_string(),
        );
    }
    out.write(&map)?;
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
fn lint_paths(output: OutputArgs, paths: &[std::path::PathBuf]) -> Result<Exit> {
    let mut out = Output::new(output, Layout::Findings);
    let mut total = 0;
    for path in paths {
        let findings = lint::lint_path(path, lint::Options::default())?;
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
