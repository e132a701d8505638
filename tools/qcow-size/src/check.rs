//! Metadata consistency, as `qemu-img check` judges it: every reference from the header, the
//! active and snapshot L1/L2 tables, the snapshot table, the refcount structures, the
//! encryption header and the bitmaps is counted per host cluster and compared with the stored
//! refcounts; COPIED flags are compared with refcounts of one.
//!
//! Memory: two bytes per host cluster of the file (computed refcounts saturate at 65535).

use anyhow::{Result, bail};
use serde::Serialize;

use crate::disk::{Disk, be_u64};
use crate::image::Qcow2;
use crate::l2::{self, Cluster};
use crate::refcount::refcount;
use crate::tables::for_each_entry;

/// Largest L1 table a snapshot may have, in entries.
const MAX_L1_ENTRIES: u32 = 4 << 20;
/// Reserved bits of a refcount table entry.
const REFTABLE_RESERVED_MASK: u64 = 0x1ff;

/// The verdict of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No corruption, no leak.
    Clean,
    /// Clusters with a refcount but no reference: space lost, data safe.
    Leaks,
    /// References the refcounts do not cover, or invalid entries.
    Corruptions,
}

/// What the check found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Inconsistencies that can lose data.
    pub corruptions: u64,
    /// Clusters whose stored refcount exceeds their references.
    pub leaks: u64,
}

impl Verdict {
    /// The verdict as it is written in records.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Clean => "clean",
            Verdict::Leaks => "leaks",
            Verdict::Corruptions => "corruptions",
        }
    }
}

impl Report {
    /// Clean, leaks only, or corruptions.
    pub fn verdict(&self) -> Verdict {
        if self.corruptions > 0 {
            Verdict::Corruptions
        } else if self.leaks > 0 {
            Verdict::Leaks
        } else {
            Verdict::Clean
        }
    }
}

/// Checks the image's metadata.
pub fn check(q: &Qcow2) -> Result<Report> {
    let mut c = Checker::new(q);
    c.count_references()?;
    c.check_refblocks()?;
    c.compare_refcounts()?;
    c.check_copied_flags()?;
    Ok(c.report)
}

/// Computed references per host cluster, and the tally.
struct Checker<'a> {
    q: &'a Qcow2,
    cs: u64,
    file_len: u64,
    counts: Vec<u16>,
    report: Report,
    stored: StoredRefcounts,
}

impl<'a> Checker<'a> {
    fn new(q: &'a Qcow2) -> Self {
        let cs = q.header.cluster_size();
        let file_len = q.disk.len();
        Checker {
            q,
            cs,
            file_len,
            counts: vec![0; file_len.div_ceil(cs) as usize],
            report: Report::default(),
            stored: StoredRefcounts::default(),
        }
    }

    /// Counts one reference to `[offset, offset + size)`. A range that reaches a cluster or more
    /// past the end of the file is a corruption and is not counted.
    fn reference(&mut self, offset: u64, size: u64) {
        if size == 0 {
            return;
        }
        let Some(end) = offset.checked_add(size) else {
            self.report.corruptions += 1;
            return;
        };
        if end.saturating_sub(self.file_len) >= self.cs {
            self.report.corruptions += 1;
            return;
        }
        let last = ((end - 1) / self.cs) as usize;
        if last >= self.counts.len() {
            self.counts.resize(last + 1, 0);
        }
        for cluster in (offset / self.cs) as usize..=last {
            self.counts[cluster] = self.counts[cluster].saturating_add(1);
        }
    }

    fn count_references(&mut self) -> Result<()> {
        let q = self.q;
        let h = &q.header;
        self.reference(0, self.cs);
        self.l1_references(h.l1_table_offset, h.l1_size)?;
        for sn in &q.snapshots {
            if !h.aligned(sn.l1_table_offset) || sn.l1_size > MAX_L1_ENTRIES {
                self.report.corruptions += 1;
                continue;
            }
            if h.version >= 3 && sn.extra_bytes < 16 {
                self.report.corruptions += 1;
            }
            self.l1_references(sn.l1_table_offset, sn.l1_size)?;
        }
        let table: u64 = q.snapshots.iter().map(|s| s.entry_bytes).sum();
        self.reference(h.snapshots_offset, table);
        self.reference(
            h.refcount_table_offset,
            u64::from(h.refcount_table_clusters) * self.cs,
        );
        if let Some(crypto) = q.extensions.crypto {
            self.reference(crypto.offset, crypto.length);
        }
        self.bitmap_references()
    }

    /// References from one L1 table, its L2 tables and their clusters.
    fn l1_references(&mut self, offset: u64, size: u32) -> Result<()> {
        if size == 0 {
            return Ok(());
        }
        self.reference(offset, u64::from(size) * 8);
        let mut l2_offsets = Vec::new();
        let disk = &self.q.disk;
        let mut corrupt = 0;
        for_each_entry(disk, offset, u64::from(size), "L1 table", |_, entry| {
            if entry == 0 {
                return Ok(());
            }
            if entry & l2::L1_RESERVED_MASK != 0 {
                corrupt += 1;
            }
            l2_offsets.push(entry & l2::OFFSET_MASK);
            Ok(())
        })?;
        self.report.corruptions += corrupt;
        let mut table = vec![0u8; self.cs as usize];
        for l2_offset in l2_offsets {
            self.reference(l2_offset, self.cs);
            if !self.q.header.aligned(l2_offset) {
                self.report.corruptions += 1;
            }
            self.q.disk.read_upto(l2_offset, &mut table, "L2 table")?;
            self.l2_references(&table);
        }
        Ok(())
    }

    /// References from the entries of one L2 table.
    fn l2_references(&mut self, table: &[u8]) {
        let h = &self.q.header;
        let extended = h.extended_l2();
        let stride = if extended { 2 } else { 1 };
        for i in 0..h.l2_entries() as usize {
            let entry = be_u64(table, i * stride);
            let bitmap = if extended {
                be_u64(table, i * stride + 1)
            } else {
                0
            };
            let kind = l2::classify(h, entry);
            let compressed = matches!(kind, Cluster::Compressed { .. });
            if !compressed && entry & l2::L2_RESERVED_MASK != 0 {
                self.report.corruptions += 1;
            }
            match kind {
                Cluster::Compressed { offset, length } => {
                    if entry & l2::COPIED != 0 {
                        self.report.corruptions += 1;
                    }
                    if h.has_data_file() || bitmap != 0 {
                        self.report.corruptions += 1;
                        continue;
                    }
                    self.reference(offset, length);
                }
                Cluster::Normal(offset) | Cluster::ZeroAllocated(offset) => {
                    if (bitmap >> 32) & bitmap != 0 {
                        self.report.corruptions += 1;
                    }
                    if !h.aligned(offset) {
                        self.report.corruptions += 1;
                    }
                    if !h.has_data_file() {
                        self.reference(offset, self.cs);
                    }
                }
                Cluster::ZeroPlain => {}
                Cluster::Unallocated => {
                    if bitmap & l2::ALL_ALLOCATED != 0 {
                        self.report.corruptions += 1;
                    }
                }
            }
        }
    }

    /// References from the bitmap directory, bitmap tables and bitmap clusters.
    fn bitmap_references(&mut self) -> Result<()> {
        let q = self.q;
        let Some(ext) = q.extensions.bitmaps else {
            return Ok(());
        };
        if q.header.autoclear & crate::bitmaps::AUTOCLEAR_BITMAPS == 0 {
            return Ok(());
        }
        self.reference(ext.directory_offset, ext.directory_size);
        for bitmap in &q.bitmaps {
            self.reference(bitmap.table_offset, u64::from(bitmap.table_size) * 8);
            let mut clusters = Vec::new();
            for_each_entry(
                &q.disk,
                bitmap.table_offset,
                u64::from(bitmap.table_size),
                "bitmap table",
                |_, entry| {
                    let offset = entry & l2::OFFSET_MASK;
                    if offset != 0 {
                        clusters.push(offset);
                    }
                    Ok(())
                },
            )?;
            for offset in clusters {
                self.reference(offset, self.cs);
            }
        }
        Ok(())
    }

    /// Refcount blocks: valid entries, inside the file, referenced exactly once.
    fn check_refblocks(&mut self) -> Result<()> {
        let h = &self.q.header;
        let entries = u64::from(h.refcount_table_clusters) * self.cs / 8;
        let mut table = Vec::with_capacity(entries.min(1 << 20) as usize);
        for_each_entry(
            &self.q.disk,
            h.refcount_table_offset,
            entries,
            "refcount table",
            |_, entry| {
                table.push(entry);
                Ok(())
            },
        )?;
        for &entry in &table {
            let offset = entry & l2::OFFSET_MASK;
            if entry & REFTABLE_RESERVED_MASK != 0 || !h.aligned(offset) {
                self.report.corruptions += 1;
                continue;
            }
            if offset == 0 {
                continue;
            }
            let cluster = (offset / self.cs) as usize;
            if cluster >= self.counts.len() {
                self.report.corruptions += 1;
                continue;
            }
            self.reference(offset, self.cs);
            if self.counts[cluster] != 1 {
                self.report.corruptions += 1;
            }
        }
        self.stored = StoredRefcounts {
            table,
            ..StoredRefcounts::default()
        };
        Ok(())
    }

    /// Stored refcounts against computed references, cluster by cluster.
    fn compare_refcounts(&mut self) -> Result<()> {
        for cluster in 0..self.counts.len() {
            let stored = self.stored.get(self.q, cluster as u64)?;
            let computed = u64::from(self.counts[cluster]);
            if stored < computed {
                self.report.corruptions += 1;
            } else if stored > computed {
                self.report.leaks += 1;
            }
        }
        Ok(())
    }

    /// COPIED flags of the active tables must be set exactly where the refcount is one.
    fn check_copied_flags(&mut self) -> Result<()> {
        let q = self.q;
        let h = &q.header;
        let mut l1 = Vec::new();
        for_each_entry(
            &q.disk,
            h.l1_table_offset,
            u64::from(h.l1_size),
            "L1 table",
            |_, entry| {
                if entry & l2::OFFSET_MASK != 0 {
                    l1.push(entry);
                }
                Ok(())
            },
        )?;
        let mut table = vec![0u8; self.cs as usize];
        let stride = if h.extended_l2() { 2 } else { 1 };
        for entry in l1 {
            let l2_offset = entry & l2::OFFSET_MASK;
            let count = self.stored.get(q, l2_offset / self.cs)?;
            if (count == 1) != (entry & l2::COPIED != 0) {
                self.report.corruptions += 1;
            }
            q.disk.read_upto(l2_offset, &mut table, "L2 table")?;
            for i in 0..h.l2_entries() as usize {
                let e = be_u64(&table, i * stride);
                let offset = match l2::classify(h, e) {
                    Cluster::Normal(o) | Cluster::ZeroAllocated(o) => o,
                    _ => continue,
                };
                let count = if h.has_data_file() {
                    1
                } else {
                    self.stored.get(q, offset / self.cs)?
                };
                if (count == 1) != (e & l2::COPIED != 0) {
                    self.report.corruptions += 1;
                }
            }
        }
        Ok(())
    }
}

/// Stored refcounts by host cluster, with the last refcount block read kept.
#[derive(Debug, Default)]
struct StoredRefcounts {
    table: Vec<u64>,
    block_index: Option<u64>,
    block: Vec<u8>,
}

impl StoredRefcounts {
    /// The stored refcount of `cluster`; 0 where no refcount block covers it.
    fn get(&mut self, q: &Qcow2, cluster: u64) -> Result<u64> {
        let h = &q.header;
        let bits = h.refcount_bits();
        let per_block = h.cluster_size() * 8 / u64::from(bits);
        let index = cluster / per_block;
        let Some(&entry) = self.table.get(index as usize) else {
            return Ok(0);
        };
        let offset = entry & l2::OFFSET_MASK;
        if offset == 0 {
            return Ok(0);
        }
        if !h.aligned(offset) {
            bail!(
                "cannot check: refcount block offset {offset:#x} (refcount table entry {index}) is not cluster aligned"
            );
        }
        if self.block_index != Some(index) {
            self.block.resize(h.cluster_size() as usize, 0);
            read_block(&q.disk, offset, &mut self.block)?;
            self.block_index = Some(index);
        }
        Ok(refcount(&self.block, bits, cluster % per_block))
    }
}

/// Reads a refcount block; the part past the end of the file reads as zeros.
fn read_block(disk: &Disk, offset: u64, block: &mut [u8]) -> Result<()> {
    disk.read_upto(offset, block, "refcount block").map(|_| ())
}
