//! Records as a table for people (`--output table|csv|markdown`).

use shared::table::{Table, TableFormat};
use shared::units::format_bytes;

use crate::record::ImageRecord;

/// A column: its header and how a record fills it (sizes are formatted by the caller).
type Column = (&'static str, fn(&ImageRecord) -> Cell);

/// A cell before formatting.
enum Cell {
    Text(String),
    Bytes(Option<u64>),
}

/// Columns every table has.
const COLUMNS: &[Column] = &[
    ("path", |r| Cell::Text(r.path.clone())),
    ("format", |r| Cell::Text(r.format.to_string())),
    ("virtual", |r| Cell::Bytes(Some(r.virtual_size_bytes))),
    ("file", |r| Cell::Bytes(Some(r.file_size_bytes))),
    ("actual", |r| Cell::Bytes(Some(r.actual_size_bytes))),
    ("allocated", |r| Cell::Bytes(r.allocated_bytes)),
    ("image_end", |r| Cell::Bytes(r.image_end_offset_bytes)),
    ("backing_file", |r| {
        Cell::Text(r.backing_file.clone().unwrap_or_default())
    }),
];

/// Whether a record has a value for an optional column.
type Shown = fn(&ImageRecord) -> bool;

/// Columns shown only when some record has them (`--backing-chain`, `--measure`, `--check`).
const OPTIONAL: &[(Column, Shown)] = &[
    (
        ("depth", |r| {
            Cell::Text(r.depth.map(|d| d.to_string()).unwrap_or_default())
        }),
        |r| r.depth.is_some(),
    ),
    (
        ("chain_allocated", |r| Cell::Bytes(r.chain_allocated_bytes)),
        |r| r.chain_allocated_bytes.is_some(),
    ),
    (
        ("required", |r| {
            Cell::Bytes(r.measure.map(|m| m.required_bytes))
        }),
        |r| r.measure.is_some(),
    ),
    (
        ("check", |r| {
            Cell::Text(
                r.check_verdict
                    .map(|v| v.name().to_string())
                    .unwrap_or_default(),
            )
        }),
        |r| r.check_verdict.is_some(),
    ),
];

/// Renders image records; sizes are human-readable in tables and exact bytes in CSV.
pub fn render(records: &[ImageRecord], format: TableFormat) -> String {
    let mut columns: Vec<&Column> = COLUMNS.iter().collect();
    for (column, shown) in OPTIONAL {
        if records.iter().any(shown) {
            columns.push(column);
        }
    }
    let mut table = Table::new(columns.iter().map(|c| c.0));
    for record in records {
        table.push(columns.iter().map(|c| match (c.1)(record) {
            Cell::Text(text) => text,
            Cell::Bytes(None) => String::new(),
            Cell::Bytes(Some(bytes)) if format == TableFormat::Csv => bytes.to_string(),
            Cell::Bytes(Some(bytes)) => format_bytes(bytes),
        }));
    }
    table.render(format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Verdict;

    fn record(path: &str) -> ImageRecord {
        ImageRecord {
            kind: "image",
            path: path.to_string(),
            format: "raw",
            qcow2_version: None,
            virtual_size_bytes: 2048,
            cluster_size_bytes: None,
            file_size_bytes: 2048,
            actual_size_bytes: 4096,
            allocated_clusters: None,
            allocated_bytes: Some(1024),
            compressed_clusters: None,
            zero_clusters: None,
            fragmented_clusters: None,
            image_end_offset_bytes: None,
            backing_file: None,
            backing_format: None,
            data_file: None,
            compression_type: None,
            refcount_bits: None,
            lazy_refcounts: None,
            dirty: None,
            corrupt: None,
            extended_l2: None,
            encryption: None,
            snapshots: vec![],
            bitmaps: vec![],
            depth: None,
            chain_allocated_bytes: None,
            measure: None,
            check_verdict: None,
            corruptions: None,
            leaks: None,
        }
    }

    #[test]
    fn optional_columns_appear_when_a_record_has_them() {
        let plain = render(&[record("a.img")], TableFormat::Csv);
        assert_eq!(
            plain,
            "path,format,virtual,file,actual,allocated,image_end,backing_file\n\
             a.img,raw,2048,2048,4096,1024,,\n"
        );
        let mut checked = record("b.img");
        checked.check_verdict = Some(Verdict::Leaks);
        checked.depth = Some(1);
        let text = render(&[record("a.img"), checked], TableFormat::Csv);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with(",backing_file,depth,check"), "{text}");
        assert!(lines[2].ends_with(",,1,leaks"), "{text}");
        let table = render(&[record("a.img")], TableFormat::Table);
        assert!(table.contains("2 KiB"), "{table}");
    }
}
