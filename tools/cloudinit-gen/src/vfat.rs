//! NoCloud seeds as FAT images (label `cidata`), through the `fatfs` crate with every timestamp
//! and the volume id fixed, so that the same files give the same bytes.

use std::io::{Cursor, Write as _};

use anyhow::{Context, Result, bail};
use fatfs::{FileSystem, FormatVolumeOptions, FsOptions, TimeProvider};

use crate::timestamp::DateTime;

/// The size cloud-localds gives a vfat seed; larger images are used when the files need it.
const MIN_SIZE: usize = 128 * 1024;
/// The largest image tried before giving up.
const MAX_SIZE: usize = 64 * 1024 * 1024;

/// Timestamps for every directory entry: one fixed DOS date and time.
#[derive(Debug)]
struct FixedTime(fatfs::DateTime);

impl TimeProvider for FixedTime {
    fn get_current_date(&self) -> fatfs::Date {
        self.0.date
    }

    fn get_current_date_time(&self) -> fatfs::DateTime {
        self.0
    }
}

/// The DOS date and time of an epoch, clamped to the FAT range 1980–2107.
fn dos_time(epoch: i64) -> fatfs::DateTime {
    let t = DateTime::from_epoch(epoch);
    let (year, month, day, hour, min, sec) = match t.year {
        ..1980 => (1980, 1, 1, 0, 0, 0),
        2108.. => (2107, 12, 31, 23, 59, 58),
        y => (
            y as u16,
            t.month.into(),
            t.day.into(),
            t.hour.into(),
            t.minute.into(),
            t.second.into(),
        ),
    };
    fatfs::DateTime {
        date: fatfs::Date { year, month, day },
        time: fatfs::Time {
            hour,
            min,
            sec,
            millis: 0,
        },
    }
}

/// Builds a FAT image holding `files` in its root; `label` is at most 11 ASCII characters.
pub fn build(files: &[(&str, &[u8])], label: &str, epoch: i64, volume_id: u32) -> Result<Vec<u8>> {
    if label.is_empty() || label.len() > 11 || !label.is_ascii() {
        bail!("FAT volume label {label:?}: expected 1-11 ASCII characters");
    }
    let mut label_bytes = [b' '; 11];
    label_bytes[..label.len()].copy_from_slice(label.as_bytes());
    let time: &'static FixedTime = Box::leak(Box::new(FixedTime(dos_time(epoch))));
    let needed: usize = files.iter().map(|(_, data)| data.len()).sum();
    let mut size = MIN_SIZE;
    while size < needed + needed / 8 + 64 * 1024 {
        size *= 2;
    }
    while size <= MAX_SIZE {
        match try_build(files, label_bytes, time, volume_id, size) {
            Ok(image) => return Ok(image),
            Err(err) if is_full(&err) => size *= 2,
            Err(err) => return Err(err),
        }
    }
    bail!("the seed files need more than a {MAX_SIZE}-byte FAT image")
}

fn is_full(err: &anyhow::Error) -> bool {
    err.chain().any(|c| c.to_string().contains("No space"))
}

fn try_build(
    files: &[(&str, &[u8])],
    label: [u8; 11],
    time: &'static FixedTime,
    volume_id: u32,
    size: usize,
) -> Result<Vec<u8>> {
    let mut disk = Cursor::new(vec![0u8; size]);
    let options = FormatVolumeOptions::new()
        .volume_label(label)
        .volume_id(volume_id);
    fatfs::format_volume(&mut disk, options).context("cannot format the FAT image")?;
    disk.set_position(0);
    {
        let fs = FileSystem::new(&mut disk, FsOptions::new().time_provider(time))
            .context("cannot open the formatted FAT image")?;
        for (name, data) in files {
            let mut file = fs
                .root_dir()
                .create_file(name)
                .with_context(|| format!("cannot create {name}"))?;
            file.truncate()
                .with_context(|| format!("cannot write {name}"))?;
            file.write_all(data)
                .with_context(|| format!("cannot write {name}"))?;
            file.flush()
                .with_context(|| format!("cannot write {name}"))?;
        }
        fs.unmount().context("cannot close the FAT image")?;
    }
    Ok(disk.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    fn read_back(image: Vec<u8>, name: &str) -> Vec<u8> {
        let fs = FileSystem::new(Cursor::new(image), FsOptions::new()).unwrap();
        let mut out = Vec::new();
        fs.root_dir()
            .open_file(name)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn files_round_trip_and_bytes_repeat() {
        let files: [(&str, &[u8]); 2] = [
            ("user-data", b"#cloud-config\n"),
            ("meta-data", b"instance-id: a\n"),
        ];
        let a = build(&files, "cidata", 0, 1).unwrap();
        assert_eq!(a.len(), MIN_SIZE);
        assert_eq!(a, build(&files, "cidata", 0, 1).unwrap());
        assert_eq!(read_back(a, "user-data"), b"#cloud-config\n");
    }

    #[test]
    fn large_files_grow_the_image() {
        let big = vec![b'x'; 300 * 1024];
        let image = build(&[("user-data", &big)], "cidata", 0, 1).unwrap();
        assert!(image.len() > 300 * 1024);
        assert_eq!(read_back(image, "user-data"), big);
    }

    #[test]
    fn dates_are_clamped_to_the_fat_range() {
        assert_eq!(dos_time(0).date.year, 1980);
        let t = dos_time(1_700_000_000);
        assert_eq!(
            (t.date.year, t.date.month, t.date.day, t.time.hour),
            (2023, 11, 14, 22)
        );
    }

    #[test]
    fn bad_labels_are_refused() {
        assert!(build(&[], "twelve chars", 0, 1).is_err());
    }
}
