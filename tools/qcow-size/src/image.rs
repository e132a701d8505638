//! Opening an image: probing raw or QCOW2, and reading everything in the first clusters
//! (header, extensions, snapshot table, bitmap directory).

use std::path::Path;

use anyhow::Result;

use crate::bitmaps::{self, Bitmap};
use crate::disk::Disk;
use crate::extensions::{self, Extensions};
use crate::header::{HEADER_PREFIX_BYTES, Header, MAGIC};
use crate::snapshots::{self, Snapshot};

/// A QCOW2 image with its metadata from the first clusters.
#[derive(Debug)]
pub struct Qcow2 {
    /// The open file.
    pub disk: Disk,
    /// The validated header.
    pub header: Header,
    /// Header extensions and the backing file name.
    pub extensions: Extensions,
    /// Internal snapshots.
    pub snapshots: Vec<Snapshot>,
    /// Persistent dirty bitmaps.
    pub bitmaps: Vec<Bitmap>,
}

/// What a file turned out to be.
#[derive(Debug)]
pub enum Image {
    /// No QCOW2 magic: a raw disk image.
    Raw(Disk),
    /// A QCOW2 image.
    Qcow2(Box<Qcow2>),
}

/// Opens `path` and reads its metadata; a file without the QCOW2 magic is raw.
pub fn open(path: &Path) -> Result<Image> {
    from_disk(Disk::open(path)?)
}

/// Reads the metadata of an opened image.
pub fn from_disk(disk: Disk) -> Result<Image> {
    let mut prefix = vec![0u8; HEADER_PREFIX_BYTES];
    let read = disk.read_upto(0, &mut prefix, "header")?;
    if read < 4 || prefix[..4] != MAGIC {
        return Ok(Image::Raw(disk));
    }
    prefix.truncate(read);
    let header = Header::parse(&prefix, disk.len())?;
    let mut cluster0 = vec![0u8; header.cluster_size() as usize];
    disk.read_upto(0, &mut cluster0, "header cluster")?;
    let extensions = extensions::parse(&header, &cluster0)?;
    let snapshots = snapshots::read(&disk, &header)?;
    let bitmaps = bitmaps::read(&disk, &header, extensions.bitmaps.as_ref())?;
    Ok(Image::Qcow2(Box::new(Qcow2 {
        disk,
        header,
        extensions,
        snapshots,
        bitmaps,
    })))
}
