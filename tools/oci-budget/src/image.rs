//! `qcow-size` image records: an image to be uploaded to Object Storage and imported as a
//! custom image, whose instances get a boot volume at least as large as its virtual size.

use anyhow::{Result, anyhow, bail};
use serde_json::{Map, Value, json};

use crate::change::{Action, Change, Side};

/// The resource type of an image record.
pub const QCOW_IMAGE: &str = "qcow_image";

/// Reads a `{"type": "image", …}` record as a resource to be created; a record of another
/// type (another tool's output) is refused rather than taken to use nothing.
pub fn read_record(record: &Map<String, Value>, source: &str) -> Result<Change> {
    match record.get("type") {
        Some(Value::String(kind)) if kind == "image" => {}
        Some(other) => bail!("\"type\": expected \"image\" (a qcow-size record), found {other}"),
        None => bail!("expected \"type\": \"image\" (a qcow-size record)"),
    }
    let path = record
        .get("path")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("expected \"path\" as a string"))?;
    let file_size = byte_field(record, "file_size_bytes")?;
    let virtual_size = byte_field(record, "virtual_size_bytes")?;
    let format = record
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or("qcow2");
    if !matches!(format, "qcow2" | "raw") {
        bail!("format: expected \"qcow2\" or \"raw\", found {format:?}");
    }
    let values = json!({"path": path, "format": format, "file_size_bytes": file_size, "virtual_size_bytes": virtual_size});
    Ok(Change {
        address: format!("image:{path}"),
        resource_type: QCOW_IMAGE.to_string(),
        source: source.to_string(),
        action: Action::Create,
        before: None,
        after: Some(Side::known(values)),
    })
}

fn byte_field(record: &Map<String, Value>, key: &str) -> Result<u64> {
    record
        .get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| anyhow!("expected \"{key}\" as a whole number of bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn image_records_become_creates() {
        let rec = record(
            json!({"type": "image", "path": "talos.qcow2", "format": "qcow2",
            "virtual_size_bytes": 10737418240u64, "file_size_bytes": 104857600, "extra": 1}),
        );
        let change = read_record(&rec, "-").unwrap();
        assert_eq!(change.action, Action::Create);
        assert_eq!(change.address, "image:talos.qcow2");
        assert_eq!(
            change.after.unwrap().values["file_size_bytes"],
            json!(104857600)
        );
        let err = read_record(&record(json!({"type": "layer"})), "-").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"type\": expected \"image\" (a qcow-size record), found \"layer\""
        );
    }

    #[test]
    fn incomplete_records_are_refused() {
        let cases = [
            (
                json!({"type": "image", "file_size_bytes": 1, "virtual_size_bytes": 1}),
                "expected \"path\"",
            ),
            (
                json!({"type": "image", "path": "a", "virtual_size_bytes": 1}),
                "expected \"file_size_bytes\"",
            ),
            (
                json!({"type": "image", "path": "a", "file_size_bytes": -1, "virtual_size_bytes": 1}),
                "expected \"file_size_bytes\"",
            ),
            (
                json!({"type": "image", "path": "a", "file_size_bytes": 1, "virtual_size_bytes": "1"}),
                "expected \"virtual_size_bytes\"",
            ),
            (
                json!({"type": "image", "path": "a", "format": "vmdk", "file_size_bytes": 1, "virtual_size_bytes": 1}),
                "format: expected",
            ),
        ];
        for (rec, expected) in cases {
            let err = read_record(&record(rec.clone()), "-")
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{rec}: {err}");
        }
    }
}
