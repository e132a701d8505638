//! Reading tables of big-endian 64-bit entries (L1, refcount table) in large chunks, and the
//! cluster-sized tables they point to (L2 tables, refcount blocks) with adjacent ones
//! coalesced into one read.

use anyhow::{Result, bail};

use crate::disk::{CHUNK_BYTES, Disk, be_u64};

/// Calls `f(index, entry)` for every entry of the table of `entries` u64s at `offset`, reading
/// at most [`CHUNK_BYTES`] at a time.
pub fn for_each_entry(
    disk: &Disk,
    offset: u64,
    entries: u64,
    what: &str,
    mut f: impl FnMut(u64, u64) -> Result<()>,
) -> Result<()> {
    let per_chunk = (CHUNK_BYTES / 8) as u64;
    let mut buf = Vec::new();
    let mut first = 0u64;
    while first < entries {
        let count = per_chunk.min(entries - first);
        buf.resize(count as usize * 8, 0);
        disk.read_at(offset + first * 8, &mut buf, what)?;
        for i in 0..count {
            f(first + i, be_u64(&buf, i as usize))?;
        }
        first += count;
    }
    Ok(())
}

/// A cluster-sized table to visit: who points to it (an index) and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pointer {
    /// Index of the entry that points to the table.
    pub index: u64,
    /// Host offset of the table.
    pub offset: u64,
}

/// Batches of at least this many separate tables are read by several threads.
const PARALLEL_RUNS: usize = 64;
/// Most threads reading one batch.
const READERS: usize = 4;

/// Reads the cluster-sized tables that pointers name, in batches of up to [`CHUNK_BYTES`]:
/// tables that follow each other on disk are read with one call, a batch of many separate
/// tables is read by several threads, and `f(pointer, table_bytes)` is called for each table in
/// the order the pointers were pushed.
pub struct Coalescer {
    cluster_size: u64,
    pending: Vec<Pointer>,
    buf: Vec<u8>,
}

impl Coalescer {
    /// A coalescer for tables of one cluster.
    pub fn new(cluster_size: u64) -> Self {
        Coalescer {
            cluster_size,
            pending: Vec::new(),
            buf: Vec::new(),
        }
    }

    /// Queues a table; reads and visits the batch first when it is full.
    pub fn push(
        &mut self,
        disk: &Disk,
        pointer: Pointer,
        what: &str,
        f: &mut impl FnMut(Pointer, &[u8]) -> Result<()>,
    ) -> Result<()> {
        if (self.pending.len() as u64 + 1) * self.cluster_size > CHUNK_BYTES as u64 {
            self.flush(disk, what, f)?;
        }
        self.pending.push(pointer);
        Ok(())
    }

    /// Reads and visits every queued table.
    pub fn flush(
        &mut self,
        disk: &Disk,
        what: &str,
        f: &mut impl FnMut(Pointer, &[u8]) -> Result<()>,
    ) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        if pending.is_empty() {
            return Ok(());
        }
        let cs = self.cluster_size;
        if let Some(bad) = pending
            .iter()
            .find(|p| p.offset.checked_add(cs).is_none_or(|end| end > disk.len()))
        {
            bail!(
                "{what} at offset {:#x} (entry {}) lies past the end of the file ({} bytes)",
                bad.offset,
                bad.index,
                disk.len()
            );
        }
        self.buf.resize(pending.len() * cs as usize, 0);
        let batch = Batch {
            disk,
            pointers: &pending,
            cluster_size: cs as usize,
            what,
        };
        batch.read(&mut self.buf)?;
        for (i, pointer) in pending.iter().enumerate() {
            let start = i * cs as usize;
            f(*pointer, &self.buf[start..start + cs as usize])?;
        }
        Ok(())
    }
}

/// One batch of tables to read into one buffer.
struct Batch<'a> {
    disk: &'a Disk,
    pointers: &'a [Pointer],
    cluster_size: usize,
    what: &'a str,
}

impl Batch<'_> {
    /// Fills `buf` (one cluster per pointer), with several threads when the batch has many
    /// runs.
    fn read(&self, buf: &mut [u8]) -> Result<()> {
        let runs = self.runs();
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(2, READERS);
        if runs.len() < PARALLEL_RUNS {
            return self.read_runs(&runs, buf, 0);
        }
        let per_thread = runs.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let mut rest = &mut *buf;
            let mut handles = Vec::new();
            for part in runs.chunks(per_thread) {
                let base = part[0].0;
                let end = part[part.len() - 1].0 + part[part.len() - 1].1;
                let (mine, tail) = rest.split_at_mut((end - base) * self.cluster_size);
                rest = tail;
                handles.push(scope.spawn(move || self.read_runs(part, mine, base)));
            }
            handles
                .into_iter()
                .try_for_each(|handle| match handle.join() {
                    Ok(result) => result,
                    Err(_) => bail!("a reader thread failed"),
                })
        })
    }

    /// Runs of pointers to tables that follow each other on disk: (first pointer, count).
    fn runs(&self) -> Vec<(usize, usize)> {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (i, p) in self.pointers.iter().enumerate() {
            match runs.last_mut() {
                Some((start, count))
                    if self.pointers[*start].offset + (*count * self.cluster_size) as u64
                        == p.offset =>
                {
                    *count += 1;
                }
                _ => runs.push((i, 1)),
            }
        }
        runs
    }

    /// Reads `runs` into `buf`, whose first cluster belongs to pointer `base`.
    fn read_runs(&self, runs: &[(usize, usize)], buf: &mut [u8], base: usize) -> Result<()> {
        let cs = self.cluster_size;
        for &(start, count) in runs {
            let at = (start - base) * cs;
            let offset = self.pointers[start].offset;
            self.disk
                .read_at(offset, &mut buf[at..at + count * cs], self.what)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn disk(bytes: &[u8]) -> (tempfile::NamedTempFile, Disk) {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(bytes).unwrap();
        let disk = Disk::open(file.path()).unwrap();
        (file, disk)
    }

    #[test]
    fn visits_entries_and_coalesced_tables_in_order() {
        let mut bytes = Vec::new();
        for v in [0u64, 512, 1024, 2048] {
            bytes.extend(v.to_be_bytes());
        }
        bytes.resize(4096, 0);
        for (i, chunk) in bytes.chunks_mut(512).enumerate().skip(1) {
            chunk[0] = i as u8;
        }
        let (_f, disk) = disk(&bytes);
        let mut pointers = Vec::new();
        for_each_entry(&disk, 0, 4, "L1", |i, e| {
            if e != 0 {
                pointers.push(Pointer {
                    index: i,
                    offset: e,
                });
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(pointers.len(), 3);
        let mut seen = Vec::new();
        let mut visit = |p: Pointer, t: &[u8]| {
            seen.push((p.index, t[0], t.len()));
            Ok(())
        };
        let mut c = Coalescer::new(512);
        for p in pointers {
            c.push(&disk, p, "L2 table", &mut visit).unwrap();
        }
        c.flush(&disk, "L2 table", &mut visit).unwrap();
        assert_eq!(seen, vec![(1, 1, 512), (2, 2, 512), (3, 4, 512)]);
    }

    #[test]
    fn many_separate_tables_are_read_in_order() {
        let mut bytes = vec![0u8; 512 * 400];
        for (i, chunk) in bytes.chunks_mut(512).enumerate() {
            chunk[0] = i as u8;
            chunk[1] = (i >> 8) as u8;
        }
        let (_f, disk) = disk(&bytes);
        let mut seen = Vec::new();
        let mut visit = |p: Pointer, t: &[u8]| {
            seen.push((p.index, u64::from(t[0]) | u64::from(t[1]) << 8));
            Ok(())
        };
        let mut c = Coalescer::new(512);
        let clusters: Vec<u64> = (0..200).map(|i| (i * 2 + 1) % 400).rev().collect();
        for (index, cluster) in clusters.iter().enumerate() {
            let p = Pointer {
                index: index as u64,
                offset: cluster * 512,
            };
            c.push(&disk, p, "L2 table", &mut visit).unwrap();
        }
        c.flush(&disk, "L2 table", &mut visit).unwrap();
        let expected: Vec<(u64, u64)> = clusters
            .iter()
            .enumerate()
            .map(|(i, &c)| (i as u64, c))
            .collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn a_table_past_the_end_is_an_error() {
        let (_f, disk) = disk(&[0u8; 1024]);
        let mut c = Coalescer::new(512);
        let mut visit = |_: Pointer, _: &[u8]| Ok(());
        c.push(
            &disk,
            Pointer {
                index: 7,
                offset: 512,
            },
            "L2 table",
            &mut visit,
        )
        .unwrap();
        c.push(
            &disk,
            Pointer {
                index: 8,
                offset: 1024,
            },
            "L2 table",
            &mut visit,
        )
        .unwrap();
        let err = c
            .flush(&disk, "L2 table", &mut visit)
            .unwrap_err()
            .to_string();
        assert!(err.contains("offset 0x400 (entry 8)"), "{err}");
        assert!(for_each_entry(&disk, 1000, 10, "L1", |_, _| Ok(())).is_err());
    }
}
