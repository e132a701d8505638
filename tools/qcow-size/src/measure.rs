//! `qemu-img measure -O qcow2`: the size a flattened, uncompressed copy of the image needs
//! with QEMU's default options (64 KiB clusters, 16-bit refcounts, no extended L2).

use serde::Serialize;

use crate::bitmaps::Bitmap;

/// Cluster size of the measured copy.
const CLUSTER: u64 = 65536;
/// log2 of the refcount width of the measured copy.
const REFCOUNT_ORDER: u32 = 4;

/// The three figures `qemu-img measure` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Measure {
    /// File size of a converted copy: all metadata plus the clusters that hold data.
    pub required_bytes: u64,
    /// File size with every cluster allocated.
    pub fully_allocated_bytes: u64,
    /// Bytes the persistent bitmaps add (QCOW2 version 3 sources only).
    pub bitmaps_bytes: Option<u64>,
}

/// Measures an image of `virtual_size` whose flattened data is `data` (sorted ranges).
pub fn measure(virtual_size: u64, data: &[(u64, u64)], bitmaps: Option<&[Bitmap]>) -> Measure {
    let size = virtual_size.div_ceil(512) * 512;
    let fully = fully_allocated(size);
    Measure {
        required_bytes: fully - size.div_ceil(CLUSTER) * CLUSTER + data_clusters(data) * CLUSTER,
        fully_allocated_bytes: fully,
        bitmaps_bytes: bitmaps.map(|b| bitmaps_bytes(size, b)),
    }
}

/// Clusters of the copy that some data range touches.
fn data_clusters(data: &[(u64, u64)]) -> u64 {
    let mut counted_to = 0u64;
    let mut clusters = 0;
    for &(start, end) in data {
        let first = start.max(counted_to) / CLUSTER;
        let last = end.div_ceil(CLUSTER);
        if last > first {
            clusters += last - first;
            counted_to = last * CLUSTER;
        }
    }
    clusters
}

/// Metadata plus data of a copy with every cluster allocated.
fn fully_allocated(size: u64) -> u64 {
    let aligned = size.div_ceil(CLUSTER) * CLUSTER;
    let mut meta = CLUSTER;
    let l2_per_table = CLUSTER / 8;
    let l2_entries = (aligned / CLUSTER).div_ceil(l2_per_table) * l2_per_table;
    meta += l2_entries * 8;
    let l1_entries = (l2_entries * 8 / CLUSTER).div_ceil(CLUSTER / 8) * (CLUSTER / 8);
    meta += l1_entries * 8;
    meta += refcount_metadata((meta + aligned) / CLUSTER);
    meta + aligned
}

/// Refcount table and blocks that cover `clusters` clusters and themselves.
fn refcount_metadata(clusters: u64) -> u64 {
    let per_table_cluster = CLUSTER / 8;
    let per_block = CLUSTER * 8 / (1 << REFCOUNT_ORDER);
    let (mut table, mut blocks, mut n) = (0u64, 0u64, 0u64);
    loop {
        let last = n;
        blocks = (clusters + table + blocks).div_ceil(per_block);
        table = blocks.div_ceil(per_table_cluster);
        n = clusters + blocks + table;
        if n == last {
            return (blocks + table) * CLUSTER;
        }
    }
}

/// Bitmap data, bitmap tables and the directory in the copy.
fn bitmaps_bytes(size: u64, bitmaps: &[Bitmap]) -> u64 {
    let mut bytes = 0;
    let mut directory = 0;
    for b in bitmaps {
        let bits = size.div_ceil(b.granularity_bytes);
        let clusters = bits.div_ceil(8).div_ceil(CLUSTER);
        bytes += clusters * CLUSTER + (clusters * 8).div_ceil(CLUSTER) * CLUSTER;
        directory += (24 + b.name.len() as u64).div_ceil(8) * 8;
    }
    bytes + directory.div_ceil(CLUSTER) * CLUSTER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_qemu_img_measure_figures() {
        // `qemu-img measure -O qcow2 --size 16M`: required 327680, fully 17104896.
        let m = measure(16 << 20, &[], None);
        assert_eq!(
            (m.required_bytes, m.fully_allocated_bytes),
            (327_680, 17_104_896)
        );
        // 1 GiB with 17 data clusters and one bitmap "b0" at 64 KiB granularity.
        let b0 = Bitmap {
            name: "b0".into(),
            granularity_bytes: 65536,
            flags: vec![],
            table_offset: 0,
            table_size: 0,
        };
        let m = measure(
            1 << 30,
            &[(0, 1 << 20), (8 << 20, (8 << 20) + 65536)],
            Some(&[b0]),
        );
        assert_eq!(m.required_bytes, 1_507_328);
        assert_eq!(m.fully_allocated_bytes, 1_074_135_040);
        assert_eq!(m.bitmaps_bytes, Some(196_608));
    }

    #[test]
    fn counts_each_touched_cluster_once() {
        assert_eq!(data_clusters(&[(0, 1), (10, 20), (65535, 65537)]), 2);
        assert_eq!(data_clusters(&[(100, 200), (70000, 70001)]), 2);
        assert_eq!(data_clusters(&[]), 0);
    }
}
