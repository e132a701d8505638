//! What the tool prints and writes for each requested output, as JSON Lines records (or one
//! table for people).

use std::collections::BTreeSet;
use std::io::{BufWriter, Stdout};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use shared::Exit;
use shared::cli::OutputArgs;
use shared::output::RecordWriter;
use shared::table::{Table, TableFormat};

use crate::cli::Cli;
use crate::iso9660::{self, IsoFile};
use crate::seed::{Seed, sha256_hex};
use crate::{LABEL, oci, proxmox, seedread, timestamp, vfat, write};

/// A seed file as a record: with its content when printed, with its path when written.
#[derive(Debug, Serialize)]
pub struct FileRecord<'a> {
    /// Always `file`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The machine's host name.
    pub machine: &'a str,
    /// `user-data`, `meta-data` or `network-config`.
    pub name: &'a str,
    /// The text, when printed rather than written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<&'a str>,
    /// Where the file was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The file's mode, when written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Size in bytes.
    pub size_bytes: usize,
    /// SHA-256 of the content, in hex.
    pub sha256: String,
}

/// A seed image that was written.
#[derive(Debug, Serialize)]
pub struct ImageRecord<'a> {
    /// Always `image`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The machine's host name.
    pub machine: &'a str,
    /// `iso9660` or `vfat`.
    pub format: &'static str,
    /// The volume label.
    pub label: &'static str,
    /// Where the image was written.
    pub path: String,
    /// Size in bytes.
    pub size_bytes: usize,
    /// SHA-256 of the image, in hex.
    pub sha256: String,
}

/// The `cicustom` value for a machine's Proxmox snippets.
#[derive(Debug, Serialize)]
pub struct CicustomRecord<'a> {
    /// Always `proxmox_cicustom`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The machine's host name.
    pub machine: &'a str,
    /// The value for `qm set <vmid> --cicustom`.
    pub cicustom: String,
}

/// Which table `--output table|csv|markdown` gathers the records into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Generated files, images, OCI metadata and `cicustom` values, one row each.
    Files,
    /// Lint findings, one row each, then a line with the summary.
    Findings,
}

/// Where records go: JSON Lines on stdout, or rows of one table printed at the end.
pub struct Output {
    writer: RecordWriter<BufWriter<Stdout>>,
    table: Option<(TableFormat, Layout, Vec<Value>)>,
}

impl Output {
    /// An output for the `--output`/`--pretty` choice, tabulated as `layout` says.
    pub fn new(args: OutputArgs, layout: Layout) -> Self {
        Output {
            writer: RecordWriter::stdout(args.pretty, false),
            table: args
                .output
                .table()
                .map(|format| (format, layout, Vec::new())),
        }
    }

    /// Writes (or collects) one record.
    pub fn write<T: Serialize>(&mut self, record: &T) -> Result<()> {
        match &mut self.table {
            Some((_, _, rows)) => {
                rows.push(serde_json::to_value(record).context("cannot serialize a record")?)
            }
            None => self
                .writer
                .write(record)
                .context("cannot write to standard output")?,
        }
        Ok(())
    }

    /// Prints the table, if any, and flushes.
    pub fn finish(mut self) -> Result<()> {
        if let Some((format, layout, rows)) = self.table.take() {
            let text = match layout {
                Layout::Files => files_table(&rows).render(format),
                Layout::Findings => findings_table(&rows, format),
            };
            self.writer
                .write_text(&text)
                .context("cannot write to standard output")?;
        }
        self.writer
            .finish()
            .context("cannot write to standard output")?;
        Ok(())
    }
}

/// The text of a record's field, empty when absent.
fn cell(row: &Value, key: &str) -> String {
    match &row[key] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One row per record: what it is, for which machine, its size and digest, and where it went
/// (the path, the `cicustom` value, or whether OCI metadata fits).
fn files_table(rows: &[Value]) -> Table {
    let mut table = Table::new(["type", "machine", "name", "size_bytes", "sha256", "detail"]);
    for row in rows {
        let (name, size, detail) = match row["type"].as_str() {
            Some("image") => (
                cell(row, "format"),
                cell(row, "size_bytes"),
                cell(row, "path"),
            ),
            Some("proxmox_cicustom") => (String::new(), String::new(), cell(row, "cicustom")),
            Some("oci_metadata") => (
                "metadata".to_string(),
                cell(row, "metadata_bytes"),
                oci_verdict(row),
            ),
            _ => (
                cell(row, "name"),
                cell(row, "size_bytes"),
                cell(row, "path"),
            ),
        };
        table.push([
            cell(row, "type"),
            cell(row, "machine"),
            name,
            size,
            cell(row, "sha256"),
            detail,
        ]);
    }
    table
}

/// `1 finding`, `3 findings`.
fn counted(count: &Value, noun: &str) -> String {
    let n = count.as_u64().unwrap_or_default();
    let plural = if n == 1 { "" } else { "s" };
    format!("{n} {noun}{plural}")
}

fn oci_verdict(row: &Value) -> String {
    let limit = cell(row, "limit_bytes");
    if row["fits"] == Value::Bool(true) {
        format!("fits the {limit}-byte limit")
    } else {
        format!("over the {limit}-byte limit")
    }
}

/// The findings as a table; plain and Markdown tables end with the summary in a sentence.
fn findings_table(rows: &[Value], format: TableFormat) -> String {
    const COLUMNS: [&str; 5] = ["source", "file", "check", "severity", "message"];
    let mut table = Table::new(COLUMNS);
    let mut summary = None;
    for row in rows {
        if row["type"] == "summary" {
            summary = Some(row);
            continue;
        }
        table.push(COLUMNS.iter().map(|c| cell(row, c)));
    }
    let mut text = table.render(format);
    if let (Some(s), false) = (summary, format == TableFormat::Csv) {
        text.push_str(&format!(
            "\n{} in {}.\n",
            counted(&s["findings"], "finding"),
            counted(&s["sources"], "source")
        ));
    }
    text
}

/// Produces every output the command line asks for; the exit is `No` when OCI metadata does
/// not fit.
pub fn emit(cli: &Cli, seeds: &[Seed], out: &mut Output) -> Result<Exit> {
    let mut exit = Exit::Success;
    let writes_files = cli.out_dir.is_some()
        || cli.iso.is_some()
        || cli.vfat.is_some()
        || cli.proxmox_snippets.is_some();
    if !writes_files && !cli.oci {
        for seed in seeds {
            print_files(seed, out)?;
        }
    }
    if cli.out_dir.is_some() || cli.proxmox_snippets.is_some() {
        unique_machines(seeds)?;
    }
    if let Some(dir) = &cli.out_dir {
        for seed in seeds {
            let target = if seeds.len() == 1 {
                dir.clone()
            } else {
                dir.join(&seed.machine)
            };
            write_dir(seed, &target, out)?;
        }
    }
    let epoch = if cli.iso.is_some() || cli.vfat.is_some() {
        timestamp::source_date_epoch()?
    } else {
        0
    };
    if let Some(path) = &cli.iso {
        write_image(&seeds[0], path, "iso9660", epoch, out)?;
    }
    if let Some(path) = &cli.vfat {
        write_image(&seeds[0], path, "vfat", epoch, out)?;
    }
    if let Some(dir) = &cli.proxmox_snippets {
        for seed in seeds {
            write_snippets(seed, dir, &cli.proxmox_storage, out)?;
        }
    }
    if cli.oci {
        for seed in seeds {
            let record = oci::metadata(seed)?;
            if !record.fits {
                record.warn_over_limit();
                exit = Exit::No;
            }
            out.write(&record)?;
        }
    }
    Ok(exit)
}

fn unique_machines(seeds: &[Seed]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for seed in seeds {
        if !seen.insert(seed.machine.as_str()) {
            bail!(
                "two specs have the hostname {:?}; their files would overwrite each other",
                seed.machine
            );
        }
    }
    Ok(())
}

fn print_files(seed: &Seed, out: &mut Output) -> Result<()> {
    for file in &seed.files {
        out.write(&FileRecord {
            kind: "file",
            machine: &seed.machine,
            name: file.name,
            content: Some(&file.content),
            path: None,
            mode: None,
            size_bytes: file.content.len(),
            sha256: sha256_hex(file.content.as_bytes()),
        })?;
    }
    Ok(())
}

fn file_mode(seed: &Seed) -> u32 {
    if seed.holds_secrets {
        write::SECRET_MODE
    } else {
        write::PUBLIC_MODE
    }
}

/// Writes the seed's files into `dir`; the NoCloud files the new seed lacks are removed, so that
/// the directory is exactly the new seed.
fn write_dir(seed: &Seed, dir: &Path, out: &mut Output) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create directory", dir.display()))?;
    for name in seedread::SEED_NAMES {
        let path = dir.join(name);
        if seed.file(name).is_none() && path.is_file() {
            std::fs::remove_file(&path)
                .with_context(|| format!("{}: cannot remove the old file", path.display()))?;
        }
    }
    let mode = file_mode(seed);
    for file in &seed.files {
        let path = dir.join(file.name);
        write::atomic(&path, file.content.as_bytes(), mode)?;
        out.write(&written(
            seed,
            file.name,
            &path,
            file.content.as_bytes(),
            mode,
        ))?;
    }
    Ok(())
}

fn written<'a>(
    seed: &'a Seed,
    name: &'a str,
    path: &Path,
    data: &[u8],
    mode: u32,
) -> FileRecord<'a> {
    FileRecord {
        kind: "file",
        machine: &seed.machine,
        name,
        content: None,
        path: Some(path.display().to_string()),
        mode: Some(format!("{mode:04o}")),
        size_bytes: data.len(),
        sha256: sha256_hex(data),
    }
}

/// The seed as an image of `format` (`iso9660` or `vfat`).
pub fn image(seed: &Seed, format: &str, epoch: i64) -> Result<Vec<u8>> {
    if format == "iso9660" {
        let files: Vec<IsoFile<'_>> = seed
            .files
            .iter()
            .map(|f| IsoFile {
                name: f.name,
                data: f.content.as_bytes(),
            })
            .collect();
        iso9660::build(&files, LABEL, epoch)
    } else {
        let files: Vec<(&str, &[u8])> = seed
            .files
            .iter()
            .map(|f| (f.name, f.content.as_bytes()))
            .collect();
        vfat::build(&files, LABEL, epoch, volume_id(seed))
    }
}

/// A FAT volume id derived from the content: the same seed gets the same id.
fn volume_id(seed: &Seed) -> u32 {
    let mut hasher = Sha256::new();
    for file in &seed.files {
        hasher.update(file.content.as_bytes());
    }
    let digest = hasher.finalize();
    u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]])
}

fn write_image(
    seed: &Seed,
    path: &Path,
    format: &'static str,
    epoch: i64,
    out: &mut Output,
) -> Result<()> {
    let bytes = image(seed, format, epoch)?;
    write::atomic(path, &bytes, file_mode(seed))?;
    out.write(&ImageRecord {
        kind: "image",
        machine: &seed.machine,
        format,
        label: LABEL,
        path: path.display().to_string(),
        size_bytes: bytes.len(),
        sha256: sha256_hex(&bytes),
    })
}

fn write_snippets(seed: &Seed, dir: &Path, storage: &str, out: &mut Output) -> Result<()> {
    let snippets = proxmox::snippets(seed)?;
    let mode = file_mode(seed);
    for snippet in &snippets {
        let path = dir.join(&snippet.file_name);
        write::atomic(&path, snippet.content.as_bytes(), mode)?;
        out.write(&written(
            seed,
            snippet.name,
            &path,
            snippet.content.as_bytes(),
            mode,
        ))?;
    }
    out.write(&CicustomRecord {
        kind: "proxmox_cicustom",
        machine: &seed.machine,
        cicustom: proxmox::cicustom(storage, &snippets),
    })
}
