//! Helpers for the cross-tool tests: finding the built binaries and running pipelines.

use std::path::PathBuf;

/// The names of the workspace's tools, as their binaries are called.
pub const TOOLS: [&str; 6] = [
    "qcow-size",
    "oci-budget",
    "closure-layers",
    "osv-check",
    "cloudinit-gen",
    "talos-wait",
];

/// The path of a tool's binary: under `$TOOLS_BIN_DIR` when set, else in the target directory
/// this test executable was built into (`target/<profile>/deps/..`).
pub fn tool_bin(name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("TOOLS_BIN_DIR") {
        return PathBuf::from(dir).join(name);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(PathBuf::from)
        .unwrap_or_default();
    profile_dir.join(name)
}

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}
