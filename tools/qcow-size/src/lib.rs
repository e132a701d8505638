//! `qcow-size`: every size of QCOW2 and raw disk images (virtual, file, actual, allocated guest
//! data, image end), read by its own bounded parser and printed as JSON Lines records.

pub mod bitmaps;
pub mod chain;
pub mod check;
pub mod cli;
pub mod disk;
pub mod extensions;
pub mod extents;
pub mod header;
pub mod image;
pub mod inputs;
pub mod inspect;
pub mod l2;
pub mod measure;
pub mod rawmap;
pub mod record;
pub mod refcount;
pub mod render;
pub mod scan;
pub mod snapshots;
pub mod tables;

use std::io::Read;

use anyhow::{Context, Result};
use shared::Exit;
use shared::output::RecordWriter;

use check::Verdict;
pub use inspect::inspect;
use record::Options;

/// Runs `qcow-size` with parsed arguments.
pub fn run(cli: &cli::Cli) -> Result<Exit> {
    let paths = inputs::image_paths(&cli.inputs, read_stdin)?;
    let options = Options {
        scan: !cli.no_scan,
        check: cli.check,
        chain: cli.backing_chain,
        measure: cli.measure,
    };
    let mut writer = RecordWriter::stdout(cli.output.pretty, false);
    let table = cli.output.output.table();
    let mut records = Vec::new();
    let mut exit = Exit::Success;
    for path in &paths {
        match inspect(path, options) {
            Ok(layers) => {
                for record in layers {
                    if record.check_verdict.is_some_and(|v| v != Verdict::Clean) {
                        exit = exit.worst(Exit::No);
                    }
                    if table.is_some() {
                        records.push(record);
                    } else {
                        writer.write(&record)?;
                    }
                }
            }
            Err(err) => {
                eprintln!("qcow-size: error: {}: {err:#}", path.display());
                exit = exit.worst(Exit::Error);
            }
        }
    }
    if let Some(format) = table {
        writer.write_text(&render::render(&records, format))?;
    }
    writer.finish()?;
    Ok(exit)
}

/// All of standard input as text.
fn read_stdin() -> Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("<stdin>: cannot read image paths")?;
    Ok(text)
}
