//! The persistent dirty bitmap directory.

use std::io::Cursor;

use anyhow::{Context, Result, bail};
use binrw::BinRead;
use serde::Serialize;

use crate::disk::Disk;
use crate::extensions::BitmapsExtension;
use crate::header::Header;

/// Autoclear bit 0: the bitmaps extension is consistent with the image.
pub const AUTOCLEAR_BITMAPS: u64 = 1;
/// Most extra data a directory entry may carry.
const MAX_EXTRA_BYTES: u32 = 1 << 20;

/// The fixed part of a bitmap directory entry.
#[derive(Debug, BinRead)]
#[br(big)]
struct EntryHeader {
    table_offset: u64,
    table_size: u32,
    flags: u32,
    kind: u8,
    granularity_bits: u8,
    name_size: u16,
    extra_size: u32,
}

/// One persistent bitmap as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bitmap {
    /// The bitmap's name.
    pub name: String,
    /// Guest bytes one bit covers.
    pub granularity_bytes: u64,
    /// `in_use`, `auto`, `extra_data_compatible`.
    pub flags: Vec<&'static str>,
    /// Offset of the bitmap table.
    #[serde(skip)]
    pub table_offset: u64,
    /// Entries in the bitmap table.
    #[serde(skip)]
    pub table_size: u32,
}

/// Reads the bitmap directory, or nothing when the extension is absent or not consistent.
pub fn read(disk: &Disk, header: &Header, ext: Option<&BitmapsExtension>) -> Result<Vec<Bitmap>> {
    let Some(ext) = ext else {
        return Ok(Vec::new());
    };
    if header.autoclear & AUTOCLEAR_BITMAPS == 0 {
        return Ok(Vec::new());
    }
    if !header.aligned(ext.directory_offset) {
        bail!(
            "bitmap directory offset {:#x} is not cluster aligned",
            ext.directory_offset
        );
    }
    let end = ext.directory_offset.saturating_add(ext.directory_size);
    let mut bitmaps = Vec::with_capacity(ext.nb_bitmaps.min(1024) as usize);
    let mut offset = ext.directory_offset;
    for index in 0..ext.nb_bitmaps {
        let (bitmap, next) =
            read_entry(disk, offset, end).with_context(|| format!("bitmap {index}"))?;
        bitmaps.push(bitmap);
        offset = next;
    }
    Ok(bitmaps)
}

/// Reads the directory entry at `offset`; returns it and where the next one starts.
fn read_entry(disk: &Disk, offset: u64, end: u64) -> Result<(Bitmap, u64)> {
    let mut fixed = [0u8; 24];
    if offset.saturating_add(24) > end {
        bail!("directory entry at {offset:#x} overruns the bitmap directory");
    }
    disk.read_at(offset, &mut fixed, "bitmap directory entry")?;
    let head = EntryHeader::read(&mut Cursor::new(&fixed[..]))?;
    if head.extra_size > MAX_EXTRA_BYTES || head.granularity_bits > 63 || head.kind != 1 {
        bail!(
            "invalid bitmap directory entry at {offset:#x}: type {}, granularity 2^{}, extra {} bytes",
            head.kind,
            head.granularity_bits,
            head.extra_size
        );
    }
    let next =
        (offset + 24 + u64::from(head.extra_size) + u64::from(head.name_size)).div_ceil(8) * 8;
    if next > end.div_ceil(8) * 8 {
        bail!("directory entry at {offset:#x} overruns the bitmap directory");
    }
    let mut name = vec![0u8; usize::from(head.name_size)];
    disk.read_at(
        offset + 24 + u64::from(head.extra_size),
        &mut name,
        "bitmap name",
    )?;
    let bitmap = Bitmap {
        name: String::from_utf8_lossy(&name).into_owned(),
        granularity_bytes: 1 << head.granularity_bits,
        flags: flag_names(head.flags),
        table_offset: head.table_offset,
        table_size: head.table_size,
    };
    Ok((bitmap, next))
}

/// The names of the set flag bits.
fn flag_names(flags: u32) -> Vec<&'static str> {
    [(0, "in_use"), (1, "auto"), (2, "extra_data_compatible")]
        .into_iter()
        .filter(|(bit, _)| flags & (1 << bit) != 0)
        .map(|(_, name)| name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_flags() {
        assert_eq!(flag_names(0b011), vec!["in_use", "auto"]);
        assert!(flag_names(0).is_empty());
    }
}
