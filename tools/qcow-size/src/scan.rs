//! The L1/L2 walk of the active table: guest allocation of this layer, exactly as
//! `qemu-img check` counts it, and the highest host cluster the tables reference.

use anyhow::{Result, bail};

use crate::disk::{Disk, be_u64};
use crate::header::Header;
use crate::l2::{self, Cluster};
use crate::tables::{Coalescer, Pointer, for_each_entry};

/// What the walk of one L1 table found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allocation {
    /// Guest clusters with a host cluster or compressed data in this layer.
    pub allocated_clusters: u64,
    /// Guest bytes that hold data in this layer (subcluster-exact with extended L2).
    pub allocated_bytes: u64,
    /// Compressed guest clusters.
    pub compressed_clusters: u64,
    /// Guest clusters that read as zeros by a zero flag.
    pub zero_clusters: u64,
    /// Allocated clusters not host-contiguous with their predecessor in the same L2 table.
    pub fragmented_clusters: u64,
    /// End of the highest host cluster the active tables reference, or 0.
    pub referenced_end: u64,
}

/// What a guest range of a layer reads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// Data stored in this layer.
    Data,
    /// Zeros, by a zero flag of this layer (the backing file is not read).
    Zero,
}

/// One guest range this layer allocates, as data or as zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    /// Guest byte offset.
    pub guest: u64,
    /// Length in bytes.
    pub length: u64,
    /// Data or zeros.
    pub content: Content,
    /// Where an uncompressed data extent is stored (in the image or its data file).
    pub host: Option<u64>,
}

/// Walks the L1 table at `l1_offset` with `l1_size` entries and every L2 table it points to,
/// calling `f(pointer, l2_table)` for each L2 table (the pointer's index is the L1 index).
pub fn walk_l1(
    disk: &Disk,
    header: &Header,
    l1_offset: u64,
    l1_size: u32,
    mut f: impl FnMut(Pointer, &[u8]) -> Result<()>,
) -> Result<()> {
    let mut coalescer = Coalescer::new(header.cluster_size());
    for_each_entry(
        disk,
        l1_offset,
        u64::from(l1_size),
        "L1 table",
        |index, entry| {
            let offset = entry & l2::OFFSET_MASK;
            if offset == 0 {
                return Ok(());
            }
            if !header.aligned(offset) {
                bail!("L1 entry {index}: L2 table offset {offset:#x} is not cluster aligned");
            }
            coalescer.push(disk, Pointer { index, offset }, "L2 table", &mut f)
        },
    )?;
    coalescer.flush(disk, "L2 table", &mut f)
}

/// Scans the active L1/L2 tables; `on_extent` receives every guest extent this layer
/// allocates (data or zeros), in guest order.
pub fn scan(disk: &Disk, header: &Header, mut on_extent: impl FnMut(Extent)) -> Result<Allocation> {
    let mut total = Allocation::default();
    let file_len = disk.len();
    let cs = header.cluster_size();
    let l1_bytes = u64::from(header.l1_size) * 8;
    note_end(&mut total, header.l1_table_offset, l1_bytes, file_len, cs);
    walk_l1(
        disk,
        header,
        header.l1_table_offset,
        header.l1_size,
        |pointer, table| {
            note_end(&mut total, pointer.offset, cs, file_len, cs);
            let mut walk = TableWalk {
                header,
                file_len,
                total: &mut total,
                on_extent: &mut on_extent,
            };
            walk.table(pointer.index, table);
            Ok(())
        },
    )?;
    Ok(total)
}

/// The state of the walk of one L2 table.
struct TableWalk<'a, F: FnMut(Extent)> {
    header: &'a Header,
    file_len: u64,
    total: &'a mut Allocation,
    on_extent: &'a mut F,
}

impl<F: FnMut(Extent)> TableWalk<'_, F> {
    /// Adds one L2 table's clusters to the totals.
    fn table(&mut self, l1_index: u64, table: &[u8]) {
        let h = self.header;
        let cs = h.cluster_size();
        let extended = h.extended_l2();
        let stride = if extended { 2 } else { 1 };
        let first_guest = l1_index * h.l2_entries() * cs;
        let mut next_contiguous = 0u64;
        for i in 0..h.l2_entries() {
            let word = (i * stride) as usize;
            let entry = be_u64(table, word);
            let bitmap = if extended { be_u64(table, word + 1) } else { 0 };
            let guest = first_guest + i * cs;
            if zero_by_flag(h, entry, bitmap) {
                self.total.zero_clusters += 1;
            }
            match l2::classify(h, entry) {
                Cluster::Unallocated | Cluster::ZeroPlain => {}
                Cluster::Compressed { offset, length } => {
                    self.total.allocated_clusters += 1;
                    self.total.compressed_clusters += 1;
                    self.total.fragmented_clusters += 1;
                    note_end(self.total, offset, length, self.file_len, cs);
                    self.emit(guest, cs, Content::Data, None);
                }
                Cluster::Normal(offset) | Cluster::ZeroAllocated(offset) => {
                    self.total.allocated_clusters += 1;
                    if next_contiguous != 0 && offset != next_contiguous {
                        self.total.fragmented_clusters += 1;
                    }
                    next_contiguous = offset.wrapping_add(cs);
                    if !h.has_data_file() {
                        note_end(self.total, offset, cs, self.file_len, cs);
                    }
                    if extended {
                        let bits = bitmap & l2::ALL_ALLOCATED;
                        self.subclusters(guest, bits, Content::Data, Some(offset));
                    } else if entry & l2::ZERO == 0 {
                        self.emit(guest, cs, Content::Data, Some(offset));
                    }
                }
            }
            if extended {
                self.subclusters(guest, bitmap >> 32, Content::Zero, None);
            } else if zero_by_flag(h, entry, bitmap) {
                self.emit(guest, cs, Content::Zero, None);
            }
        }
    }

    /// Reports the subclusters of the cluster at `guest` (stored at `host`) whose bits are set
    /// in `bits`.
    fn subclusters(&mut self, guest: u64, bits: u64, content: Content, host: Option<u64>) {
        let sc = self.header.cluster_size() / l2::SUBCLUSTERS;
        for (start, len) in runs(bits) {
            let host = host.map(|h| h + start * sc);
            self.emit(guest + start * sc, len * sc, content, host);
        }
    }

    /// Reports `length` guest bytes at `guest` (clipped to the virtual size).
    fn emit(&mut self, guest: u64, length: u64, content: Content, host: Option<u64>) {
        let length = l2::clip(guest, length, self.header.size);
        if length == 0 {
            return;
        }
        if content == Content::Data {
            self.total.allocated_bytes += length;
        }
        (self.on_extent)(Extent {
            guest,
            length,
            content,
            host,
        });
    }
}

/// True when the cluster reads as zeros by its zero flag (or all 32 subcluster zero bits).
fn zero_by_flag(header: &Header, entry: u64, bitmap: u64) -> bool {
    if header.extended_l2() {
        bitmap >> 32 == l2::ALL_ALLOCATED
    } else {
        entry & l2::ZERO != 0 && entry & l2::COMPRESSED == 0
    }
}

/// Runs of set bits among the low 32 bits: (first bit, count).
fn runs(bits: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < l2::SUBCLUSTERS {
        if bits & (1 << i) == 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < l2::SUBCLUSTERS && bits & (1 << i) != 0 {
            i += 1;
        }
        out.push((start, i - start));
    }
    out
}

/// Raises `referenced_end` to cover `[offset, offset + length)`. As `qemu-img check` counts
/// references, a range that reaches a whole cluster or more past the end of the file is not
/// counted at all; one that ends less than a cluster past it (a last, partly written cluster)
/// is.
fn note_end(total: &mut Allocation, offset: u64, length: u64, file_len: u64, cluster_size: u64) {
    let Some(end) = offset.checked_add(length) else {
        return;
    };
    if length == 0 || end.saturating_sub(file_len) >= cluster_size {
        return;
    }
    total.referenced_end = total.referenced_end.max(end);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_runs_of_subclusters() {
        assert_eq!(runs(0), vec![]);
        assert_eq!(runs(0b1101), vec![(0, 1), (2, 2)]);
        assert_eq!(runs(0xffff_ffff), vec![(0, 32)]);
        assert_eq!(runs(0x1_0000_0001), vec![(0, 1)]);
    }

    #[test]
    fn references_past_the_end_by_a_cluster_are_not_counted() {
        let mut a = Allocation::default();
        note_end(&mut a, 0x1000, 0x1000, 0x1800, 0x1000);
        assert_eq!(a.referenced_end, 0x2000);
        note_end(&mut a, 0x5000, 0x1000, 0x1800, 0x1000);
        assert_eq!(a.referenced_end, 0x2000);
        note_end(&mut a, u64::MAX, 2, 0x1800, 0x1000);
        assert_eq!(a.referenced_end, 0x2000);
    }
}
