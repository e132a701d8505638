//! Proxmox VE `cicustom` snippets: one file per seed file, named for the machine, and the
//! `qm set --cicustom` value that points the VM at them.

use anyhow::{Result, bail};

use crate::seed::Seed;

/// Proxmox reads a snippet with this cap; a larger one is cut off.
pub const SNIPPET_LIMIT_BYTES: usize = 1024 * 1024;

/// A snippet to write: its file name and the seed file it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet<'a> {
    /// The `cicustom` key: `user`, `network` or `meta`.
    pub key: &'static str,
    /// The seed file's name (`user-data` …).
    pub name: &'static str,
    /// The file name in the snippets directory.
    pub file_name: String,
    /// The content.
    pub content: &'a str,
}

/// The snippets of a seed, refusing any over Proxmox's cap.
pub fn snippets(seed: &Seed) -> Result<Vec<Snippet<'_>>> {
    let mut out = Vec::new();
    for file in &seed.files {
        let key = match file.name {
            "user-data" => "user",
            "network-config" => "network",
            _ => "meta",
        };
        if file.content.len() > SNIPPET_LIMIT_BYTES {
            bail!(
                "{}: {} is {} bytes; Proxmox reads at most {SNIPPET_LIMIT_BYTES}",
                seed.machine,
                file.name,
                file.content.len()
            );
        }
        out.push(Snippet {
            key,
            name: file.name,
            file_name: format!("{}-{key}.yaml", seed.machine),
            content: &file.content,
        });
    }
    Ok(out)
}

/// The value of `qm set <vmid> --cicustom`.
pub fn cicustom(storage: &str, snippets: &[Snippet<'_>]) -> String {
    snippets
        .iter()
        .map(|s| format!("{}={storage}:snippets/{}", s.key, s.file_name))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::SeedFile;

    #[test]
    fn names_and_cicustom_value() {
        let seed = Seed {
            machine: "vm1".into(),
            files: vec![
                SeedFile {
                    name: "user-data",
                    content: "u".into(),
                },
                SeedFile {
                    name: "meta-data",
                    content: "m".into(),
                },
                SeedFile {
                    name: "network-config",
                    content: "n".into(),
                },
            ],
            holds_secrets: false,
            ssh_keys: vec![],
        };
        let list = snippets(&seed).unwrap();
        assert_eq!(list[0].file_name, "vm1-user.yaml");
        assert_eq!(
            cicustom("local", &list),
            "user=local:snippets/vm1-user.yaml,meta=local:snippets/vm1-meta.yaml,network=local:snippets/vm1-network.yaml"
        );
    }

    #[test]
    fn oversized_snippets_are_refused() {
        let seed = Seed {
            machine: "vm1".into(),
            files: vec![SeedFile {
                name: "user-data",
                content: "x".repeat(SNIPPET_LIMIT_BYTES + 1),
            }],
            holds_secrets: false,
            ssh_keys: vec![],
        };
        assert!(
            snippets(&seed)
                .unwrap_err()
                .to_string()
                .contains("Proxmox reads at most")
        );
    }
}
