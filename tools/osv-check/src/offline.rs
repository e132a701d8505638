//! The offline database: OSV records read from `<dir>/<Ecosystem>/all.zip` archives (the
//! export's layout) and from `*.json` files at any depth, indexed by package.

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use shared::input::parse_json;

use crate::index_cache::{self, ArchiveIndex};
use crate::osv::{AffectedPackage, Vulnerability};
use crate::package::{Package, normalize_name};

/// A package key: (ecosystem without suffix, normalised name).
pub type Key = (String, String);

/// Records indexed by package key. Only records naming a wanted package are kept in full;
/// the others are checked for shape and counted, so memory follows the scan, not the
/// database.
#[derive(Debug, Default)]
pub struct Database {
    records: Vec<Arc<Vulnerability>>,
    by_package: HashMap<Key, Vec<usize>>,
    ecosystems: HashSet<String>,
    wanted: Option<HashSet<Key>>,
    seen: usize,
}

/// The first look at a record: enough to index it and to skip what no package needs.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "id")]
    _id: String,
    #[serde(default)]
    withdrawn: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    affected: Vec<HeadAffected>,
}

#[derive(Deserialize)]
struct HeadAffected {
    #[serde(default)]
    package: Option<AffectedPackage>,
}

/// The key of a package as a record names it.
pub fn key(ecosystem: &str, name: &str) -> Key {
    let base = ecosystem.split(':').next().unwrap_or("").to_string();
    let name = normalize_name(&base, name);
    (base, name)
}

impl Database {
    /// Loads the records under `dir` that name one of the `wanted` packages (all of them
    /// with `None`). An unreadable or invalid file, or a directory with no records at all,
    /// is an error: an empty database must not look like a clean result.
    pub fn load(dir: &Path, wanted: Option<HashSet<Key>>) -> Result<Database> {
        let mut files = Vec::new();
        collect_files(dir, &mut files)
            .with_context(|| format!("{}: cannot read the offline database", dir.display()))?;
        files.sort();
        let mut db = Database {
            wanted,
            ..Database::default()
        };
        for file in files {
            db.load_file(&file)?;
        }
        if db.seen == 0 {
            bail!(
                "{}: no OSV records (*.json or all.zip) found in the offline database",
                dir.display()
            );
        }
        Ok(db)
    }

    fn load_file(&mut self, path: &Path) -> Result<()> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).with_context(|| format!("{name}: cannot read"))?;
        if name.ends_with(".zip") {
            self.load_archive(&name, &bytes)
        } else {
            self.add_bytes(&name, &bytes).map(|_| ())
        }
    }

    /// Reads an archive, through its cached index when there is one.
    fn load_archive(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
            .with_context(|| format!("{name}: not a valid zip archive"))?;
        let key = index_cache::content_key(bytes);
        if let (Some(index), Some(wanted)) = (index_cache::load(&key), self.wanted.clone()) {
            self.seen += index.records;
            self.ecosystems.extend(index.ecosystems);
            for (position, keys) in &index.entries {
                if keys.iter().any(|k| wanted.contains(k)) {
                    let (entry_name, bytes) = read_entry(&mut archive, name, *position)?;
                    self.index_record(parse_json(&entry_name, &bytes)?);
                }
            }
            return Ok(());
        }
        let mut index = ArchiveIndex::new();
        let mut ecosystems = HashSet::new();
        for position in 0..archive.len() {
            let (entry_name, bytes) = read_entry(&mut archive, name, position)?;
            if !entry_name.ends_with(".json") {
                continue;
            }
            index.records += 1;
            let (keys, withdrawn) = self.add_bytes(&entry_name, &bytes)?;
            ecosystems.extend(keys.iter().map(|(base, _)| base.clone()));
            if !withdrawn {
                index.entries.push((position, keys));
            }
        }
        index.ecosystems = ecosystems.into_iter().collect();
        index.ecosystems.sort();
        index_cache::store(&key, &index);
        Ok(())
    }

    /// Reads one record's JSON, keeping it in full only when a wanted package is named.
    /// Returns the keys the record names, and whether it is withdrawn, for the archive index.
    fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(Vec<Key>, bool)> {
        let head: Head = parse_json(name, bytes)?;
        self.seen += 1;
        let keys: Vec<Key> = head
            .affected
            .iter()
            .filter_map(|a| a.package.as_ref())
            .map(|p| key(&p.ecosystem, &p.name))
            .collect();
        for (base, _) in &keys {
            if !self.ecosystems.contains(base) {
                self.ecosystems.insert(base.clone());
            }
        }
        if head.withdrawn.is_some() {
            return Ok((keys, true));
        }
        let needed = self
            .wanted
            .as_ref()
            .is_none_or(|wanted| keys.iter().any(|k| wanted.contains(k)));
        if needed {
            self.index_record(parse_json(name, bytes)?);
        }
        Ok((keys, false))
    }

    /// Adds one record to the index; withdrawn records are left out.
    pub fn add(&mut self, record: Vulnerability) {
        self.seen += 1;
        self.index_record(record);
    }

    fn index_record(&mut self, record: Vulnerability) {
        if record.withdrawn.is_some() {
            return;
        }
        let index = self.records.len();
        let mut keys = HashSet::new();
        for affected in &record.affected {
            if let Some(package) = &affected.package {
                let k = key(&package.ecosystem, &package.name);
                self.ecosystems.insert(k.0.clone());
                keys.insert(k);
            }
        }
        for k in keys {
            self.by_package.entry(k).or_default().push(index);
        }
        self.records.push(Arc::new(record));
    }

    /// The records that name the package (to be evaluated by the matcher).
    pub fn candidates(&self, package: &Package) -> impl Iterator<Item = &Arc<Vulnerability>> {
        let key = (package.ecosystem.base().to_string(), package.key_name());
        self.by_package
            .get(&key)
            .into_iter()
            .flatten()
            .map(|&i| &self.records[i])
    }

    /// True when the database holds records for the ecosystem; a package of an ecosystem
    /// the database does not cover cannot be called clean.
    pub fn covers(&self, ecosystem_base: &str) -> bool {
        self.ecosystems.contains(ecosystem_base)
    }

    /// The number of records kept in full (withdrawn and unwanted ones excluded).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when no record was kept.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The number of records read, kept or not.
    pub fn seen(&self) -> usize {
        self.seen
    }
}

/// The name (`<archive>!<entry>`) and bytes of one archive entry.
fn read_entry(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    position: usize,
) -> Result<(String, Vec<u8>)> {
    let mut entry = archive
        .by_index(position)
        .with_context(|| format!("{name}: entry {position}"))?;
    let entry_name = format!("{name}!{}", entry.name());
    let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0).min(1 << 24));
    entry
        .read_to_end(&mut bytes)
        .with_context(|| format!("{entry_name}: cannot read"))?;
    Ok((entry_name, bytes))
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json" || e == "zip") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;
    use std::io::Write;

    const RECORD: &str = r#"{"id":"x_T-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"Foo_Bar"},"versions":["1.0"]}]}"#;

    #[test]
    fn loads_json_files_and_zips() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/b/x_T-1.json"), RECORD).unwrap();
        let zip_path = dir.path().join("PyPI/all.zip");
        std::fs::create_dir_all(zip_path.parent().unwrap()).unwrap();
        let mut zip = zip::ZipWriter::new(File::create(&zip_path).unwrap());
        zip.start_file("x_T-2.json", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(RECORD.replace("x_T-1", "x_T-2").as_bytes())
            .unwrap();
        zip.finish().unwrap();
        let db = Database::load(dir.path(), None).unwrap();
        assert_eq!(db.len(), 2);
        let none = Database::load(dir.path(), Some(HashSet::new())).unwrap();
        assert_eq!((none.len(), none.seen()), (0, 2));
        assert!(none.covers("PyPI"));
        let p = Package::new("PyPI", "foo-bar", "1.0", "t");
        assert_eq!(db.candidates(&p).count(), 2);
        assert!(db.covers("PyPI"));
        assert!(!db.covers("npm"));
    }

    #[test]
    fn bad_databases_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = Database::load(dir.path(), None).unwrap_err().to_string();
        assert!(err.contains("no OSV records"), "{err}");
        std::fs::write(dir.path().join("bad.json"), "{\"id\": 1}").unwrap();
        let err = format!("{:#}", Database::load(dir.path(), None).unwrap_err());
        assert!(err.contains("bad.json:1:"), "{err}");
        std::fs::remove_file(dir.path().join("bad.json")).unwrap();
        std::fs::write(dir.path().join("all.zip"), "not a zip").unwrap();
        let err = format!("{:#}", Database::load(dir.path(), None).unwrap_err());
        assert!(err.contains("not a valid zip"), "{err}");
        assert!(Database::load(&dir.path().join("missing"), None).is_err());
    }
}
