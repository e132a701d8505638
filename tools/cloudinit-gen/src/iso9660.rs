//! A deterministic ISO 9660 writer for NoCloud seeds: one root directory of a few files, with
//! Joliet (UCS-2 level 3) and Rock Ridge (SUSP `SP`/`CE`, RRIP `RR`/`NM`/`PX`/`TF`/`ER`) names,
//! laid out as `genisoimage -joliet -rock` lays it out, every timestamp from one fixed date.

use anyhow::{Result, bail};

use crate::timestamp::DateTime;

/// Bytes in one logical sector.
pub const SECTOR: usize = 2048;
/// Sector of the primary volume descriptor (the first 16 are the system area).
const PVD_SECTOR: usize = 16;
/// Sectors for the four path tables (ISO and Joliet, L and M), two each.
const PATH_TABLES_AT: usize = 20;
/// First sector of the ISO root directory.
const ROOT_AT: usize = 28;
/// Zero sectors at the end, as genisoimage writes them for read-ahead past the last file.
const TAIL_PADDING: usize = 150;

/// `ER` texts identifying the Rock Ridge extension (RRIP 1.10).
const ER_ID: &[u8] = b"RRIP_1991A";
const ER_DESCRIPTOR: &[u8] =
    b"THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
const ER_SOURCE: &[u8] = b"PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.";

/// Directory mode 040555 and file mode 0100644 in Rock Ridge `PX` entries.
const DIR_MODE: u32 = 0o40555;
const FILE_MODE: u32 = 0o100644;

/// A file of the image's root directory.
#[derive(Debug, Clone, Copy)]
pub struct IsoFile<'a> {
    /// The real (Rock Ridge and Joliet) name.
    pub name: &'a str,
    /// The content.
    pub data: &'a [u8],
}

/// A file with its three names and its place in the image.
struct Placed<'a> {
    file: IsoFile<'a>,
    iso_name: Vec<u8>,
    joliet_name: Vec<u8>,
    extent: usize,
}

/// Builds the image. `label` is the volume id (`cidata`), `epoch` the timestamp of everything.
pub fn build(files: &[IsoFile<'_>], label: &str, epoch: i64) -> Result<Vec<u8>> {
    if label.is_empty() || label.len() > 16 || !label.is_ascii() {
        bail!("ISO volume label {label:?}: expected 1-16 ASCII characters");
    }
    let date = DateTime::from_epoch(epoch);
    let mut placed = place_names(files)?;
    let iso_root_size = directory_size(&iso_records(&placed, 0, 0, 0, &date));
    let joliet_root_at = ROOT_AT + sectors(iso_root_size);
    let joliet_root_size = directory_size(&joliet_records(&placed, 0, 0, &date));
    let ce_at = joliet_root_at + sectors(joliet_root_size);
    let mut next = ce_at + 1;
    for p in &mut placed {
        p.extent = next;
        next += sectors(p.file.data.len());
    }
    let total = next + TAIL_PADDING;
    let mut image = vec![0u8; total * SECTOR];

    let iso_root = iso_records(&placed, ROOT_AT, iso_root_size, ce_at, &date);
    let joliet_root = joliet_records(&placed, joliet_root_at, joliet_root_size, &date);
    write_directory(&mut image, ROOT_AT, &iso_root);
    write_directory(&mut image, joliet_root_at, &joliet_root);
    put(&mut image, ce_at * SECTOR, &er_entry());
    for p in &placed {
        put(&mut image, p.extent * SECTOR, p.file.data);
    }
    let volume = Volume { label, total, date };
    put(
        &mut image,
        PVD_SECTOR * SECTOR,
        &volume.descriptor(false, ROOT_AT, iso_root_size),
    );
    put(
        &mut image,
        (PVD_SECTOR + 1) * SECTOR,
        &volume.descriptor(true, joliet_root_at, joliet_root_size),
    );
    put(&mut image, (PVD_SECTOR + 2) * SECTOR, &terminator());
    for (i, root) in [ROOT_AT, ROOT_AT, joliet_root_at, joliet_root_at]
        .into_iter()
        .enumerate()
    {
        let table = path_table(root, i % 2 == 1);
        put(&mut image, (PATH_TABLES_AT + 2 * i) * SECTOR, &table);
    }
    Ok(image)
}

/// Gives each file its ISO level-1 and Joliet names, sorted as directories must be.
fn place_names<'a>(files: &[IsoFile<'a>]) -> Result<Vec<Placed<'a>>> {
    let mut placed = Vec::new();
    for file in files {
        if file.name.is_empty() || file.name.chars().count() > 64 || file.name.contains(['/', '\0'])
        {
            bail!(
                "ISO file name {:?}: expected 1-64 characters without '/'",
                file.name
            );
        }
        let joliet_name: Vec<u8> = file
            .name
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        placed.push(Placed {
            file: *file,
            iso_name: iso_level1_name(file.name),
            joliet_name,
            extent: 0,
        });
    }
    placed.sort_by(|a, b| a.iso_name.cmp(&b.iso_name));
    if placed.windows(2).any(|w| w[0].iso_name == w[1].iso_name) {
        bail!("two files map to the same ISO 9660 name");
    }
    Ok(placed)
}

/// The 8.3 upper-case name with version `;1` (`meta-data` → `META_DAT.;1`).
pub fn iso_level1_name(name: &str) -> Vec<u8> {
    let (base, ext) = match name.rfind('.') {
        Some(dot) if dot > 0 => (&name[..dot], &name[dot + 1..]),
        _ => (name, ""),
    };
    let map = |s: &str, n: usize| -> Vec<u8> {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    b.to_ascii_uppercase()
                } else {
                    b'_'
                }
            })
            .take(n)
            .collect()
    };
    let mut out = map(base, 8);
    out.push(b'.');
    out.extend(map(ext, 3));
    out.extend_from_slice(b";1");
    out
}

fn sectors(bytes: usize) -> usize {
    bytes.div_ceil(SECTOR)
}

fn put(image: &mut [u8], offset: usize, bytes: &[u8]) {
    image[offset..offset + bytes.len()].copy_from_slice(bytes);
}

fn both16(value: u16) -> [u8; 4] {
    let (le, be) = (value.to_le_bytes(), value.to_be_bytes());
    [le[0], le[1], be[0], be[1]]
}

fn both32(value: u32) -> [u8; 8] {
    let (le, be) = (value.to_le_bytes(), value.to_be_bytes());
    [le[0], le[1], le[2], le[3], be[0], be[1], be[2], be[3]]
}

fn u32_of(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The 7-byte date of a directory record.
fn record_date(date: &DateTime) -> [u8; 7] {
    let year = u8::try_from(date.year - 1900).unwrap_or(u8::MAX);
    [
        year,
        date.month,
        date.day,
        date.hour,
        date.minute,
        date.second,
        0,
    ]
}

/// The 17-byte date of a volume descriptor (`YYYYMMDDHHMMSScc` and a zero offset).
fn volume_date(date: &DateTime) -> [u8; 17] {
    let text = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}00",
        date.year, date.month, date.day, date.hour, date.minute, date.second
    );
    let mut out = [0u8; 17];
    out[..16].copy_from_slice(&text.as_bytes()[..16]);
    out
}

/// One directory record: extent, size, flags, name and System Use entries, padded to even.
fn dir_record(
    extent: usize,
    size: usize,
    is_dir: bool,
    name: &[u8],
    system_use: &[u8],
    date: &DateTime,
) -> Vec<u8> {
    let mut rec = vec![0u8; 33];
    rec.extend_from_slice(name);
    if name.len() % 2 == 0 {
        rec.push(0);
    }
    rec.extend_from_slice(system_use);
    if rec.len() % 2 == 1 {
        rec.push(0);
    }
    rec[0] = u8::try_from(rec.len()).unwrap_or(u8::MAX);
    rec[2..10].copy_from_slice(&both32(u32_of(extent)));
    rec[10..18].copy_from_slice(&both32(u32_of(size)));
    rec[18..25].copy_from_slice(&record_date(date));
    rec[25] = if is_dir { 2 } else { 0 };
    rec[28..32].copy_from_slice(&both16(1));
    rec[32] = u8::try_from(name.len()).unwrap_or(u8::MAX);
    rec
}

/// A SUSP entry: signature, length, version 1, payload.
fn susp(signature: &[u8; 2], payload: &[u8]) -> Vec<u8> {
    let mut entry = signature.to_vec();
    entry.push(u8::try_from(4 + payload.len()).unwrap_or(u8::MAX));
    entry.push(1);
    entry.extend_from_slice(payload);
    entry
}

fn rr_entries(
    mode: u32,
    links: u32,
    rr_flags: u8,
    name: Option<&[u8]>,
    date: &DateTime,
) -> Vec<u8> {
    let mut out = susp(b"RR", &[rr_flags]);
    if let Some(name) = name {
        let mut payload = vec![0u8];
        payload.extend_from_slice(name);
        out.extend(susp(b"NM", &payload));
    }
    let mut px = Vec::new();
    for value in [mode, links, 0, 0] {
        px.extend_from_slice(&both32(value));
    }
    out.extend(susp(b"PX", &px));
    let stamp = record_date(date);
    let mut tf = vec![0x0E];
    for _ in 0..3 {
        tf.extend_from_slice(&stamp);
    }
    out.extend(susp(b"TF", &tf));
    out
}

fn er_entry() -> Vec<u8> {
    let mut payload = vec![
        ER_ID.len() as u8,
        ER_DESCRIPTOR.len() as u8,
        ER_SOURCE.len() as u8,
        1,
    ];
    payload.extend_from_slice(ER_ID);
    payload.extend_from_slice(ER_DESCRIPTOR);
    payload.extend_from_slice(ER_SOURCE);
    susp(b"ER", &payload)
}

/// The ISO root's records; `root`/`size` are its own extent and size, `ce_at` the sector of
/// the Rock Ridge continuation area.
fn iso_records(
    placed: &[Placed<'_>],
    root: usize,
    size: usize,
    ce_at: usize,
    date: &DateTime,
) -> Vec<Vec<u8>> {
    let mut dot_su = susp(b"SP", &[0xBE, 0xEF, 0]);
    dot_su.extend(rr_entries(DIR_MODE, 2, 0x81, None, date));
    let mut ce = both32(u32_of(ce_at)).to_vec();
    ce.extend_from_slice(&both32(0));
    ce.extend_from_slice(&both32(u32_of(er_entry().len())));
    dot_su.extend(susp(b"CE", &ce));
    let mut records = vec![
        dir_record(root, size, true, &[0], &dot_su, date),
        dir_record(
            root,
            size,
            true,
            &[1],
            &rr_entries(DIR_MODE, 2, 0x81, None, date),
            date,
        ),
    ];
    for p in placed {
        let su = rr_entries(FILE_MODE, 1, 0x89, Some(p.file.name.as_bytes()), date);
        records.push(dir_record(
            p.extent,
            p.file.data.len(),
            false,
            &p.iso_name,
            &su,
            date,
        ));
    }
    records
}

/// The Joliet root's records, in UCS-2 name order.
fn joliet_records(
    placed: &[Placed<'_>],
    root: usize,
    size: usize,
    date: &DateTime,
) -> Vec<Vec<u8>> {
    let mut records = vec![
        dir_record(root, size, true, &[0], &[], date),
        dir_record(root, size, true, &[1], &[], date),
    ];
    let mut by_name: Vec<&Placed<'_>> = placed.iter().collect();
    by_name.sort_by(|a, b| a.joliet_name.cmp(&b.joliet_name));
    for p in by_name {
        records.push(dir_record(
            p.extent,
            p.file.data.len(),
            false,
            &p.joliet_name,
            &[],
            date,
        ));
    }
    records
}

/// Bytes a directory takes: records never cross a sector boundary.
fn directory_size(records: &[Vec<u8>]) -> usize {
    let mut offset = 0;
    for rec in records {
        if offset % SECTOR + rec.len() > SECTOR {
            offset = offset.next_multiple_of(SECTOR);
        }
        offset += rec.len();
    }
    offset.next_multiple_of(SECTOR)
}

fn write_directory(image: &mut [u8], at: usize, records: &[Vec<u8>]) {
    let mut offset = 0;
    for rec in records {
        if offset % SECTOR + rec.len() > SECTOR {
            offset = offset.next_multiple_of(SECTOR);
        }
        put(image, at * SECTOR + offset, rec);
        offset += rec.len();
    }
}

/// A path table with the root alone; `big_endian` selects the M table.
fn path_table(root: usize, big_endian: bool) -> [u8; 10] {
    let extent = u32_of(root);
    let bytes = if big_endian {
        extent.to_be_bytes()
    } else {
        extent.to_le_bytes()
    };
    let parent = if big_endian {
        1u16.to_be_bytes()
    } else {
        1u16.to_le_bytes()
    };
    [
        1, 0, bytes[0], bytes[1], bytes[2], bytes[3], parent[0], parent[1], 0, 0,
    ]
}

fn terminator() -> Vec<u8> {
    let mut d = vec![0u8; SECTOR];
    d[0] = 255;
    d[1..6].copy_from_slice(b"CD001");
    d[6] = 1;
    d
}

/// What the primary and the Joliet descriptor share.
struct Volume<'a> {
    label: &'a str,
    total: usize,
    date: DateTime,
}

impl Volume<'_> {
    /// The primary (`joliet` false) or Joliet supplementary volume descriptor.
    fn descriptor(&self, joliet: bool, root: usize, root_size: usize) -> Vec<u8> {
        let mut d = vec![0u8; SECTOR];
        d[0] = if joliet { 2 } else { 1 };
        d[1..6].copy_from_slice(b"CD001");
        d[6] = 1;
        let text = |d: &mut [u8], at: usize, len: usize, value: &str| {
            let field = if joliet {
                ucs2_field(value, len)
            } else {
                ascii_field(value, len)
            };
            d[at..at + len].copy_from_slice(&field);
        };
        text(&mut d, 8, 32, "LINUX");
        text(&mut d, 40, 32, self.label);
        d[80..88].copy_from_slice(&both32(u32_of(self.total)));
        if joliet {
            d[88..91].copy_from_slice(b"%/E");
        }
        d[120..124].copy_from_slice(&both16(1));
        d[124..128].copy_from_slice(&both16(1));
        d[128..132].copy_from_slice(&both16(SECTOR as u16));
        d[132..140].copy_from_slice(&both32(10));
        let tables = PATH_TABLES_AT + if joliet { 4 } else { 0 };
        d[140..144].copy_from_slice(&u32_of(tables).to_le_bytes());
        d[148..152].copy_from_slice(&u32_of(tables + 2).to_be_bytes());
        let root_record = dir_record(root, root_size, true, &[0], &[], &self.date);
        d[156..190].copy_from_slice(&root_record);
        for (at, len) in [
            (190, 128),
            (318, 128),
            (446, 128),
            (702, 37),
            (739, 37),
            (776, 37),
        ] {
            text(&mut d, at, len, "");
        }
        text(&mut d, 574, 128, "CLOUDINIT-GEN");
        let date = volume_date(&self.date);
        d[813..830].copy_from_slice(&date);
        d[830..847].copy_from_slice(&date);
        d[847..863].copy_from_slice(b"0000000000000000");
        d[864..880].copy_from_slice(b"0000000000000000");
        d[881] = 1;
        d
    }
}

fn ascii_field(value: &str, len: usize) -> Vec<u8> {
    let mut field = vec![b' '; len];
    let bytes = value.as_bytes();
    field[..bytes.len().min(len)].copy_from_slice(&bytes[..bytes.len().min(len)]);
    field
}

fn ucs2_field(value: &str, len: usize) -> Vec<u8> {
    let mut field: Vec<u8> = value
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .take(len)
        .collect();
    while field.len() + 1 < len {
        field.extend_from_slice(&[0, b' ']);
    }
    field.resize(len, 0);
    field
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Vec<u8> {
        let files = [
            IsoFile {
                name: "user-data",
                data: b"#cloud-config\n",
            },
            IsoFile {
                name: "meta-data",
                data: b"instance-id: a\n",
            },
            IsoFile {
                name: "network-config",
                data: b"version: 1\n",
            },
        ];
        build(&files, "cidata", 0).unwrap()
    }

    #[test]
    fn names_follow_genisoimage() {
        assert_eq!(iso_level1_name("meta-data"), b"META_DAT.;1");
        assert_eq!(iso_level1_name("network-config"), b"NETWORK_.;1");
        assert_eq!(iso_level1_name("setup.sh"), b"SETUP.SH;1");
    }

    #[test]
    fn layout_matches_the_cloud_localds_map() {
        let image = seed();
        assert_eq!(image.len() % SECTOR, 0);
        assert_eq!(&image[16 * SECTOR..16 * SECTOR + 6], b"\x01CD001");
        assert_eq!(&image[17 * SECTOR + 88..17 * SECTOR + 91], b"%/E");
        assert_eq!(image[18 * SECTOR], 255);
        assert_eq!(&image[16 * SECTOR + 40..16 * SECTOR + 46], b"cidata");
        let root = &image[28 * SECTOR..];
        assert_eq!(
            root[0], 136,
            "the root's '.' record has SP, RR, PX, TF and CE"
        );
        assert_eq!(&root[34..36], b"SP");
        assert_eq!(&image[30 * SECTOR..30 * SECTOR + 2], b"ER");
        assert_eq!(
            &image[31 * SECTOR..31 * SECTOR + 11],
            b"instance-id",
            "META_DAT comes first"
        );
        assert_eq!(image.len() / SECTOR, 34 + TAIL_PADDING);
    }

    #[test]
    fn same_input_same_bytes_and_dates_come_from_the_epoch() {
        assert_eq!(seed(), seed());
        let files = [IsoFile {
            name: "user-data",
            data: b"x",
        }];
        let a = build(&files, "cidata", 0).unwrap();
        let b = build(&files, "cidata", 1_700_000_000).unwrap();
        assert_ne!(a, b);
        assert_eq!(&b[16 * SECTOR + 813..16 * SECTOR + 827], b"20231114221320");
    }

    #[test]
    fn bad_names_and_labels_are_refused() {
        assert!(
            build(
                &[IsoFile {
                    name: "a/b",
                    data: b""
                }],
                "cidata",
                0
            )
            .is_err()
        );
        assert!(build(&[], "", 0).is_err());
        let twins = [
            IsoFile {
                name: "a-b",
                data: b"",
            },
            IsoFile {
                name: "a_b",
                data: b"",
            },
        ];
        assert!(build(&twins, "cidata", 0).is_err());
    }
}
