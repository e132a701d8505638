//! The internal snapshot table: one variable-length entry per snapshot.

use std::io::Cursor;

use anyhow::{Context, Result, bail};
use binrw::BinRead;
use serde::Serialize;

use crate::disk::Disk;
use crate::header::Header;
use shared::time::rfc3339;

/// Most extra data QEMU accepts in one snapshot entry.
const MAX_EXTRA_BYTES: u32 = 1024;
/// Largest snapshot table QEMU accepts, in bytes.
const MAX_TABLE_BYTES: u64 = 64 << 20;

/// The fixed part of a snapshot entry.
#[derive(Debug, BinRead)]
#[br(big)]
struct EntryHeader {
    l1_table_offset: u64,
    l1_size: u32,
    id_size: u16,
    name_size: u16,
    date_sec: u32,
    #[br(pad_before = 4)]
    vm_clock_nsec: u64,
    vm_state_size: u32,
    extra_size: u32,
}

/// The optional extra data that follows the fixed part.
#[derive(Debug, Default, BinRead)]
#[br(big)]
struct Extra {
    vm_state_size: u64,
    #[br(try)]
    disk_size: Option<u64>,
    #[br(try)]
    icount: Option<u64>,
}

/// One internal snapshot as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// The snapshot's id string.
    pub id: String,
    /// The snapshot's name.
    pub name: String,
    /// Saved VM state in bytes (0 for a disk-only snapshot).
    pub vm_state_size_bytes: u64,
    /// When the snapshot was taken, RFC 3339 UTC.
    pub date: String,
    /// Guest clock at the snapshot, in nanoseconds.
    pub vm_clock_ns: u64,
    /// Virtual disk size when the snapshot was taken, if recorded.
    pub virtual_size_bytes: Option<u64>,
    /// Instruction count, if recorded (record/replay).
    pub icount: Option<u64>,
    /// Offset of the snapshot's L1 table.
    #[serde(skip)]
    pub l1_table_offset: u64,
    /// Entries in the snapshot's L1 table.
    #[serde(skip)]
    pub l1_size: u32,
    /// Bytes of extra data in the entry.
    #[serde(skip)]
    pub extra_bytes: u32,
    /// Bytes the entry takes in the table, padding included.
    #[serde(skip)]
    pub entry_bytes: u64,
}

/// Reads every entry of the snapshot table.
pub fn read(disk: &Disk, header: &Header) -> Result<Vec<Snapshot>> {
    let mut snapshots = Vec::with_capacity(header.nb_snapshots.min(1024) as usize);
    let mut offset = header.snapshots_offset;
    for index in 0..header.nb_snapshots {
        if offset - header.snapshots_offset > MAX_TABLE_BYTES {
            bail!("snapshot table too large: more than {MAX_TABLE_BYTES} bytes");
        }
        let (snapshot, next) =
            read_entry(disk, offset).with_context(|| format!("snapshot {index}"))?;
        snapshots.push(snapshot);
        offset = next;
    }
    Ok(snapshots)
}

/// Reads the entry at `offset`; returns it and where the next one starts.
fn read_entry(disk: &Disk, offset: u64) -> Result<(Snapshot, u64)> {
    let mut fixed = [0u8; 40];
    disk.read_at(offset, &mut fixed, "snapshot entry")?;
    let head = EntryHeader::read(&mut Cursor::new(&fixed[..]))?;
    if head.extra_size > MAX_EXTRA_BYTES {
        bail!(
            "too much extra data: {} bytes, at most {MAX_EXTRA_BYTES}",
            head.extra_size
        );
    }
    let rest = head.extra_size as usize + head.id_size as usize + head.name_size as usize;
    let mut tail = vec![0u8; rest];
    disk.read_at(offset + 40, &mut tail, "snapshot entry")?;
    let (extra, names) = tail.split_at(head.extra_size as usize);
    let (id, name) = names.split_at(head.id_size as usize);
    let extra = decode_extra(extra);
    let snapshot = Snapshot {
        id: String::from_utf8_lossy(id).into_owned(),
        name: String::from_utf8_lossy(name).into_owned(),
        vm_state_size_bytes: extra
            .as_ref()
            .map_or(u64::from(head.vm_state_size), |e| e.vm_state_size),
        date: rfc3339(i64::from(head.date_sec)),
        vm_clock_ns: head.vm_clock_nsec,
        virtual_size_bytes: extra.as_ref().and_then(|e| e.disk_size),
        icount: extra
            .as_ref()
            .and_then(|e| e.icount)
            .filter(|&n| n != u64::MAX),
        l1_table_offset: head.l1_table_offset,
        l1_size: head.l1_size,
        extra_bytes: head.extra_size,
        entry_bytes: (40 + rest as u64).div_ceil(8) * 8,
    };
    let next = offset + snapshot.entry_bytes;
    Ok((snapshot, next))
}

/// The extra data, when it holds at least the 64-bit VM state size.
fn decode_extra(extra: &[u8]) -> Option<Extra> {
    (extra.len() >= 8).then(|| {
        let mut cursor = Cursor::new(extra);
        Extra::read(&mut cursor).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_data_is_optional_field_by_field() {
        assert!(decode_extra(&[0; 4]).is_none());
        let e = decode_extra(&7u64.to_be_bytes()).unwrap();
        assert_eq!((e.vm_state_size, e.disk_size, e.icount), (7, None, None));
        let mut bytes = 7u64.to_be_bytes().to_vec();
        bytes.extend(1024u64.to_be_bytes());
        let e = decode_extra(&bytes).unwrap();
        assert_eq!((e.disk_size, e.icount), (Some(1024), None));
    }
}
