//! Refcount table and blocks: the highest host cluster in use, for the image end offset.

use anyhow::Result;

use crate::disk::{CHUNK_BYTES, Disk, be_u64};
use crate::header::Header;
use crate::l2::OFFSET_MASK;
use crate::tables::{Coalescer, Pointer, for_each_entry};

/// Reads a refcount of `bits` width (1 to 64) at `index` of a refcount block.
pub fn refcount(block: &[u8], bits: u32, index: u64) -> u64 {
    if bits < 8 {
        let byte = block[(index * u64::from(bits) / 8) as usize];
        let shift = (index * u64::from(bits)) % 8;
        return u64::from(byte >> shift) & ((1 << bits) - 1);
    }
    let width = (bits / 8) as usize;
    let start = index as usize * width;
    block[start..start + width]
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// The highest entry of a refcount block with a non-zero refcount, if any.
pub fn highest_used(block: &[u8], bits: u32) -> Option<u64> {
    let last_byte = block.iter().rposition(|&b| b != 0)? as u64;
    let entries_per_byte = (8 / bits).max(1);
    let first = if bits < 8 {
        last_byte * u64::from(entries_per_byte)
    } else {
        last_byte / u64::from(bits / 8)
    };
    let candidates = if bits < 8 {
        u64::from(entries_per_byte)
    } else {
        1
    };
    (first..first + candidates)
        .rev()
        .find(|&i| refcount(block, bits, i) != 0)
}

/// Calls `f(first_cluster, block)` for every readable refcount block, `first_cluster` being the
/// host cluster its entry 0 describes. Blocks that are unaligned or past the end of the file are
/// skipped: they describe no cluster that is in use.
pub fn for_each_block(
    disk: &Disk,
    header: &Header,
    mut f: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<()> {
    let cs = header.cluster_size();
    let per_block = cs * 8 / u64::from(header.refcount_bits());
    let entries = u64::from(header.refcount_table_clusters) * cs / 8;
    let mut coalescer = Coalescer::new(cs);
    let mut visit = |p: Pointer, block: &[u8]| f(p.index * per_block, block);
    for_each_entry(
        disk,
        header.refcount_table_offset,
        entries,
        "refcount table",
        |index, entry| {
            let offset = entry & OFFSET_MASK;
            if offset == 0 || !header.aligned(offset) || offset.saturating_add(cs) > disk.len() {
                return Ok(());
            }
            coalescer.push(
                disk,
                Pointer { index, offset },
                "refcount block",
                &mut visit,
            )
        },
    )?;
    coalescer.flush(disk, "refcount block", &mut visit)
}

/// The end of the highest host cluster inside the file whose refcount is not zero. The
/// refcount table is searched from its end, so only the last blocks in use are read.
pub fn used_end(disk: &Disk, header: &Header) -> Result<u64> {
    let cs = header.cluster_size();
    let file_clusters = disk.len().div_ceil(cs);
    let bits = header.refcount_bits();
    let per_block = cs * 8 / u64::from(bits);
    let entries = u64::from(header.refcount_table_clusters) * cs / 8;
    let last_useful = file_clusters.div_ceil(per_block).min(entries);
    let per_chunk = (CHUNK_BYTES / 8) as u64;
    let mut table = Vec::new();
    let mut block = vec![0u8; cs as usize];
    let mut end = last_useful;
    while end > 0 {
        let start = end.saturating_sub(per_chunk);
        table.resize((end - start) as usize * 8, 0);
        disk.read_at(
            header.refcount_table_offset + start * 8,
            &mut table,
            "refcount table",
        )?;
        for index in (start..end).rev() {
            let offset = be_u64(&table, (index - start) as usize) & OFFSET_MASK;
            if offset == 0 || !header.aligned(offset) || offset.saturating_add(cs) > disk.len() {
                continue;
            }
            disk.read_at(offset, &mut block, "refcount block")?;
            let first = index * per_block;
            let limit = (file_clusters - first).min(per_block);
            let found = match highest_used(&block, bits) {
                Some(i) if i < limit => Some(i),
                Some(_) => (0..limit).rev().find(|&i| refcount(&block, bits, i) != 0),
                None => None,
            };
            if let Some(i) = found {
                return Ok((first + i + 1) * cs);
            }
        }
        end = start;
    }
    Ok(0)
}

/// How many host clusters inside the file have a non-zero refcount, counting no further than
/// `limit`.
pub fn used_clusters(disk: &Disk, header: &Header, limit: u64) -> Result<u64> {
    let file_clusters = disk.len().div_ceil(header.cluster_size());
    let bits = header.refcount_bits();
    let mut count = 0u64;
    for_each_block(disk, header, |first, block| {
        let entries =
            (block.len() as u64 * 8 / u64::from(bits)).min(file_clusters.saturating_sub(first));
        for i in 0..entries {
            if count >= limit {
                break;
            }
            count += u64::from(refcount(block, bits, i) != 0);
        }
        Ok(())
    })?;
    Ok(count)
}

/// True when QEMU would take the image for one with preallocated metadata: more clusters in
/// use than the file occupies on disk (`allocated_bytes` is `st_blocks` × 512). QEMU then asks
/// the filesystem which preallocated clusters are holes, and reports those as zeros.
pub fn metadata_preallocated(disk: &Disk, header: &Header, allocated_bytes: u64) -> Result<bool> {
    let real = allocated_bytes / header.cluster_size();
    let threshold = (real * 10 / 9).max(real + 2);
    Ok(used_clusters(disk, header, threshold)? >= threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_width() {
        let block = [0b1010_0110u8, 0x01, 0x02, 0, 0, 0, 0, 0x09];
        assert_eq!(refcount(&block, 1, 1), 1);
        assert_eq!(refcount(&block, 1, 0), 0);
        assert_eq!(refcount(&block, 2, 1), 0b01);
        assert_eq!(refcount(&block, 4, 1), 0b1010);
        assert_eq!(refcount(&block, 8, 2), 2);
        assert_eq!(refcount(&block, 16, 0), 0xa601);
        assert_eq!(refcount(&block, 32, 1), 9);
        assert_eq!(refcount(&block, 64, 0), 0xa601_0200_0000_0009);
    }

    #[test]
    fn finds_the_highest_used_entry() {
        assert_eq!(highest_used(&[0, 0, 0, 0], 16), None);
        assert_eq!(highest_used(&[0, 1, 0, 0], 16), Some(0));
        assert_eq!(highest_used(&[0, 0, 0, 1], 16), Some(1));
        assert_eq!(highest_used(&[0, 0b0001_0000], 1), Some(12));
        assert_eq!(highest_used(&[0, 0b0100_0000], 2), Some(7));
        assert_eq!(highest_used(&[0; 8], 64), None);
        assert_eq!(
            highest_used(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3], 64),
            Some(1)
        );
    }
}
