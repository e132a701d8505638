//! Writing results: JSON Lines records, tables for people, and the `store_layers` list of lists.

use std::io::Write;

use anyhow::{Context, Result};
use serde::Serialize;
use shared::output::RecordWriter;
use shared::table::Table;

use crate::cli::OutputFormat;
use crate::compare::{DiffRecord, ShareReport};
use crate::compare::{ShareImage, SharePair, ShareSummary};
use crate::fleet::Fleet;
use crate::graph::Graph;
use crate::layering::Layering;

/// One `"layer"` record.
#[derive(Debug, Serialize)]
pub struct LayerRecord<'a> {
    /// Always `"layer"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The position of the layer among the store layers, from 0.
    pub index: usize,
    /// The store paths of the layer, in archive order.
    pub paths: Vec<&'a str>,
    /// The number of paths.
    pub path_count: usize,
    /// The sum of the paths' NAR sizes.
    pub nar_size_bytes: u64,
    /// The NAR size of the paths and everything they reference.
    pub closure_size_bytes: u64,
}

/// The `"summary"` record of a layering.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Always `"summary"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `auto`, `popularity` or `pipeline`.
    pub algorithm: &'static str,
    /// The number of store layers.
    pub layer_count: usize,
    /// The number of store paths in the layers.
    pub path_count: usize,
    /// The NAR bytes in the layers.
    pub nar_size_bytes: u64,
    /// The bytes of the largest layer.
    pub largest_layer_bytes: u64,
    /// `maxLayers`; `None` (null) for a pipeline, which ignores it as nixpkgs does.
    pub max_layers: Option<usize>,
    /// Layers of the base image; `None` (null) for a pipeline, which ignores them.
    pub from_image_layers: Option<usize>,
    /// Layers available for store paths: `maxLayers - 1 - fromImageLayers`; `None` (null) for
    /// a pipeline, which ignores the budget as nixpkgs does.
    pub available_layers: Option<usize>,
}

/// The records of a layering.
pub fn layer_records<'a>(graph: &'a Graph, layering: &Layering) -> (Vec<LayerRecord<'a>>, Summary) {
    let records: Vec<LayerRecord> = layering
        .layers
        .iter()
        .enumerate()
        .map(|(index, layer)| LayerRecord {
            kind: "layer",
            index,
            paths: layer.paths.iter().map(|&id| graph.path(id)).collect(),
            path_count: layer.paths.len(),
            nar_size_bytes: layer.nar_size,
            closure_size_bytes: layer.closure_size,
        })
        .collect();
    let summary = Summary {
        kind: "summary",
        algorithm: layering.strategy,
        layer_count: records.len(),
        path_count: records.iter().map(|r| r.path_count).sum(),
        nar_size_bytes: records.iter().map(|r| r.nar_size_bytes).sum(),
        largest_layer_bytes: records.iter().map(|r| r.nar_size_bytes).max().unwrap_or(0),
        max_layers: layering.budget.map(|b| b.max_layers),
        from_image_layers: layering.budget.map(|b| b.from_image_layers),
        available_layers: layering.available_layers,
    };
    (records, summary)
}

/// Writes a layering in the chosen format.
pub fn write_layering<W: Write>(
    out: &mut RecordWriter<W>,
    format: OutputFormat,
    graph: &Graph,
    layering: &Layering,
) -> Result<()> {
    let (records, summary) = layer_records(graph, layering);
    match format {
        OutputFormat::Json => {
            for record in &records {
                out.write(record).context("writing records")?;
            }
            out.write(&summary).context("writing records")?;
        }
        OutputFormat::Nix => out
            .write(&layering.path_lists(graph))
            .context("writing layers")?,
        table => {
            let mut t = Table::new([
                "index",
                "paths",
                "nar_size_bytes",
                "closure_size_bytes",
                "first_path",
            ]);
            for r in &records {
                t.push([
                    r.index.to_string(),
                    r.path_count.to_string(),
                    r.nar_size_bytes.to_string(),
                    r.closure_size_bytes.to_string(),
                    r.paths.first().map_or(String::new(), |p| p.to_string()),
                ]);
            }
            write_table(out, table, &t)?;
        }
    }
    Ok(())
}

/// Writes `diff` records in the chosen format.
pub fn write_diff<W: Write>(
    out: &mut RecordWriter<W>,
    format: OutputFormat,
    records: &[DiffRecord],
) -> Result<()> {
    if format.table().is_none() {
        for record in records {
            out.write(record).context("writing records")?;
        }
        return Ok(());
    }
    let mut t = Table::new([
        "algorithm",
        "old_layers",
        "new_layers",
        "kept_layers",
        "changed_layers",
        "upload_bytes",
        "store_delta_bytes",
    ]);
    for r in records {
        t.push([
            r.algorithm.to_string(),
            r.old_layers.to_string(),
            r.new_layers.to_string(),
            r.kept_layers.to_string(),
            r.changed_layers.to_string(),
            r.upload_bytes.to_string(),
            r.store_delta_bytes.to_string(),
        ]);
    }
    write_table(out, format, &t)
}

/// Writes a `share` report in the chosen format: as tables, the images, the pairs and the
/// totals, one after the other with an empty line between them.
pub fn write_share<W: Write>(
    out: &mut RecordWriter<W>,
    format: OutputFormat,
    report: &ShareReport,
) -> Result<()> {
    if format.table().is_none() {
        for pair in &report.pairs {
            out.write(pair).context("writing records")?;
        }
        for image in &report.images {
            out.write(image).context("writing records")?;
        }
        out.write(&report.summary).context("writing records")?;
        return Ok(());
    }
    let tables = [
        share_images_table(&report.images),
        share_pairs_table(&report.pairs),
        share_totals_table(&report.summary),
    ];
    write_tables(out, format, &tables)
}

/// One row per image: what it costs alone and given the others.
fn share_images_table(images: &[ShareImage]) -> Table {
    let mut t = Table::new([
        "image",
        "layers",
        "nar_size_bytes",
        "pull_bytes_given_others",
        "unique_store_bytes",
    ]);
    for i in images {
        t.push([
            i.image.clone(),
            i.layers.to_string(),
            i.nar_size_bytes.to_string(),
            i.pull_bytes_given_others.to_string(),
            i.unique_store_bytes.to_string(),
        ]);
    }
    t
}

/// One row per pair of images: the layers and store bytes they share.
fn share_pairs_table(pairs: &[SharePair]) -> Table {
    let mut t = Table::new([
        "a",
        "b",
        "shared_layers",
        "shared_layer_bytes",
        "shared_store_bytes",
    ]);
    for p in pairs {
        t.push([
            p.a.clone(),
            p.b.clone(),
            p.shared_layers.to_string(),
            p.shared_layer_bytes.to_string(),
            p.shared_store_bytes.to_string(),
        ]);
    }
    t
}

/// The totals over all images, in one row.
fn share_totals_table(summary: &ShareSummary) -> Table {
    let mut t = Table::new([
        "algorithm",
        "images",
        "layers_in_all",
        "total_layer_bytes",
        "distinct_layer_bytes",
        "distinct_store_bytes",
    ]);
    t.push([
        summary.algorithm.to_string(),
        summary.images.to_string(),
        summary.layers_in_all.to_string(),
        summary.total_layer_bytes.to_string(),
        summary.distinct_layer_bytes.to_string(),
        summary.distinct_store_bytes.to_string(),
    ]);
    t
}

/// Writes the layering of `--fleet`: `nix` prints an object of `store_layers` per image; tables
/// are the layers, then the totals.
pub fn write_fleet<W: Write>(
    out: &mut RecordWriter<W>,
    format: OutputFormat,
    fleet: &Fleet,
) -> Result<()> {
    match format {
        OutputFormat::Json => {
            for layer in fleet.layers.iter().flatten() {
                out.write(layer).context("writing records")?;
            }
            out.write(&fleet.summary).context("writing records")?;
        }
        OutputFormat::Nix => {
            let lists: std::collections::BTreeMap<&str, Vec<&Vec<String>>> = fleet
                .layers
                .iter()
                .filter_map(|layers| {
                    layers
                        .first()
                        .map(|l| (l.image.as_str(), layers.iter().map(|l| &l.paths).collect()))
                })
                .collect();
            out.write(&lists).context("writing layers")?;
        }
        table => write_tables(
            out,
            table,
            &[fleet_layers_table(fleet), fleet_totals_table(fleet)],
        )?,
    }
    Ok(())
}

/// One row per layer of each image.
fn fleet_layers_table(fleet: &Fleet) -> Table {
    let mut t = Table::new([
        "image",
        "index",
        "paths",
        "nar_size_bytes",
        "images_with_layer",
        "layering",
    ]);
    for l in fleet.layers.iter().flatten() {
        t.push([
            l.image.clone(),
            l.index.to_string(),
            l.path_count.to_string(),
            l.nar_size_bytes.to_string(),
            l.images_with_layer.to_string(),
            l.layering.to_string(),
        ]);
    }
    t
}

/// The fleet's totals, in one row.
fn fleet_totals_table(fleet: &Fleet) -> Table {
    let s = &fleet.summary;
    let mut t = Table::new([
        "chosen",
        "images_laid_out_alone",
        "fleet_pull_bytes",
        "joint_pull_bytes",
        "per_image_pull_bytes",
        "saved_bytes",
        "distinct_store_bytes",
    ]);
    t.push([
        s.chosen.to_string(),
        s.images_laid_out_alone.to_string(),
        s.fleet_pull_bytes.to_string(),
        s.joint_pull_bytes.to_string(),
        s.per_image_pull_bytes.to_string(),
        s.saved_bytes.to_string(),
        s.distinct_store_bytes.to_string(),
    ]);
    t
}

fn write_table<W: Write>(
    out: &mut RecordWriter<W>,
    format: OutputFormat,
    table: &Table,
) -> Result<()> {
    write_tables(out, format, std::slice::from_ref(table))
}

/// Writes tables one after the other, an empty line between two.
fn write_tables<W: Write>(
    out: &mut RecordWriter<W>,
    format: OutputFormat,
    tables: &[Table],
) -> Result<()> {
    if let Some(table_format) = format.table() {
        let text = tables
            .iter()
            .map(|t| t.render(table_format))
            .collect::<Vec<_>>()
            .join("\n");
        out.write_text(&text).context("writing the table")?;
    }
    Ok(())
}
