//! Reading existing seeds for `lint`: a directory, an ISO 9660 image (Rock Ridge, Joliet or
//! plain names), a FAT image, or OCI launch metadata JSON. Every offset read from an image is
//! bounds-checked: images are untrusted input.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Cursor, Read as _};
use std::path::Path;

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::iso9660::SECTOR;

/// Seed files are small; anything larger is not read whole.
const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The files of a seed as a reader found them, and what the container itself says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedFiles {
    /// What kind of seed: `directory`, `iso9660`, `vfat` or `oci_metadata`.
    pub kind: &'static str,
    /// Files by name (`user-data` …).
    pub files: BTreeMap<String, Vec<u8>>,
    /// The volume label, for images.
    pub label: Option<String>,
    /// True when an ISO image lacks both Rock Ridge and Joliet (Linux then sees `user_dat.`).
    pub short_names_only: bool,
    /// OCI: bytes the metadata takes as compact JSON.
    pub metadata_bytes: Option<usize>,
    /// OCI: the SSH keys, one per line.
    pub ssh_keys: Option<String>,
}

/// The seed file names NoCloud reads.
pub const SEED_NAMES: [&str; 4] = ["user-data", "meta-data", "network-config", "vendor-data"];

/// Reads the seed at `path`, choosing the reader from what the path holds.
pub fn read(path: &Path) -> Result<SeedFiles> {
    if path.is_dir() {
        return read_dir(path);
    }
    let bytes = fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    read_bytes(bytes).with_context(|| format!("{}", path.display()))
}

/// Reads a seed image or OCI metadata held in memory, choosing the reader from its content.
pub fn read_bytes(bytes: Vec<u8>) -> Result<SeedFiles> {
    if is_iso(&bytes) {
        read_iso(&bytes)
    } else if is_fat(&bytes) {
        read_fat(bytes)
    } else if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        read_oci(&bytes)
    } else {
        bail!("not a seed directory, ISO 9660 or FAT image, or OCI metadata JSON")
    }
}

fn read_dir(dir: &Path) -> Result<SeedFiles> {
    let mut seed = SeedFiles {
        kind: "directory",
        ..SeedFiles::default()
    };
    for name in SEED_NAMES {
        let path = dir.join(name);
        if path.exists() {
            let data =
                fs::read(&path).with_context(|| format!("{}: cannot read", path.display()))?;
            seed.files.insert(name.to_string(), data);
        }
    }
    Ok(seed)
}

fn is_iso(bytes: &[u8]) -> bool {
    bytes.get(16 * SECTOR + 1..16 * SECTOR + 6) == Some(b"CD001")
}

fn is_fat(bytes: &[u8]) -> bool {
    let signature = bytes.get(510..512) == Some(&[0x55, 0xAA]);
    let fat1x = bytes.get(54..57) == Some(b"FAT");
    let fat32 = bytes.get(82..85) == Some(b"FAT");
    signature && (fat1x || fat32)
}

/// A directory record's extent, size and name bytes, plus its System Use area.
struct Record<'a> {
    extent: usize,
    size: usize,
    is_dir: bool,
    name: &'a [u8],
    system_use: &'a [u8],
}

fn le32(bytes: &[u8], at: usize) -> Option<usize> {
    let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(b) as usize)
}

fn parse_record(rec: &[u8]) -> Option<Record<'_>> {
    let name_len = *rec.get(32)? as usize;
    let name = rec.get(33..33 + name_len)?;
    let su_start = 33 + name_len + usize::from(name_len % 2 == 0);
    Some(Record {
        extent: le32(rec, 2)?,
        size: le32(rec, 10)?,
        is_dir: rec.get(25)? & 2 != 0,
        name,
        system_use: rec.get(su_start.min(rec.len())..).unwrap_or_default(),
    })
}

/// The records of the directory at `extent`/`size`; records never cross sectors.
fn directory(image: &[u8], extent: usize, size: usize) -> Vec<Record<'_>> {
    let start = extent.saturating_mul(SECTOR);
    let Some(area) = image.get(start..start.saturating_add(size.min(1 << 20))) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut at = 0;
    while at < area.len() {
        let len = area[at] as usize;
        if len == 0 {
            at = (at / SECTOR + 1) * SECTOR;
            continue;
        }
        if len < 34 {
            break;
        }
        match area.get(at..at + len).and_then(parse_record) {
            Some(rec) => out.push(rec),
            None => break,
        }
        at += len;
    }
    out
}

/// System Use areas followed through `CE` entries at most this many times per record.
const MAX_CONTINUATIONS: usize = 16;

/// The Rock Ridge name of a record: its `NM` entries joined (a set CONTINUE flag means the name
/// goes on in the next `NM`), read from the System Use area and from the continuation areas its
/// `CE` entries point to.
fn rock_ridge_name(image: &[u8], system_use: &[u8]) -> Option<String> {
    let mut name = Vec::new();
    let mut found = false;
    let mut area = system_use;
    for _ in 0..=MAX_CONTINUATIONS {
        let mut next = None;
        for entry in susp_entries(area) {
            match &entry[..2] {
                b"NM" if entry.len() >= 5 => {
                    name.extend_from_slice(&entry[5..]);
                    found = true;
                    if entry[4] & 1 == 0 {
                        return Some(String::from_utf8_lossy(&name).into_owned());
                    }
                }
                b"CE" => next = continuation_area(image, entry),
                _ => {}
            }
        }
        match next {
            Some(more) => area = more,
            None => break,
        }
    }
    found.then(|| String::from_utf8_lossy(&name).into_owned())
}

/// The SUSP entries of an area, up to its end, a malformed length or an `ST` terminator.
fn susp_entries(area: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(&len) = area.get(at + 2) {
        let len = usize::from(len);
        let Some(entry) = area.get(at..at + len).filter(|_| len >= 4) else {
            break;
        };
        if &entry[..2] == b"ST" {
            break;
        }
        out.push(entry);
        at += len;
    }
    out
}

/// The area a `CE` entry points to: block, offset and length, within one sector.
fn continuation_area<'a>(image: &'a [u8], entry: &[u8]) -> Option<&'a [u8]> {
    let block = le32(entry, 4)?;
    let offset = le32(entry, 12)?;
    let length = le32(entry, 20)?;
    if offset.checked_add(length)? > SECTOR {
        return None;
    }
    let start = block.checked_mul(SECTOR)?.checked_add(offset)?;
    image.get(start..start + length)
}

/// With an `SP` entry first in the root's `.` record (SUSP in use), the bytes to skip at the
/// start of every other System Use area.
fn susp_skip(system_use: &[u8]) -> Option<usize> {
    let sp = system_use.get(..7)?;
    (&sp[..2] == b"SP" && sp[4..6] == [0xBE, 0xEF]).then_some(usize::from(sp[6]))
}

/// Reads an ISO image's root directory by the names Linux would show.
pub fn read_iso(image: &[u8]) -> Result<SeedFiles> {
    let mut seed = SeedFiles {
        kind: "iso9660",
        ..SeedFiles::default()
    };
    let mut primary_root = None;
    let mut joliet_root = None;
    for sector in 16..64 {
        let Some(d) = image.get(sector * SECTOR..(sector + 1) * SECTOR) else {
            break;
        };
        if &d[1..6] != b"CD001" || d[0] == 255 {
            break;
        }
        let root = (le32(d, 156 + 2), le32(d, 156 + 10));
        match d[0] {
            1 => {
                seed.label = Some(String::from_utf8_lossy(&d[40..72]).trim_end().to_string());
                primary_root = Some(root);
            }
            2 if d[88..90] == *b"%/" && matches!(d[90], b'@' | b'C' | b'E') => {
                joliet_root = Some(root)
            }
            _ => {}
        }
    }
    let Some((Some(extent), Some(size))) = primary_root else {
        bail!("no primary volume descriptor")
    };
    let records = directory(image, extent, size);
    let skip = records.first().and_then(|dot| susp_skip(dot.system_use));
    let listing: Vec<(String, &Record<'_>)> = if let Some(skip) = skip {
        records
            .iter()
            .skip(1)
            .filter_map(|r| {
                let area = r.system_use.get(skip..)?;
                Some((rock_ridge_name(image, area)?, r))
            })
            .collect()
    } else if let Some((Some(j_extent), Some(j_size))) = joliet_root {
        let joliet = directory(image, j_extent, j_size);
        return files_from(
            seed,
            image,
            joliet.iter().map(|r| (joliet_name(r.name), r)).collect(),
        );
    } else {
        seed.short_names_only = true;
        records
            .iter()
            .map(|r| (linux_short_name(r.name), r))
            .collect()
    };
    files_from(seed, image, listing)
}

fn files_from(
    mut seed: SeedFiles,
    image: &[u8],
    listing: Vec<(String, &Record<'_>)>,
) -> Result<SeedFiles> {
    for (name, rec) in listing {
        if rec.is_dir || !SEED_NAMES.contains(&name.as_str()) {
            continue;
        }
        if rec.size > MAX_FILE_BYTES {
            bail!("{name}: {} bytes is too large for a seed file", rec.size);
        }
        let start = rec.extent.saturating_mul(SECTOR);
        let data = image
            .get(start..start.saturating_add(rec.size))
            .with_context(|| format!("{name}: extent past the end of the image"))?;
        seed.files.insert(name, data.to_vec());
    }
    Ok(seed)
}

fn joliet_name(raw: &[u8]) -> String {
    let units: Vec<u16> = raw
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let name = String::from_utf16_lossy(&units);
    name.strip_suffix(";1").unwrap_or(&name).to_string()
}

/// How Linux shows a plain ISO 9660 name: lower case, version dropped (`USER_DAT.;1` →
/// `user_dat.`).
fn linux_short_name(raw: &[u8]) -> String {
    let name = String::from_utf8_lossy(raw).to_ascii_lowercase();
    name.split(';').next().unwrap_or_default().to_string()
}

fn read_fat(image: Vec<u8>) -> Result<SeedFiles> {
    let fs = fatfs::FileSystem::new(Cursor::new(image), fatfs::FsOptions::new())
        .context("not a readable FAT file system")?;
    let label = fs
        .read_volume_label_from_root_dir()
        .ok()
        .flatten()
        .unwrap_or_else(|| fs.volume_label());
    let mut seed = SeedFiles {
        kind: "vfat",
        label: Some(label.trim_end().to_string()),
        ..SeedFiles::default()
    };
    for entry in fs.root_dir().iter() {
        let entry = entry.context("cannot read the FAT root directory")?;
        let name = entry.file_name();
        if !entry.is_file() || !SEED_NAMES.contains(&name.as_str()) {
            continue;
        }
        if entry.len() as usize > MAX_FILE_BYTES {
            bail!("{name}: {} bytes is too large for a seed file", entry.len());
        }
        let mut data = Vec::new();
        entry
            .to_file()
            .read_to_end(&mut data)
            .with_context(|| format!("{name}: cannot read"))?;
        seed.files.insert(name, data);
    }
    Ok(seed)
}

/// Reads OCI metadata: `{"user_data": base64, "ssh_authorized_keys": "..."}`, bare or under
/// `metadata` (as in launch details).
pub fn read_oci(bytes: &[u8]) -> Result<SeedFiles> {
    let value: serde_json::Value = shared::input::parse_json("metadata", bytes)?;
    let metadata = value.get("metadata").unwrap_or(&value);
    let Some(map) = metadata.as_object() else {
        bail!("expected a JSON object of OCI metadata")
    };
    let mut seed = SeedFiles {
        kind: "oci_metadata",
        ..SeedFiles::default()
    };
    seed.metadata_bytes = Some(
        serde_json::to_vec(metadata)
            .map(|v| v.len())
            .unwrap_or_default(),
    );
    if let Some(user_data) = map.get("user_data") {
        let Some(text) = user_data.as_str() else {
            bail!("user_data: expected a base64 string")
        };
        let decoded = STANDARD
            .decode(text.trim())
            .context("user_data: not base64")?;
        seed.files.insert("user-data".to_string(), decoded);
    }
    if let Some(keys) = map.get("ssh_authorized_keys") {
        let Some(text) = keys.as_str() else {
            bail!("ssh_authorized_keys: expected a string")
        };
        seed.ssh_keys = Some(text.to_string());
    }
    Ok(seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso9660::{IsoFile, build};

    #[test]
    fn reads_back_our_iso() {
        let files = [
            IsoFile {
                name: "user-data",
                data: b"#cloud-config\n",
            },
            IsoFile {
                name: "meta-data",
                data: b"x",
            },
        ];
        let seed = read_iso(&build(&files, "cidata", 0).unwrap()).unwrap();
        assert_eq!(seed.label.as_deref(), Some("cidata"));
        assert_eq!(seed.files["user-data"], b"#cloud-config\n");
        assert!(!seed.short_names_only);
    }

    #[test]
    fn truncated_or_garbled_images_do_not_panic() {
        let files = [IsoFile {
            name: "user-data",
            data: b"#cloud-config\n",
        }];
        let image = build(&files, "cidata", 0).unwrap();
        for cut in [16 * SECTOR + 10, 17 * SECTOR, 28 * SECTOR + 50, 31 * SECTOR] {
            let _ = read_iso(&image[..cut]);
        }
        let mut garbled = image.clone();
        garbled[28 * SECTOR + 2..28 * SECTOR + 6].copy_from_slice(&[0xff; 4]);
        let _ = read_iso(&garbled);
    }

    #[test]
    fn garbled_fat_images_do_not_panic() {
        let image =
            crate::vfat::build(&[("user-data", b"#cloud-config\n")], "cidata", 0, 7).unwrap();
        assert_eq!(
            read_bytes(image.clone()).unwrap().files["user-data"],
            b"#cloud-config\n"
        );
        for at in (0..64)
            .chain(510..512)
            .chain([512, 513, 514, 1024, 1536, 2048, 2049, 4096])
        {
            for value in [0x00, 0x01, 0x7f, 0xff] {
                let mut garbled = image.clone();
                garbled[at] = value;
                let _ = read_bytes(garbled);
            }
        }
        let _ = read_bytes(image[..600].to_vec());
    }

    /// A SUSP entry: signature, length, version 1, payload.
    fn entry(signature: &[u8; 2], payload: &[u8]) -> Vec<u8> {
        let mut out = signature.to_vec();
        out.extend([4 + payload.len() as u8, 1]);
        out.extend_from_slice(payload);
        out
    }

    fn nm(flags: u8, name: &str) -> Vec<u8> {
        entry(b"NM", &[&[flags], name.as_bytes()].concat())
    }

    /// A `CE` entry pointing at `block`/`offset`/`length`, each both-endian.
    fn ce(block: u32, offset: u32, length: u32) -> Vec<u8> {
        let both = |v: u32| [v.to_le_bytes(), v.to_be_bytes()].concat();
        entry(b"CE", &[both(block), both(offset), both(length)].concat())
    }

    fn image_with(area_at: usize, area: &[u8]) -> Vec<u8> {
        let mut image = vec![0u8; 4 * SECTOR];
        image[area_at..area_at + area.len()].copy_from_slice(area);
        image
    }

    #[test]
    fn rock_ridge_names_follow_continuation_areas() {
        let far = [entry(b"PX", &[0; 32]), nm(0, "user-data")].concat();
        let image = image_with(2 * SECTOR + 100, &far);
        let inline = [entry(b"RR", &[0x89]), ce(2, 100, far.len() as u32)].concat();
        assert_eq!(
            rock_ridge_name(&image, &inline).as_deref(),
            Some("user-data")
        );

        let rest = nm(0, "-data");
        let image = image_with(3 * SECTOR, &rest);
        let split = [nm(1, "user"), ce(3, 0, rest.len() as u32)].concat();
        assert_eq!(
            rock_ridge_name(&image, &split).as_deref(),
            Some("user-data")
        );

        let inline_first = [nm(0, "meta-data"), ce(3, 0, rest.len() as u32)].concat();
        assert_eq!(
            rock_ridge_name(&image, &inline_first).as_deref(),
            Some("meta-data")
        );
    }

    #[test]
    fn malformed_continuations_end_the_search() {
        let looping = ce(1, 0, 28);
        let image = image_with(SECTOR, &looping);
        assert_eq!(rock_ridge_name(&image, &looping), None);
        let mut unfinished = nm(1, "user");
        unfinished.extend(ce(1, 0, unfinished.len() as u32 + 28));
        let image = image_with(SECTOR, &unfinished);
        let name = rock_ridge_name(&image, &unfinished).unwrap();
        assert_eq!(name, "user".repeat(MAX_CONTINUATIONS + 1));
        let image = vec![0u8; 4 * SECTOR];
        for bad in [
            ce(9, 0, 10),
            ce(1, 2040, 10),
            ce(u32::MAX, 0, 10),
            ce(1, 0, u32::MAX),
        ] {
            assert_eq!(rock_ridge_name(&image, &bad), None);
        }
        assert_eq!(rock_ridge_name(&image, &[b'N', b'M', 2, 1]), None);
        assert_eq!(
            rock_ridge_name(&image, &[b'N', b'M', 200, 1, 0, b'a']),
            None
        );
        let stopped = [entry(b"ST", &[]), nm(0, "user-data")].concat();
        assert_eq!(rock_ridge_name(&image, &stopped), None);
        assert_eq!(rock_ridge_name(&image, &entry(b"CE", &[1])), None);
    }

    #[test]
    fn short_names_map_as_linux_shows_them() {
        assert_eq!(linux_short_name(b"USER_DAT.;1"), "user_dat.");
        assert_eq!(joliet_name(&[0, b'a', 0, b';', 0, b'1']), "a");
    }

    #[test]
    fn oci_metadata_is_decoded() {
        let seed = read_oci(
            br#"{"metadata": {"user_data": "I2Nsb3VkLWNvbmZpZwo=", "ssh_authorized_keys": "k"}}"#,
        )
        .unwrap();
        assert_eq!(seed.files["user-data"], b"#cloud-config\n");
        assert_eq!(seed.ssh_keys.as_deref(), Some("k"));
        assert!(read_oci(br#"{"user_data": "!!"}"#).is_err());
        assert!(read_oci(b"[1]").is_err());
    }
}
