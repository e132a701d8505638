//! The QCOW2 header (cluster 0, first 72 or 104+ bytes): decoded with `binrw`, then checked
//! against the limits QEMU enforces, so that every later table read is bounded.

use anyhow::{Result, bail};
use binrw::BinRead;

/// The four magic bytes of a QCOW2 (or legacy QCOW) file.
pub const MAGIC: [u8; 4] = *b"QFI\xfb";
/// Size of the version 2 header.
pub const V2_HEADER_BYTES: u32 = 72;
/// Minimum size of the version 3 header.
pub const V3_HEADER_BYTES: u32 = 104;
/// Bytes read to decode the fixed header fields, the compression type included.
pub const HEADER_PREFIX_BYTES: usize = 112;

/// Largest active L1 table QEMU accepts, in bytes.
pub const MAX_L1_BYTES: u64 = 32 << 20;
/// Largest refcount table QEMU accepts, in bytes.
pub const MAX_REFTABLE_BYTES: u64 = 8 << 20;
/// Most internal snapshots QEMU accepts.
pub const MAX_SNAPSHOTS: u32 = 65536;

/// Incompatible feature bit 0: refcounts may be stale (lazy refcounts, writer not closed).
pub const INCOMPAT_DIRTY: u64 = 1 << 0;
/// Incompatible feature bit 1: metadata is known to be inconsistent.
pub const INCOMPAT_CORRUPT: u64 = 1 << 1;
/// Incompatible feature bit 2: guest data lives in an external data file.
pub const INCOMPAT_DATA_FILE: u64 = 1 << 2;
/// Incompatible feature bit 3: the compression type field is not zlib.
pub const INCOMPAT_COMPRESSION: u64 = 1 << 3;
/// Incompatible feature bit 4: L2 entries are 128 bits with a subcluster bitmap.
pub const INCOMPAT_EXTL2: u64 = 1 << 4;
/// Compatible feature bit 0: lazy refcounts.
pub const COMPAT_LAZY_REFCOUNTS: u64 = 1 << 0;
/// Autoclear feature bit 1: the external data file is a valid raw image.
pub const AUTOCLEAR_DATA_FILE_RAW: u64 = 1 << 1;

/// The header fields common to versions 2 and 3, as stored (big-endian, after the magic).
#[derive(Debug, Clone, BinRead)]
#[br(big, magic = b"QFI\xfb")]
pub struct RawHeader {
    /// 2 or 3.
    pub version: u32,
    /// Offset of the backing file name in cluster 0, or 0.
    pub backing_file_offset: u64,
    /// Length of the backing file name.
    pub backing_file_size: u32,
    /// log2 of the cluster size.
    pub cluster_bits: u32,
    /// Virtual disk size in bytes.
    pub size: u64,
    /// 0 none, 1 AES, 2 LUKS.
    pub crypt_method: u32,
    /// Entries in the active L1 table.
    pub l1_size: u32,
    /// Offset of the active L1 table.
    pub l1_table_offset: u64,
    /// Offset of the refcount table.
    pub refcount_table_offset: u64,
    /// Clusters the refcount table spans.
    pub refcount_table_clusters: u32,
    /// Number of internal snapshots.
    pub nb_snapshots: u32,
    /// Offset of the snapshot table.
    pub snapshots_offset: u64,
    /// Fields only version 3 has.
    #[br(if(version >= 3))]
    pub v3: Option<V3Fields>,
}

/// The version 3 header fields (bytes 72 to 103).
#[derive(Debug, Clone, Copy, BinRead)]
#[br(big)]
pub struct V3Fields {
    /// Features a reader must understand.
    pub incompatible_features: u64,
    /// Features a reader may ignore.
    pub compatible_features: u64,
    /// Features a writer that does not know them clears.
    pub autoclear_features: u64,
    /// log2 of the refcount width in bits.
    pub refcount_order: u32,
    /// Length of the header, extensions excluded.
    pub header_length: u32,
}

/// How compressed clusters are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Raw deflate.
    Zlib,
    /// Zstandard.
    Zstd,
}

impl Compression {
    /// The name QEMU uses.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Zlib => "zlib",
            Compression::Zstd => "zstd",
        }
    }
}

/// A validated header: every field within the limits QEMU enforces.
#[derive(Debug, Clone)]
pub struct Header {
    /// 2 or 3.
    pub version: u32,
    /// log2 of the cluster size (9 to 21).
    pub cluster_bits: u32,
    /// Virtual disk size in bytes.
    pub size: u64,
    /// 0 none, 1 AES, 2 LUKS.
    pub crypt_method: u32,
    /// Entries in the active L1 table.
    pub l1_size: u32,
    /// Offset of the active L1 table.
    pub l1_table_offset: u64,
    /// Offset of the refcount table.
    pub refcount_table_offset: u64,
    /// Clusters the refcount table spans.
    pub refcount_table_clusters: u32,
    /// Number of internal snapshots.
    pub nb_snapshots: u32,
    /// Offset of the snapshot table.
    pub snapshots_offset: u64,
    /// Offset and length of the backing file name, if any.
    pub backing_name: Option<(u64, u32)>,
    /// Incompatible feature bits.
    pub incompatible: u64,
    /// Compatible feature bits.
    pub compatible: u64,
    /// Autoclear feature bits.
    pub autoclear: u64,
    /// log2 of the refcount width in bits.
    pub refcount_order: u32,
    /// Where header extensions start.
    pub header_length: u32,
    /// Compression of compressed clusters.
    pub compression: Compression,
}

impl Header {
    /// Decodes and validates the header from the first bytes of the file (`prefix` holds up to
    /// [`HEADER_PREFIX_BYTES`]; `file_len` is the whole file's length).
    pub fn parse(prefix: &[u8], file_len: u64) -> Result<Header> {
        if (file_len as usize) < V2_HEADER_BYTES as usize || prefix.len() < 8 {
            bail!("qcow2 header too short: expected at least 72 bytes, found {file_len}");
        }
        let raw = RawHeader::read(&mut std::io::Cursor::new(pad(prefix)))
            .map_err(|e| anyhow::anyhow!("invalid qcow2 header: {e}"))?;
        validate(&raw, prefix, file_len)
    }

    /// The cluster size in bytes.
    pub fn cluster_size(&self) -> u64 {
        1 << self.cluster_bits
    }

    /// True when L2 entries carry a subcluster bitmap.
    pub fn extended_l2(&self) -> bool {
        self.incompatible & INCOMPAT_EXTL2 != 0
    }

    /// True when guest data lives in an external data file.
    pub fn has_data_file(&self) -> bool {
        self.incompatible & INCOMPAT_DATA_FILE != 0
    }

    /// Width of an L2 entry in bytes.
    pub fn l2_entry_bytes(&self) -> u64 {
        if self.extended_l2() { 16 } else { 8 }
    }

    /// Entries in one L2 table.
    pub fn l2_entries(&self) -> u64 {
        self.cluster_size() / self.l2_entry_bytes()
    }

    /// Bits per refcount.
    pub fn refcount_bits(&self) -> u32 {
        1 << self.refcount_order
    }

    /// True when offset is a multiple of the cluster size.
    pub fn aligned(&self, offset: u64) -> bool {
        offset & (self.cluster_size() - 1) == 0
    }
}

/// The prefix padded with zeros to a full header, so that a v2 header can be decoded with the
/// same reader (its v3 fields are never read).
fn pad(prefix: &[u8]) -> Vec<u8> {
    let mut bytes = prefix.to_vec();
    bytes.resize(HEADER_PREFIX_BYTES, 0);
    bytes
}

/// Applies QEMU's header checks, in the order it makes them.
fn validate(raw: &RawHeader, prefix: &[u8], file_len: u64) -> Result<Header> {
    if raw.version != 2 && raw.version != 3 {
        bail!("unsupported qcow2 version {}: expected 2 or 3", raw.version);
    }
    if !(9..=21).contains(&raw.cluster_bits) {
        bail!(
            "unsupported cluster size 2^{}: expected 2^9 to 2^21",
            raw.cluster_bits
        );
    }
    let cluster_size = 1u64 << raw.cluster_bits;
    let v3 = match raw.v3 {
        Some(v3) => {
            if file_len < u64::from(V3_HEADER_BYTES) || v3.header_length < V3_HEADER_BYTES {
                bail!("qcow2 header too short: expected a version 3 header of at least 104 bytes");
            }
            if u64::from(v3.header_length) > cluster_size {
                bail!(
                    "qcow2 header length {} exceeds the cluster size {cluster_size}",
                    v3.header_length
                );
            }
            v3
        }
        None => V3Fields {
            incompatible_features: 0,
            compatible_features: 0,
            autoclear_features: 0,
            refcount_order: 4,
            header_length: V2_HEADER_BYTES,
        },
    };
    if raw.backing_file_offset > cluster_size {
        bail!(
            "invalid backing file offset {:#x}: expected it inside cluster 0",
            raw.backing_file_offset
        );
    }
    let known = INCOMPAT_DIRTY
        | INCOMPAT_CORRUPT
        | INCOMPAT_DATA_FILE
        | INCOMPAT_COMPRESSION
        | INCOMPAT_EXTL2;
    let unknown = v3.incompatible_features & !known;
    if unknown != 0 {
        bail!("unsupported qcow2 incompatible feature bits {unknown:#x}");
    }
    if v3.refcount_order > 6 {
        bail!(
            "refcount order {} too large: refcounts may not exceed 64 bits",
            v3.refcount_order
        );
    }
    let compression = compression(&v3, prefix)?;
    if raw.crypt_method > 2 {
        bail!(
            "unsupported encryption method {}: expected 0, 1 or 2",
            raw.crypt_method
        );
    }
    let extended_l2 = v3.incompatible_features & INCOMPAT_EXTL2 != 0;
    if extended_l2 && raw.cluster_bits < 14 {
        bail!(
            "unsupported subcluster size: extended L2 needs clusters of at least 16 KiB, found 2^{}",
            raw.cluster_bits
        );
    }
    let header = Header {
        version: raw.version,
        cluster_bits: raw.cluster_bits,
        size: raw.size,
        crypt_method: raw.crypt_method,
        l1_size: raw.l1_size,
        l1_table_offset: raw.l1_table_offset,
        refcount_table_offset: raw.refcount_table_offset,
        refcount_table_clusters: raw.refcount_table_clusters,
        nb_snapshots: raw.nb_snapshots,
        snapshots_offset: raw.snapshots_offset,
        backing_name: (raw.backing_file_offset != 0)
            .then_some((raw.backing_file_offset, raw.backing_file_size)),
        incompatible: v3.incompatible_features,
        compatible: v3.compatible_features,
        autoclear: v3.autoclear_features,
        refcount_order: v3.refcount_order,
        header_length: v3.header_length,
        compression,
    };
    validate_tables(&header)?;
    Ok(header)
}

/// The compression type and its feature bit must agree.
fn compression(v3: &V3Fields, prefix: &[u8]) -> Result<Compression> {
    let field = if v3.header_length > V3_HEADER_BYTES {
        prefix.get(V3_HEADER_BYTES as usize).copied().unwrap_or(0)
    } else {
        0
    };
    let bit = v3.incompatible_features & INCOMPAT_COMPRESSION != 0;
    match (field, bit) {
        (0, false) => Ok(Compression::Zlib),
        (1, true) => Ok(Compression::Zstd),
        (0, true) => {
            bail!("compression type bit is set but the compression type field is zlib (or absent)")
        }
        (1, false) => bail!("compression type zstd needs the compression type feature bit"),
        (other, _) => bail!("unknown compression type {other}: expected 0 (zlib) or 1 (zstd)"),
    }
}

/// The L1, refcount and snapshot tables must be aligned, within QEMU's limits, and large
/// enough for the virtual size.
fn validate_tables(h: &Header) -> Result<()> {
    let cs = h.cluster_size();
    if u64::from(h.refcount_table_clusters) > MAX_REFTABLE_BYTES / cs {
        bail!(
            "refcount table too large: {} clusters, at most {} allowed",
            h.refcount_table_clusters,
            MAX_REFTABLE_BYTES / cs
        );
    }
    if h.refcount_table_clusters == 0 {
        bail!("image does not contain a refcount table (refcount_table_clusters is 0)");
    }
    table_offset(
        h,
        "refcount table",
        h.refcount_table_offset,
        u64::from(h.refcount_table_clusters) * cs,
    )?;
    if h.nb_snapshots > MAX_SNAPSHOTS {
        bail!(
            "snapshot table too large: {} snapshots, at most {MAX_SNAPSHOTS} allowed",
            h.nb_snapshots
        );
    }
    table_offset(
        h,
        "snapshot table",
        h.snapshots_offset,
        u64::from(h.nb_snapshots) * 40,
    )?;
    if u64::from(h.l1_size) * 8 > MAX_L1_BYTES {
        bail!(
            "active L1 table too large: {} entries, at most {} allowed",
            h.l1_size,
            MAX_L1_BYTES / 8
        );
    }
    let bytes_per_l1 = cs * h.l2_entries();
    let needed = h.size.div_ceil(bytes_per_l1);
    if needed > i32::MAX as u64 {
        bail!("image is too big: virtual size {} bytes", h.size);
    }
    if u64::from(h.l1_size) < needed {
        bail!(
            "L1 table is too small: {} entries for a virtual size that needs {needed}",
            h.l1_size
        );
    }
    table_offset(
        h,
        "active L1 table",
        h.l1_table_offset,
        u64::from(h.l1_size) * 8,
    )
}

/// A table must start on a cluster boundary and end before 2^63.
fn table_offset(h: &Header, what: &str, offset: u64, bytes: u64) -> Result<()> {
    if !h.aligned(offset)
        || offset
            .checked_add(bytes)
            .is_none_or(|end| end > i64::MAX as u64)
    {
        bail!("{what} offset {offset:#x} invalid: expected a cluster-aligned offset");
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A valid version 3 header prefix: 64 KiB clusters, 1 GiB virtual, tables at clusters 1-3.
    pub(crate) fn v3_prefix() -> Vec<u8> {
        let mut b = vec![0u8; HEADER_PREFIX_BYTES];
        b[0..4].copy_from_slice(&MAGIC);
        b[4..8].copy_from_slice(&3u32.to_be_bytes());
        b[20..24].copy_from_slice(&16u32.to_be_bytes());
        b[24..32].copy_from_slice(&(1u64 << 30).to_be_bytes());
        b[36..40].copy_from_slice(&8u32.to_be_bytes());
        b[40..48].copy_from_slice(&0x30000u64.to_be_bytes());
        b[48..56].copy_from_slice(&0x10000u64.to_be_bytes());
        b[56..60].copy_from_slice(&1u32.to_be_bytes());
        b[96..100].copy_from_slice(&4u32.to_be_bytes());
        b[100..104].copy_from_slice(&112u32.to_be_bytes());
        b
    }

    fn poke(offset: usize, bytes: &[u8]) -> Result<Header> {
        let mut b = v3_prefix();
        b[offset..offset + bytes.len()].copy_from_slice(bytes);
        Header::parse(&b, 1 << 20)
    }

    #[test]
    fn decodes_a_v3_header() {
        let h = Header::parse(&v3_prefix(), 1 << 20).unwrap();
        assert_eq!(h.version, 3);
        assert_eq!(h.cluster_size(), 65536);
        assert_eq!(h.size, 1 << 30);
        assert_eq!(h.refcount_bits(), 16);
        assert_eq!(h.compression, Compression::Zlib);
        assert_eq!(h.l2_entries(), 8192);
        assert!(h.backing_name.is_none());
    }

    #[test]
    fn decodes_a_v2_header_without_v3_fields() {
        let mut b = v3_prefix();
        b[4..8].copy_from_slice(&2u32.to_be_bytes());
        b.truncate(72);
        let h = Header::parse(&b, 72).unwrap();
        assert_eq!(h.version, 2);
        assert_eq!(h.refcount_order, 4);
        assert_eq!(h.header_length, 72);
    }

    #[test]
    fn refuses_malformed_headers() {
        let cases: &[(usize, &[u8], &str)] = &[
            (0, b"QFI\xfa", "invalid qcow2 header"),
            (4, &4u32.to_be_bytes(), "unsupported qcow2 version 4"),
            (20, &8u32.to_be_bytes(), "cluster size 2^8"),
            (20, &63u32.to_be_bytes(), "cluster size 2^63"),
            (
                100,
                &0x7fff_ffffu32.to_be_bytes(),
                "exceeds the cluster size",
            ),
            (100, &100u32.to_be_bytes(), "header too short"),
            (
                72,
                &(1u64 << 5).to_be_bytes(),
                "incompatible feature bits 0x20",
            ),
            (96, &7u32.to_be_bytes(), "refcount order 7"),
            (32, &3u32.to_be_bytes(), "encryption method 3"),
            (104, &[2], "unknown compression type 2"),
            (104, &[1], "needs the compression type feature bit"),
            (72, &8u64.to_be_bytes(), "compression type bit is set"),
            (24, &u64::MAX.to_be_bytes(), "image is too big"),
            (36, &0u32.to_be_bytes(), "L1 table is too small"),
            (
                36,
                &0x7fff_ffffu32.to_be_bytes(),
                "active L1 table too large",
            ),
            (40, &0x30001u64.to_be_bytes(), "active L1 table offset"),
            (48, &u64::MAX.to_be_bytes(), "refcount table offset"),
            (56, &0u32.to_be_bytes(), "does not contain a refcount table"),
            (56, &0xffffu32.to_be_bytes(), "refcount table too large"),
            (60, &0x10_0000u32.to_be_bytes(), "snapshot table too large"),
            (8, &0x20000u64.to_be_bytes(), "invalid backing file offset"),
            (64, &0x1234u64.to_be_bytes(), "snapshot table offset"),
        ];
        for (offset, bytes, expected) in cases {
            let err = poke(*offset, bytes).unwrap_err().to_string();
            assert!(err.contains(expected), "poke at {offset}: {err}");
        }
    }

    #[test]
    fn refuses_short_files_and_small_extended_l2_clusters() {
        let err = Header::parse(&v3_prefix()[..50], 50).unwrap_err();
        assert!(err.to_string().contains("header too short"), "{err}");
        let mut b = v3_prefix();
        b[20..24].copy_from_slice(&12u32.to_be_bytes());
        b[36..40].copy_from_slice(&(1u32 << 20).to_be_bytes());
        b[40..48].copy_from_slice(&0x3000u64.to_be_bytes());
        b[48..56].copy_from_slice(&0x1000u64.to_be_bytes());
        b[72..80].copy_from_slice(&INCOMPAT_EXTL2.to_be_bytes());
        let err = Header::parse(&b, 1 << 20).unwrap_err().to_string();
        assert!(err.contains("subcluster size"), "{err}");
    }
}
