//! Header extensions (after the header, inside cluster 0) and the backing file name.

use std::io::Cursor;

use anyhow::{Result, bail};
use binrw::BinRead;

use crate::header::Header;

/// Extension type: end of the extension area.
const EXT_END: u32 = 0;
/// Extension type: the backing file's format name.
const EXT_BACKING_FORMAT: u32 = 0xe279_2aca;
/// Extension type: persistent dirty bitmaps directory pointer.
const EXT_BITMAPS: u32 = 0x2385_2875;
/// Extension type: full disk encryption header pointer.
const EXT_CRYPTO: u32 = 0x0537_be77;
/// Extension type: external data file name.
const EXT_DATA_FILE: u32 = 0x4441_5441;
/// Most persistent bitmaps QEMU accepts.
pub const MAX_BITMAPS: u32 = 65535;
/// Largest bitmap directory QEMU accepts, in bytes.
pub const MAX_BITMAP_DIRECTORY_BYTES: u64 = 64 << 20;

/// The type and length that start every extension.
#[derive(Debug, BinRead)]
#[br(big)]
struct ExtensionHeader {
    kind: u32,
    len: u32,
}

/// Where the bitmap directory is, from the bitmaps extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead)]
#[br(big)]
pub struct BitmapsExtension {
    /// Number of bitmaps in the directory.
    pub nb_bitmaps: u32,
    /// Always zero.
    pub reserved: u32,
    /// Size of the directory in bytes.
    pub directory_size: u64,
    /// Offset of the directory.
    pub directory_offset: u64,
}

/// Where the LUKS header is, from the full disk encryption extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead)]
#[br(big)]
pub struct CryptoExtension {
    /// Offset of the encryption header.
    pub offset: u64,
    /// Length of the encryption header.
    pub length: u64,
}

/// What the header extensions and the backing name say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions {
    /// Backing file format name (`raw`, `qcow2`).
    pub backing_format: Option<String>,
    /// Backing file name as stored.
    pub backing_file: Option<String>,
    /// External data file name as stored.
    pub data_file: Option<String>,
    /// The bitmap directory, when the extension is present.
    pub bitmaps: Option<BitmapsExtension>,
    /// The encryption header, when the extension is present.
    pub crypto: Option<CryptoExtension>,
}

/// Parses the extensions and the backing file name from the bytes of cluster 0 (`cluster0`
/// may be shorter than a cluster when the file is).
pub fn parse(header: &Header, cluster0: &[u8]) -> Result<Extensions> {
    let end = header
        .backing_name
        .map_or(header.cluster_size(), |(offset, _)| offset);
    let mut ext = read_extensions(cluster0, u64::from(header.header_length), end)?;
    if let Some((offset, len)) = header.backing_name {
        ext.backing_file = Some(backing_name(header, cluster0, offset, len)?);
    }
    Ok(ext)
}

/// Walks the extension area from `start` to `end`.
fn read_extensions(cluster0: &[u8], start: u64, end: u64) -> Result<Extensions> {
    let mut ext = Extensions::default();
    let mut offset = start;
    while offset < end {
        let Some(head) = slice(cluster0, offset, 8) else {
            bail!("header extension at offset {offset:#x} lies past the end of the file");
        };
        let head = ExtensionHeader::read(&mut Cursor::new(head))?;
        offset += 8;
        if offset > end || u64::from(head.len) > end - offset {
            bail!(
                "header extension {:#010x} at offset {:#x} too large: {} bytes overrun the extension area",
                head.kind,
                offset - 8,
                head.len
            );
        }
        let Some(data) = slice(cluster0, offset, u64::from(head.len)) else {
            bail!("header extension at offset {offset:#x} lies past the end of the file");
        };
        if head.kind == EXT_END {
            break;
        }
        apply(&mut ext, head.kind, data, offset)?;
        offset += u64::from(head.len).div_ceil(8) * 8;
    }
    Ok(ext)
}

/// Records one extension's content.
fn apply(ext: &mut Extensions, kind: u32, data: &[u8], offset: u64) -> Result<()> {
    match kind {
        EXT_BACKING_FORMAT => {
            if data.len() >= 16 {
                bail!(
                    "backing format extension at offset {offset:#x}: name of {} bytes too long (at most 15)",
                    data.len()
                );
            }
            ext.backing_format = Some(text(data));
        }
        EXT_DATA_FILE => ext.data_file = Some(text(data)),
        EXT_BITMAPS => {
            if data.len() != 24 {
                bail!(
                    "bitmaps extension at offset {offset:#x}: expected 24 bytes, found {}",
                    data.len()
                );
            }
            let bitmaps = BitmapsExtension::read(&mut Cursor::new(data))?;
            if bitmaps.nb_bitmaps > MAX_BITMAPS
                || bitmaps.directory_size > MAX_BITMAP_DIRECTORY_BYTES
            {
                bail!("bitmaps extension at offset {offset:#x}: directory too large");
            }
            ext.bitmaps = Some(bitmaps);
        }
        EXT_CRYPTO => {
            if data.len() != 16 {
                bail!(
                    "encryption header extension at offset {offset:#x}: expected 16 bytes, found {}",
                    data.len()
                );
            }
            ext.crypto = Some(CryptoExtension::read(&mut Cursor::new(data))?);
        }
        _ => {}
    }
    Ok(())
}

/// The backing file name, which must fit in cluster 0 and in 1023 bytes.
fn backing_name(header: &Header, cluster0: &[u8], offset: u64, len: u32) -> Result<String> {
    let room = header.cluster_size().saturating_sub(offset).min(1023);
    if u64::from(len) > room {
        bail!("backing file name too long: {len} bytes, at most {room} fit");
    }
    match slice(cluster0, offset, u64::from(len)) {
        Some(bytes) => Ok(text(bytes)),
        None => bail!("backing file name at offset {offset:#x} lies past the end of the file"),
    }
}

/// `len` bytes at `offset`, if they are all there.
fn slice(bytes: &[u8], offset: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    bytes.get(start..end)
}

/// A stored name as text (lossy for invalid UTF-8, trailing NULs dropped).
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_end_matches('\0')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::tests::v3_prefix;

    fn header_with_backing(offset: u64, len: u32) -> Header {
        let mut b = v3_prefix();
        b[8..16].copy_from_slice(&offset.to_be_bytes());
        b[16..20].copy_from_slice(&len.to_be_bytes());
        Header::parse(&b, 1 << 20).unwrap()
    }

    fn ext(kind: u32, data: &[u8]) -> Vec<u8> {
        let mut v = kind.to_be_bytes().to_vec();
        v.extend((data.len() as u32).to_be_bytes());
        v.extend(data);
        v.resize(v.len().div_ceil(8) * 8, 0);
        v
    }

    fn cluster(exts: &[Vec<u8>], name: &[u8], name_at: usize) -> Vec<u8> {
        let mut c = v3_prefix();
        for e in exts {
            c.extend(e);
        }
        c.resize(name_at, 0);
        c.extend(name);
        c
    }

    #[test]
    fn reads_backing_format_data_file_and_name() {
        let mut bitmaps = 2u32.to_be_bytes().to_vec();
        bitmaps.extend([0u8; 4]);
        bitmaps.extend(64u64.to_be_bytes());
        bitmaps.extend(0x40000u64.to_be_bytes());
        let exts = [
            ext(EXT_BACKING_FORMAT, b"qcow2"),
            ext(EXT_DATA_FILE, b"data.raw"),
            ext(EXT_BITMAPS, &bitmaps),
            ext(0x1234_5678, b"ignored"),
            ext(EXT_END, b""),
        ];
        let c = cluster(&exts, b"base.qcow2", 0x200);
        let parsed = parse(&header_with_backing(0x200, 10), &c).unwrap();
        assert_eq!(parsed.backing_format.as_deref(), Some("qcow2"));
        assert_eq!(parsed.backing_file.as_deref(), Some("base.qcow2"));
        assert_eq!(parsed.data_file.as_deref(), Some("data.raw"));
        let b = parsed.bitmaps.unwrap();
        assert_eq!((b.nb_bitmaps, b.directory_offset), (2, 0x40000));
    }

    #[test]
    fn refuses_overlong_and_truncated_extensions() {
        let mut huge = EXT_DATA_FILE.to_be_bytes().to_vec();
        huge.extend(0xffff_fff0u32.to_be_bytes());
        let c = cluster(&[huge], b"", 0x200);
        let err = parse(&header_with_backing(0, 0), &c).unwrap_err();
        assert!(err.to_string().contains("too large"), "{err}");

        let c = cluster(&[ext(EXT_BACKING_FORMAT, &[b'r'; 20])], b"", 0x100);
        let err = parse(&header_with_backing(0, 0), &c).unwrap_err();
        assert!(err.to_string().contains("too long"), "{err}");

        let c = cluster(&[ext(EXT_BITMAPS, &[0; 8])], b"", 0x100);
        assert!(parse(&header_with_backing(0, 0), &c).is_err());

        let c = v3_prefix();
        let err = parse(&header_with_backing(0, 0), &c).unwrap_err();
        assert!(err.to_string().contains("past the end"), "{err}");
    }

    #[test]
    fn refuses_a_backing_name_that_does_not_fit() {
        let c = cluster(&[ext(EXT_END, b"")], b"x", 0x200);
        let err = parse(&header_with_backing(0x200, 2000), &c).unwrap_err();
        assert!(
            err.to_string().contains("backing file name too long"),
            "{err}"
        );
        let err = parse(&header_with_backing(0x200, 100), &c).unwrap_err();
        assert!(err.to_string().contains("past the end"), "{err}");
    }
}
