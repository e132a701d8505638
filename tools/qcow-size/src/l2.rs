//! What one L2 entry says about a guest cluster.

use crate::header::Header;

/// Bits 9-55 of an L1 entry or a standard L2 entry: a host offset.
pub const OFFSET_MASK: u64 = 0x00ff_ffff_ffff_fe00;
/// Reserved bits of an L1 entry (1-8 and 56-62).
pub const L1_RESERVED_MASK: u64 = 0x7f00_0000_0000_01fe;
/// Reserved bits of a standard L2 entry (1-8 and 56-61).
pub const L2_RESERVED_MASK: u64 = 0x3f00_0000_0000_01fe;
/// Bit 62 of an L2 entry: the cluster is compressed.
pub const COMPRESSED: u64 = 1 << 62;
/// Bit 63: the refcount is exactly one.
pub const COPIED: u64 = 1 << 63;
/// Bit 0 of a standard L2 entry: the cluster reads as zeros.
pub const ZERO: u64 = 1;
/// Bits 0-31 of the subcluster bitmap: allocated subclusters.
pub const ALL_ALLOCATED: u64 = 0xffff_ffff;
/// Subclusters per cluster with extended L2 entries.
pub const SUBCLUSTERS: u64 = 32;

/// The kind of a guest cluster, as QEMU classifies L2 entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cluster {
    /// Not allocated in this layer: read from the backing file, or zeros.
    Unallocated,
    /// Reads as zeros, no host cluster.
    ZeroPlain,
    /// Reads as zeros, with a preallocated host cluster at this offset.
    ZeroAllocated(u64),
    /// Data at this host offset.
    Normal(u64),
    /// Compressed data: host byte offset and stored length.
    Compressed {
        /// Host byte offset (not aligned).
        offset: u64,
        /// Bytes the compressed data may span.
        length: u64,
    },
}

/// Classifies an L2 entry (the first 64 bits; extended L2 bitmaps are read separately).
pub fn classify(header: &Header, entry: u64) -> Cluster {
    if entry & COMPRESSED != 0 {
        let (offset, length) = compressed_extent(header.cluster_bits, entry);
        return Cluster::Compressed { offset, length };
    }
    let offset = entry & OFFSET_MASK;
    if entry & ZERO != 0 && !header.extended_l2() {
        return if offset != 0 {
            Cluster::ZeroAllocated(offset)
        } else {
            Cluster::ZeroPlain
        };
    }
    if offset == 0 && !(header.has_data_file() && entry & COPIED != 0) {
        return Cluster::Unallocated;
    }
    Cluster::Normal(offset)
}

/// Host offset and length of a compressed cluster's data.
pub fn compressed_extent(cluster_bits: u32, entry: u64) -> (u64, u64) {
    let shift = 62 - (cluster_bits - 8);
    let offset = entry & ((1u64 << shift) - 1);
    let sectors = ((entry >> shift) & ((1u64 << (cluster_bits - 8)) - 1)) + 1;
    (offset, sectors * 512 - (offset & 511))
}

/// Guest bytes of `length` starting at `start` that lie below the virtual size.
pub fn clip(start: u64, length: u64, virtual_size: u64) -> u64 {
    virtual_size.saturating_sub(start).min(length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::tests::v3_prefix;

    fn header(extended: bool, data_file: bool) -> Header {
        let mut h = Header::parse(&v3_prefix(), 1 << 20).unwrap();
        if extended {
            h.incompatible |= crate::header::INCOMPAT_EXTL2;
        }
        if data_file {
            h.incompatible |= crate::header::INCOMPAT_DATA_FILE;
        }
        h
    }

    #[test]
    fn classifies_entries_like_qemu() {
        let h = header(false, false);
        assert_eq!(classify(&h, 0), Cluster::Unallocated);
        assert_eq!(classify(&h, COPIED), Cluster::Unallocated);
        assert_eq!(classify(&h, ZERO), Cluster::ZeroPlain);
        assert_eq!(
            classify(&h, 0x50000 | ZERO),
            Cluster::ZeroAllocated(0x50000)
        );
        assert_eq!(classify(&h, 0x50000 | COPIED), Cluster::Normal(0x50000));
        let ext = header(true, false);
        assert_eq!(classify(&ext, 0x50000 | ZERO), Cluster::Normal(0x50000));
        let data = header(false, true);
        assert_eq!(classify(&data, COPIED), Cluster::Normal(0));
    }

    #[test]
    fn decodes_compressed_extents() {
        let h = header(false, false);
        let shift = 62 - 8;
        let entry = COMPRESSED | (3u64 << shift) | 0x12345;
        assert_eq!(
            classify(&h, entry),
            Cluster::Compressed {
                offset: 0x12345,
                length: 4 * 512 - 0x145
            }
        );
    }

    #[test]
    fn clips_to_the_virtual_size() {
        assert_eq!(clip(0, 4096, 1000), 1000);
        assert_eq!(clip(2000, 4096, 1000), 0);
    }
}
