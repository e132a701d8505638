//! Backing chains: each image's backing file, resolved against the image's directory, opened
//! in turn until a layer has none, with loops and runaway depth refused.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::disk::Disk;
use crate::image::{self, Image};

/// Deepest chain followed before giving up.
pub const MAX_DEPTH: usize = 256;

/// One layer of a chain: its path (as resolved) and the opened image.
#[derive(Debug)]
pub struct Layer {
    /// Path of the layer, the top one as given.
    pub path: PathBuf,
    /// The opened image.
    pub image: Image,
}

/// Opens every layer below `top` (already opened from `top_path`), top first.
pub fn open(top_path: &Path, top: Image) -> Result<Vec<Layer>> {
    let mut seen = HashSet::new();
    seen.insert(canonical(top_path)?);
    let mut layers = vec![Layer {
        path: top_path.to_path_buf(),
        image: top,
    }];
    while let Some(next) = backing_of(&layers[layers.len() - 1])? {
        if layers.len() >= MAX_DEPTH {
            bail!("backing chain deeper than {MAX_DEPTH} layers");
        }
        let (path, format) = next;
        let key = canonical(&path).with_context(|| {
            format!(
                "cannot open backing file {} of {}",
                path.display(),
                layers[layers.len() - 1].path.display()
            )
        })?;
        if !seen.insert(key) {
            bail!(
                "backing chain loops: {} is already a layer above {}",
                path.display(),
                layers[layers.len() - 1].path.display()
            );
        }
        let image = open_layer(&path, format.as_deref())
            .with_context(|| format!("backing file {}", path.display()))?;
        layers.push(Layer { path, image });
    }
    Ok(layers)
}

/// The backing file of a layer, resolved, with its recorded format.
fn backing_of(layer: &Layer) -> Result<Option<(PathBuf, Option<String>)>> {
    let Image::Qcow2(q) = &layer.image else {
        return Ok(None);
    };
    let Some(name) = &q.extensions.backing_file else {
        return Ok(None);
    };
    Ok(Some((
        resolve(&layer.path, name),
        q.extensions.backing_format.clone(),
    )))
}

/// A backing name as QEMU resolves it: absolute as is, relative to the image's directory.
pub fn resolve(image: &Path, name: &str) -> PathBuf {
    let name = Path::new(name);
    if name.is_absolute() {
        return name.to_path_buf();
    }
    image
        .parent()
        .map_or_else(|| name.to_path_buf(), |dir| dir.join(name))
}

/// Opens a layer; a recorded format of `raw` is taken at its word, anything else is probed.
fn open_layer(path: &Path, format: Option<&str>) -> Result<Image> {
    if format == Some("raw") {
        return Ok(Image::Raw(Disk::open(path)?));
    }
    image::open(path)
}

/// The canonical form of a path, to recognise a layer met twice.
fn canonical(path: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(path).context("cannot open")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_against_the_image_directory() {
        assert_eq!(
            resolve(Path::new("a/b/top.qcow2"), "base.qcow2"),
            PathBuf::from("a/b/base.qcow2")
        );
        assert_eq!(
            resolve(Path::new("top.qcow2"), "../base"),
            PathBuf::from("../base")
        );
        assert_eq!(
            resolve(Path::new("a/top"), "/abs/base"),
            PathBuf::from("/abs/base")
        );
    }
}
