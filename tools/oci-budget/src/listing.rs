//! `oci` CLI listings (`{"data": [...]}`, kebab-case keys) read as existing resources in the
//! provider's spelling, so that one set of rules judges plans and actual usage alike.

use anyhow::{Result, bail};
use serde_json::{Map, Value, json};

use crate::change::Change;
use crate::plan::kind_of;

/// The resource type given to listing items of a kind the tool does not read.
pub const UNRECOGNISED: &str = "oci_cli_listing_item";

/// Lifecycle states of resources that no longer use anything.
const GONE: [&str; 4] = ["TERMINATED", "TERMINATING", "DELETED", "DELETING"];

/// Reads the items of one listing (`data` is a list, or one object for a `get`).
pub fn read_listing(data: &Value, source: &str) -> Result<Vec<Change>> {
    let items: Vec<&Value> = match data {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![data],
        other => bail!("data: expected a list of items, found {}", kind_of(other)),
    };
    let mut changes = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let Value::Object(object) = snake_case_keys(item) else {
            bail!("data[{i}]: expected an object, found {}", kind_of(item));
        };
        if let Some(change) = item_change(object, i, source) {
            changes.push(change);
        }
    }
    Ok(changes)
}

/// One item as a resource, or `None` when it is gone or uses nothing (a platform image).
fn item_change(mut item: Map<String, Value>, index: usize, source: &str) -> Option<Change> {
    let state = item
        .get("lifecycle_state")
        .and_then(Value::as_str)
        .unwrap_or("");
    if GONE.contains(&state) {
        return None;
    }
    let id = item
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let kind = id.split('.').nth(1).unwrap_or("");
    let resource_type = match kind {
        "instance" => instance_values(&mut item),
        "volume" => "oci_core_volume",
        "bootvolume" => "oci_core_boot_volume",
        "volumebackup" => "oci_core_volume_backup",
        "bootvolumebackup" => "oci_core_boot_volume_backup",
        "image" if item.get("compartment_id").is_none_or(Value::is_null) => return None,
        "image" => "oci_core_image",
        "bucket" => "oci_objectstorage_bucket",
        "vcn" => "oci_core_vcn",
        "loadbalancer" => load_balancer_values(&mut item),
        "networkloadbalancer" => "oci_network_load_balancer_network_load_balancer",
        "autonomousdatabase" => "oci_database_autonomous_database",
        "" if item.contains_key("name") && item.contains_key("size") => object_values(&mut item),
        _ => UNRECOGNISED,
    };
    if let Some(state) = item.remove("lifecycle_state") {
        item.insert("state".into(), state);
    }
    let address = listing_address(&item, &id, index);
    Some(Change::existing(
        address,
        resource_type,
        source,
        Value::Object(item),
    ))
}

/// An instance in the provider's spelling: `shape_config` is a one-element block list, and
/// the boot volume is left to its own item of `bv boot-volume list`.
fn instance_values(item: &mut Map<String, Value>) -> &'static str {
    if let Some(config) = item.remove("shape_config") {
        item.insert("shape_config".into(), json!([config]));
    }
    item.insert(
        "source_details".into(),
        json!([{"source_type": "bootVolume"}]),
    );
    "oci_core_instance"
}

/// A load balancer of `lb load-balancer list` in the provider's spelling: `shape_name` is
/// `shape`, and `shape_details` is a one-element block list.
fn load_balancer_values(item: &mut Map<String, Value>) -> &'static str {
    if let Some(shape) = item.remove("shape_name") {
        item.insert("shape".into(), shape);
    }
    if let Some(details) = item.remove("shape_details") {
        item.insert("shape_details".into(), json!([details]));
    }
    "oci_load_balancer_load_balancer"
}

/// An object of `os object list`: its size in bytes and its tier.
fn object_values(item: &mut Map<String, Value>) -> &'static str {
    if let Some(size) = item.remove("size") {
        item.insert("content_length".into(), size);
    }
    "oci_objectstorage_object"
}

fn listing_address(item: &Map<String, Value>, id: &str, index: usize) -> String {
    let name = ["display_name", "name"]
        .iter()
        .find_map(|k| item.get(*k).and_then(Value::as_str));
    match (name, id) {
        (Some(name), "") => format!("oci:{name}"),
        (Some(name), id) => format!("oci:{name} ({id})"),
        (None, "") => format!("oci:data[{index}]"),
        (None, id) => format!("oci:{id}"),
    }
}

/// The value with every object key turned from kebab-case into snake_case.
pub fn snake_case_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.replace('-', "_"), snake_case_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(snake_case_keys).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_volumes_images_and_objects_are_recognised() {
        let data = json!([
            {"id": "ocid1.instance.oc1.eu-frankfurt-1.a", "display-name": "cp", "shape": "VM.Standard.A1.Flex",
             "lifecycle-state": "RUNNING", "shape-config": {"ocpus": 2.0, "memory-in-gbs": 12.0}},
            {"id": "ocid1.instance.oc1.eu-frankfurt-1.b", "shape": "VM.Standard.A1.Flex", "lifecycle-state": "TERMINATED"},
            {"id": "ocid1.bootvolume.oc1.x", "size-in-gbs": 50, "lifecycle-state": "AVAILABLE"},
            {"id": "ocid1.image.oc1.x", "compartment-id": null, "size-in-mbs": 47694},
            {"id": "ocid1.image.oc1.y", "compartment-id": "ocid1.compartment.c", "billable-size-in-gbs": 3},
            {"name": "talos.qcow2", "size": 1073741824, "storage-tier": null},
            {"id": "ocid1.vault.oc1.z"}
        ]);
        let changes = read_listing(&data, "l.json").unwrap();
        let types: Vec<&str> = changes.iter().map(|c| c.resource_type.as_str()).collect();
        assert_eq!(
            types,
            [
                "oci_core_instance",
                "oci_core_boot_volume",
                "oci_core_image",
                "oci_objectstorage_object",
                UNRECOGNISED
            ]
        );
        let instance = changes[0].after.as_ref().unwrap();
        assert_eq!(
            instance.values["shape_config"],
            json!([{"ocpus": 2.0, "memory_in_gbs": 12.0}])
        );
        assert_eq!(instance.values["state"], json!("RUNNING"));
        assert_eq!(
            changes[0].address,
            "oci:cp (ocid1.instance.oc1.eu-frankfurt-1.a)"
        );
        assert_eq!(
            changes[3].after.as_ref().unwrap().values["content_length"],
            json!(1073741824)
        );
    }

    #[test]
    fn networking_buckets_and_databases_are_recognised() {
        let data = json!([
            {"id": "ocid1.loadbalancer.oc1.x", "shape-name": "flexible",
             "shape-details": {"minimum-bandwidth-in-mbps": 10, "maximum-bandwidth-in-mbps": 10}},
            {"id": "ocid1.networkloadbalancer.oc1.x"},
            {"id": "ocid1.vcn.oc1.x", "lifecycle-state": "AVAILABLE"},
            {"id": "ocid1.bucket.oc1.x", "name": "images", "approximate-size": 1024},
            {"id": "ocid1.autonomousdatabase.oc1.x", "is-free-tier": true}
        ]);
        let changes = read_listing(&data, "l.json").unwrap();
        let types: Vec<&str> = changes.iter().map(|c| c.resource_type.as_str()).collect();
        assert_eq!(
            types,
            [
                "oci_load_balancer_load_balancer",
                "oci_network_load_balancer_network_load_balancer",
                "oci_core_vcn",
                "oci_objectstorage_bucket",
                "oci_database_autonomous_database"
            ]
        );
        let lb = &changes[0].after.as_ref().unwrap().values;
        assert_eq!(lb["shape"], json!("flexible"));
        assert_eq!(
            lb["shape_details"][0]["maximum_bandwidth_in_mbps"],
            json!(10)
        );
    }

    #[test]
    fn malformed_listings_are_refused() {
        assert!(
            read_listing(&json!("x"), "l.json")
                .unwrap_err()
                .to_string()
                .contains("data: expected a list")
        );
        assert!(
            read_listing(&json!([1]), "l.json")
                .unwrap_err()
                .to_string()
                .contains("data[0]: expected an object")
        );
    }
}
