//! One image, or its whole backing chain: the records, the flattened guest data, and the
//! measure of a flattened copy.

use std::path::Path;

use anyhow::{Context, Result};

use crate::disk::Disk;
use crate::extents::{self, LayerMap};
use crate::image::{self, Image};
use crate::record::{self, ImageRecord, Options};
use crate::{chain, measure, refcount};

/// Reads one image and builds its record; with `--backing-chain` or `--measure` the backing
/// chain is opened too, and with `--backing-chain` every layer gets a record (top first).
pub fn inspect(path: &Path, options: Options) -> Result<Vec<ImageRecord>> {
    let top = image::open(path)?;
    if !options.chain && !options.measure {
        return Ok(vec![record::build(path, &top, options, |_| {})?]);
    }
    let layers = chain::open(path, top)?;
    let mut records = Vec::with_capacity(layers.len());
    let mut maps = Vec::with_capacity(layers.len());
    for (depth, layer) in layers.iter().enumerate() {
        let mut map = LayerMap::default();
        let layer_options = Options {
            check: options.check && (depth == 0 || options.chain),
            ..options
        };
        let mut record = record::build(&layer.path, &layer.image, layer_options, |e| map.push(e))
            .with_context(|| format!("layer {depth} ({})", layer.path.display()))?;
        record.depth = options.chain.then_some(depth);
        records.push(record);
        maps.push(map);
    }
    // A layer whose tables could not be walked (a check found corruptions) leaves the chain's
    // figures unknown rather than understated.
    let complete = records.iter().all(|r| r.allocated_bytes.is_some());
    if options.scan && complete {
        let size = records[0].virtual_size_bytes;
        let flat = extents::flatten(&maps, size);
        if options.chain {
            records[0].chain_allocated_bytes = Some(extents::total(&flat));
        }
        if options.measure {
            let mut stored = maps;
            for ((layer, map), record) in layers.iter().zip(&mut stored).zip(&records) {
                if let Image::Qcow2(q) = &layer.image
                    && q.header.crypt_method == 0
                    && refcount::metadata_preallocated(
                        &q.disk,
                        &q.header,
                        record.actual_size_bytes,
                    )?
                {
                    map.keep_host_data(&host_data(q)?);
                }
            }
            let flat = extents::flatten(&stored, size);
            let bitmaps = match &layers[0].image {
                Image::Qcow2(q) if q.header.version >= 3 => Some(q.bitmaps.as_slice()),
                _ => None,
            };
            records[0].measure = Some(measure::measure(size, &flat, bitmaps));
        }
    }
    if !options.chain {
        records.truncate(1);
    }
    Ok(records)
}

/// The parts of the file that stores a QCOW2 image's data (the image, or its external data
/// file, whose relative name QEMU resolves against the working directory) that are not holes.
fn host_data(q: &image::Qcow2) -> Result<Vec<(u64, u64)>> {
    match &q.extensions.data_file {
        Some(name) => Disk::open(Path::new(name))
            .with_context(|| format!("data file {name}"))?
            .data_ranges(),
        None => q.disk.data_ranges(),
    }
}
