//! Truncated and byte-poked copies of the committed images: every one is either read or
//! refused with an error, never a panic.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::path::Path;

use qcow_size::record::Options;

const IMAGES: [&str; 4] = [
    "base.qcow2",
    "overlay.qcow2",
    "v2-512.qcow2",
    "extl2-zstd.qcow2",
];

fn image(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

/// Reads `bytes` as an image with and without the scan; returns how many reads succeeded.
fn try_read(dir: &Path, bytes: &[u8]) -> usize {
    let path = dir.join("mutant.qcow2");
    std::fs::write(&path, bytes).unwrap();
    [true, false]
        .into_iter()
        .filter(|&scan| {
            let options = Options {
                scan,
                check: scan,
                chain: false,
                measure: scan,
            };
            qcow_size::inspect(&path, options).is_ok()
        })
        .count()
}

#[test]
fn truncated_images_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    for name in IMAGES {
        let bytes = image(name);
        let mut refused = 0;
        for len in (0..bytes.len())
            .step_by(509)
            .chain([1, 4, 71, 72, 103, 104, 111])
        {
            if try_read(dir.path(), &bytes[..len]) < 2 {
                refused += 1;
            }
        }
        assert!(refused > 0, "{name}: some truncation must be refused");
    }
}

#[test]
fn poked_images_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for name in IMAGES {
        let original = image(name);
        for _ in 0..300 {
            let mut bytes = original.clone();
            for _ in 0..1 + next() % 4 {
                let hot = next() % 2 == 0;
                let limit = if hot {
                    512.min(bytes.len())
                } else {
                    bytes.len()
                };
                let at = (next() % limit as u64) as usize;
                bytes[at] = next() as u8;
            }
            try_read(dir.path(), &bytes);
        }
    }
}

#[test]
fn huge_declared_tables_are_refused_without_allocating_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = image("base.qcow2");
    // 4 Mi L1 entries (32 MiB, QEMU's limit) at an offset far past the end of the file.
    bytes[36..40].copy_from_slice(&(4u32 << 20).to_be_bytes());
    bytes[40..48].copy_from_slice(&(1u64 << 40).to_be_bytes());
    assert_eq!(
        try_read(dir.path(), &bytes),
        1,
        "only the header-only read succeeds"
    );
    let err = qcow_size::inspect(
        &dir.path().join("mutant.qcow2"),
        Options {
            scan: true,
            check: false,
            chain: false,
            measure: false,
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("past the end of the file"), "{err}");
}
