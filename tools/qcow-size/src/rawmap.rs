//! The data extents of a plain file (a raw image or an external data file), from the
//! filesystem's holes (`SEEK_DATA`/`SEEK_HOLE`), as QEMU sees which parts hold data.

use std::fs::File;
use std::io::SeekFrom;

use anyhow::{Context, Result};
use rustix::fs::{SeekFrom as RawSeek, seek};

/// The `[start, end)` ranges of `file` (of length `len`) that are not holes.
pub fn data_ranges(file: &File, len: u64) -> Result<Vec<(u64, u64)>> {
    let mut ranges = Vec::new();
    let mut at = 0u64;
    while at < len {
        let Some(start) = next(file, RawSeek::Data(at))? else {
            break;
        };
        if start >= len {
            break;
        }
        let end = next(file, RawSeek::Hole(start))?.unwrap_or(len).min(len);
        ranges.push((start, end.max(start + 1)));
        at = end.max(start + 1);
    }
    // Leave the file position where a reader expects it.
    let _ = std::io::Seek::seek(&mut &*file, SeekFrom::Start(0));
    Ok(ranges)
}

/// The offset a `SEEK_DATA`/`SEEK_HOLE` lands on, or `None` past the last data (`ENXIO`).
fn next(file: &File, whence: RawSeek) -> Result<Option<u64>> {
    match seek(file, whence) {
        Ok(offset) => Ok(Some(offset)),
        Err(rustix::io::Errno::NXIO) => Ok(None),
        Err(err) => Err(std::io::Error::from(err)).context("cannot find the data of the file"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn finds_data_between_holes() {
        let mut file = tempfile::tempfile().unwrap();
        file.set_len(1 << 22).unwrap();
        std::io::Seek::seek(&mut file, SeekFrom::Start(1 << 21)).unwrap();
        file.write_all(&[1; 4096]).unwrap();
        let ranges = data_ranges(&file, 1 << 22).unwrap();
        assert!(!ranges.is_empty());
        let data: u64 = ranges.iter().map(|(s, e)| e - s).sum();
        assert!((4096..=1 << 22).contains(&data), "{ranges:?}");
        assert!(
            ranges
                .iter()
                .any(|&(s, e)| s <= 1 << 21 && e >= (1 << 21) + 4096)
        );
        assert!(data_ranges(&file, 0).unwrap().is_empty());
    }
}
