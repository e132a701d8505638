//! The top-level keys cloud-init reads from cloud-config: the properties of its cloud-config
//! schema (26.2, which holds every key of Debian 12's 22.4 and rejects any other). cloud-init
//! 22.4 ignores an unknown key without a word, so a typo silently drops a whole setting.

/// Every top-level cloud-config key, sorted.
pub const TOP_LEVEL: [&str; 99] = [
    "allow_public_ssh_keys",
    "ansible",
    "apk_repos",
    "apt",
    "apt_pipelining",
    "apt_reboot_if_required",
    "apt_update",
    "apt_upgrade",
    "authkey_hash",
    "autoinstall",
    "bootcmd",
    "byobu_by_default",
    "ca-certs",
    "ca_certs",
    "chef",
    "chpasswd",
    "cloud_config_modules",
    "cloud_final_modules",
    "cloud_init_modules",
    "create_hostname_file",
    "device_aliases",
    "disable_ec2_metadata",
    "disable_root",
    "disable_root_opts",
    "disk_setup",
    "drivers",
    "fan",
    "final_message",
    "fqdn",
    "fs_setup",
    "groups",
    "growpart",
    "grub-dpkg",
    "grub_dpkg",
    "hostname",
    "keyboard",
    "landscape",
    "launch-index",
    "locale",
    "locale_configfile",
    "lxd",
    "manage_etc_hosts",
    "manage_resolv_conf",
    "mcollective",
    "merge_how",
    "merge_type",
    "migrate",
    "mount_default_fields",
    "mounts",
    "no_ssh_fingerprints",
    "ntp",
    "output",
    "package_reboot_if_required",
    "package_update",
    "package_upgrade",
    "packages",
    "password",
    "phone_home",
    "power_state",
    "prefer_fqdn_over_hostname",
    "preserve_hostname",
    "puppet",
    "random_seed",
    "reporting",
    "resize_rootfs",
    "resolv_conf",
    "rh_subscription",
    "rpi",
    "rsyslog",
    "runcmd",
    "salt_minion",
    "snap",
    "spacewalk",
    "ssh",
    "ssh_authorized_keys",
    "ssh_deletekeys",
    "ssh_fp_console_blacklist",
    "ssh_genkeytypes",
    "ssh_import_id",
    "ssh_key_console_blacklist",
    "ssh_keys",
    "ssh_publish_hostkeys",
    "ssh_pwauth",
    "ssh_quiet_keygen",
    "swap",
    "system_info",
    "timezone",
    "ubuntu_advantage",
    "ubuntu_pro",
    "updates",
    "user",
    "users",
    "vendor_data",
    "version",
    "wireguard",
    "write_files",
    "yum_repo_dir",
    "yum_repos",
    "zypper",
];

/// True when cloud-init reads `key` at the top level of cloud-config.
pub fn is_known(key: &str) -> bool {
    TOP_LEVEL.binary_search(&key).is_ok()
}

/// The known key closest to a misspelt one (at most two edits away), if any.
pub fn suggestion(key: &str) -> Option<&'static str> {
    TOP_LEVEL
        .iter()
        .map(|known| (edit_distance(key, known), *known))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, known)| known)
}

/// Levenshtein distance between two short strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    #[test]
    fn the_list_is_sorted_for_binary_search() {
        assert!(TOP_LEVEL.windows(2).all(|w| w[0] < w[1]));
        assert!(is_known("write_files") && is_known("ca-certs") && !is_known("hostnme"));
    }

    #[test]
    fn misspellings_get_the_nearest_key() {
        assert_eq!(suggestion("hostnme"), Some("hostname"));
        assert_eq!(
            suggestion("ssh_authorised_keys"),
            Some("ssh_authorized_keys")
        );
        assert_eq!(suggestion("runcmds"), Some("runcmd"));
        assert_eq!(suggestion("kubernetes"), None);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    /// The top-level properties of a cloud-config schema, following its `allOf` references.
    fn schema_keys(path: &Path) -> BTreeSet<String> {
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut keys = BTreeSet::new();
        let mut nodes = vec![&schema];
        while let Some(node) = nodes.pop() {
            if let Some(name) = node["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
                nodes.push(&schema["$defs"][name]);
            }
            if let Some(map) = node["properties"].as_object() {
                keys.extend(map.keys().cloned());
            }
            nodes.extend(node["allOf"].as_array().into_iter().flatten());
        }
        keys
    }

    #[test]
    fn the_list_is_the_schemas_key_set() {
        let schemas = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/cloudinit/schemas");
        if !schemas.exists() {
            eprintln!("skipped: {} is absent", schemas.display());
            return;
        }
        let upstream = schema_keys(&schemas.join("upstream-26.2/schema-cloud-config-v1.json"));
        let debian = schema_keys(&schemas.join("debian-22.4.2/schema-cloud-config-v1.json"));
        assert!(
            debian.is_subset(&upstream),
            "{:?}",
            debian.difference(&upstream)
        );
        let ours: BTreeSet<String> = TOP_LEVEL.iter().map(|k| k.to_string()).collect();
        assert_eq!(ours, upstream);
    }
}
