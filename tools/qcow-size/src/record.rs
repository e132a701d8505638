//! The `"type": "image"` record: every size of one image, as JSON.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::bitmaps::Bitmap;
use crate::check::{self, Verdict};
use crate::header::{COMPAT_LAZY_REFCOUNTS, INCOMPAT_CORRUPT, INCOMPAT_DIRTY};
use crate::image::{Image, Qcow2};
use crate::measure::Measure;
use crate::refcount;
use crate::scan::{self, Allocation, Content, Extent};
use crate::snapshots::Snapshot;

/// One image's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageRecord {
    /// Always `"image"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The path as given.
    pub path: String,
    /// `"qcow2"` or `"raw"`.
    pub format: &'static str,
    /// 2 or 3 (QCOW2 only).
    pub qcow2_version: Option<u32>,
    /// The guest disk size (for a raw file, its length rounded up to 512-byte sectors, as
    /// QEMU sees it).
    pub virtual_size_bytes: u64,
    /// Cluster size (QCOW2 only).
    pub cluster_size_bytes: Option<u64>,
    /// The file's length (`st_size`).
    pub file_size_bytes: u64,
    /// Bytes the file occupies on its filesystem (`st_blocks` × 512).
    pub actual_size_bytes: u64,
    /// Guest clusters with data or a preallocated cluster in this layer.
    pub allocated_clusters: Option<u64>,
    /// Guest bytes holding data in this layer.
    pub allocated_bytes: Option<u64>,
    /// Compressed guest clusters.
    pub compressed_clusters: Option<u64>,
    /// Guest clusters that read as zeros by a zero flag.
    pub zero_clusters: Option<u64>,
    /// Allocated clusters not host-contiguous with their predecessor.
    pub fragmented_clusters: Option<u64>,
    /// End of the last host cluster in use.
    pub image_end_offset_bytes: Option<u64>,
    /// The backing file name as stored.
    pub backing_file: Option<String>,
    /// The backing file format, when recorded.
    pub backing_format: Option<String>,
    /// The external data file name as stored.
    pub data_file: Option<String>,
    /// `"zlib"` or `"zstd"`.
    pub compression_type: Option<&'static str>,
    /// Width of a refcount.
    pub refcount_bits: Option<u32>,
    /// Lazy refcounts enabled.
    pub lazy_refcounts: Option<bool>,
    /// Refcounts may be stale (the writer did not close the image).
    pub dirty: Option<bool>,
    /// The image is marked corrupt.
    pub corrupt: Option<bool>,
    /// L2 entries carry subcluster bitmaps.
    pub extended_l2: Option<bool>,
    /// `null`, `"aes"` or `"luks"`.
    pub encryption: Option<&'static str>,
    /// Internal snapshots.
    pub snapshots: Vec<Snapshot>,
    /// Persistent dirty bitmaps.
    pub bitmaps: Vec<Bitmap>,
    /// With `--backing-chain`: 0 for the image named, 1 for its backing file, and so on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth: Option<usize>,
    /// With `--backing-chain`, on the top layer: guest bytes that read as data through the
    /// whole chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain_allocated_bytes: Option<u64>,
    /// With `--measure`, on the top layer: `required_bytes`, `fully_allocated_bytes` and
    /// `bitmaps_bytes`, as `qemu-img measure -O qcow2` reports them.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
    /// With `--check`: `clean`, `leaks` or `corruptions`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_verdict: Option<Verdict>,
    /// With `--check`: inconsistencies that can lose data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corruptions: Option<u64>,
    /// With `--check`: clusters whose refcount exceeds their references.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaks: Option<u64>,
}

/// What to compute beyond the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Walk L1/L2 and the refcounts.
    pub scan: bool,
    /// Check metadata consistency.
    pub check: bool,
    /// Open the backing chain and report every layer.
    pub chain: bool,
    /// Measure a flattened copy like `qemu-img measure -O qcow2`.
    pub measure: bool,
}

/// Builds the record of an opened image; `on_extent` receives the guest extents the image
/// allocates when scanning.
pub fn build(
    path: &Path,
    image: &Image,
    options: Options,
    mut on_extent: impl FnMut(Extent),
) -> Result<ImageRecord> {
    let meta = std::fs::metadata(path).context("cannot stat")?;
    let mut record = ImageRecord {
        kind: "image",
        path: path.display().to_string(),
        format: "raw",
        qcow2_version: None,
        virtual_size_bytes: meta.len().div_ceil(512) * 512,
        cluster_size_bytes: None,
        file_size_bytes: meta.len(),
        actual_size_bytes: meta.blocks() * 512,
        allocated_clusters: None,
        allocated_bytes: None,
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
        snapshots: Vec::new(),
        bitmaps: Vec::new(),
        depth: None,
        chain_allocated_bytes: None,
        measure: None,
        check_verdict: None,
        corruptions: None,
        leaks: None,
    };
    if let (Image::Raw(disk), true) = (image, options.scan) {
        let mut data = 0;
        for (start, end) in disk.data_ranges()? {
            data += end - start;
            on_extent(Extent {
                guest: start,
                length: end - start,
                content: Content::Data,
                host: None,
            });
        }
        record.allocated_bytes = Some(data);
    }
    if let Image::Qcow2(q) = image {
        fill_qcow2(&mut record, q);
        if options.check {
            let report = check::check(q)?;
            record.check_verdict = Some(report.verdict());
            record.corruptions = Some(report.corruptions);
            record.leaks = Some(report.leaks);
        }
        if options.scan {
            match scan::scan(&q.disk, &q.header, on_extent) {
                Ok(allocation) => fill_scan(&mut record, q, &allocation)?,
                // The check already says why the tables cannot be walked.
                Err(_) if record.check_verdict == Some(Verdict::Corruptions) => {}
                Err(err) => return Err(err),
            }
        }
    }
    Ok(record)
}

/// The fields the header, extensions and tables in cluster 0 give.
fn fill_qcow2(record: &mut ImageRecord, q: &Qcow2) {
    let h = &q.header;
    record.format = "qcow2";
    record.qcow2_version = Some(h.version);
    record.virtual_size_bytes = h.size;
    record.cluster_size_bytes = Some(h.cluster_size());
    record.backing_file = q.extensions.backing_file.clone();
    record.backing_format = q.extensions.backing_format.clone();
    record.data_file = q.extensions.data_file.clone();
    record.compression_type = Some(h.compression.name());
    record.refcount_bits = Some(h.refcount_bits());
    record.lazy_refcounts = Some(h.compatible & COMPAT_LAZY_REFCOUNTS != 0);
    record.dirty = Some(h.incompatible & INCOMPAT_DIRTY != 0);
    record.corrupt = Some(h.incompatible & INCOMPAT_CORRUPT != 0);
    record.extended_l2 = Some(h.extended_l2());
    record.encryption = match h.crypt_method {
        1 => Some("aes"),
        2 => Some("luks"),
        _ => None,
    };
    record.snapshots = q.snapshots.clone();
    record.bitmaps = q.bitmaps.clone();
}

/// The fields the L1/L2 walk and the refcounts give.
fn fill_scan(record: &mut ImageRecord, q: &Qcow2, a: &Allocation) -> Result<()> {
    record.allocated_clusters = Some(a.allocated_clusters);
    record.allocated_bytes = Some(a.allocated_bytes);
    record.compressed_clusters = Some(a.compressed_clusters);
    record.zero_clusters = Some(a.zero_clusters);
    record.fragmented_clusters = Some(a.fragmented_clusters);
    let cs = q.header.cluster_size();
    let used = refcount::used_end(&q.disk, &q.header)?;
    let referenced = a.referenced_end.div_ceil(cs) * cs;
    record.image_end_offset_bytes = Some(used.max(referenced).max(cs));
    Ok(())
}
