//! Positioned reads from an image file, bounded by its length, so that no table is read past
//! the end of the file and no buffer is sized by an untrusted field.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The largest single read: tables bigger than this are read in chunks of this size.
pub const CHUNK_BYTES: usize = 1 << 20;

/// Where the bytes of an image are.
#[derive(Debug)]
enum Bytes {
    /// An open file.
    File(File),
    /// A copy in memory (for fuzzing and tests).
    Memory(Vec<u8>),
}

/// An open image and its length in bytes.
#[derive(Debug)]
pub struct Disk {
    bytes: Bytes,
    len: u64,
}

impl Disk {
    /// Opens `path` for reading and notes its length.
    pub fn open(path: &Path) -> Result<Disk> {
        let file = File::open(path).context("cannot open")?;
        let len = file.metadata().context("cannot stat")?.len();
        Ok(Disk {
            bytes: Bytes::File(file),
            len,
        })
    }

    /// An image held in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Disk {
        Disk {
            len: bytes.len() as u64,
            bytes: Bytes::Memory(bytes),
        }
    }

    /// The file's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when the file holds no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Fills `buf` from `offset`; `what` names the structure for the error when it does not
    /// lie entirely inside the file.
    pub fn read_at(&self, offset: u64, buf: &mut [u8], what: &str) -> Result<()> {
        let end = offset.checked_add(buf.len() as u64);
        if end.is_none_or(|end| end > self.len) {
            bail!(
                "{what} at offset {offset:#x} ({} bytes) lies past the end of the file ({} bytes)",
                buf.len(),
                self.len
            );
        }
        match &self.bytes {
            Bytes::File(file) => file
                .read_exact_at(buf, offset)
                .with_context(|| format!("cannot read {what} at offset {offset:#x}")),
            Bytes::Memory(bytes) => {
                let start = offset as usize;
                buf.copy_from_slice(&bytes[start..start + buf.len()]);
                Ok(())
            }
        }
    }

    /// The `[start, end)` ranges of the file that hold data (not holes).
    pub fn data_ranges(&self) -> Result<Vec<(u64, u64)>> {
        match &self.bytes {
            Bytes::File(file) => crate::rawmap::data_ranges(file, self.len),
            Bytes::Memory(_) if self.len > 0 => Ok(vec![(0, self.len)]),
            Bytes::Memory(_) => Ok(Vec::new()),
        }
    }

    /// Reads up to `buf.len()` bytes from `offset`, stopping at the end of the file; returns
    /// how many bytes were read (the rest of `buf` is zeroed).
    pub fn read_upto(&self, offset: u64, buf: &mut [u8], what: &str) -> Result<usize> {
        let available = self.len.saturating_sub(offset).min(buf.len() as u64) as usize;
        buf[available..].fill(0);
        if available > 0 {
            self.read_at(offset, &mut buf[..available], what)?;
        }
        Ok(available)
    }
}

/// Reads big-endian `u64` entries from a byte slice.
pub fn be_u64(bytes: &[u8], index: usize) -> u64 {
    let start = index * 8;
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[start..start + 8]);
    u64::from_be_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_inside_and_refuses_past_the_end() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&[1, 2, 3, 4]).unwrap();
        let disk = Disk::open(file.path()).unwrap();
        assert_eq!(disk.len(), 4);
        let mut buf = [0u8; 2];
        disk.read_at(2, &mut buf, "table").unwrap();
        assert_eq!(buf, [3, 4]);
        let err = disk.read_at(3, &mut buf, "table").unwrap_err().to_string();
        assert!(err.contains("past the end of the file"), "{err}");
        assert!(disk.read_at(u64::MAX, &mut buf, "t").is_err());
        let memory = Disk::from_bytes(vec![1, 2, 3, 4]);
        memory.read_at(1, &mut buf, "table").unwrap();
        assert_eq!(buf, [2, 3]);
        assert!(memory.read_at(3, &mut buf, "table").is_err());
        let mut long = [9u8; 6];
        assert_eq!(disk.read_upto(2, &mut long, "t").unwrap(), 2);
        assert_eq!(long, [3, 4, 0, 0, 0, 0]);
    }

    #[test]
    fn decodes_big_endian_words() {
        let bytes = [0, 0, 0, 0, 0, 0, 1, 2, 0xff, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(be_u64(&bytes, 0), 0x102);
        assert_eq!(be_u64(&bytes, 1), 0xff00_0000_0000_0000);
    }
}
