//! Runs the `oci-budget` binary on plans, states, listings and image records made here (in
//! the shape `tofu show -json` and the `oci` CLI write them), on real Terraform output when
//! `terraform` is installed, and on the shared fixtures when they are present.

// In a test, a failed unwrap is a failed test with its location.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::{Value, json};

/// The records a run printed, parsed.
fn records(stdout: &[u8]) -> Vec<Value> {
    let text = String::from_utf8(stdout.to_vec()).unwrap();
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn of_type<'a>(records: &'a [Value], kind: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["type"] == kind).collect()
}

fn line<'a>(records: &'a [Value], id: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["type"] == "budget_line" && r["id"] == id)
        .unwrap()
}

fn summary(records: &[Value]) -> &Value {
    records.iter().find(|r| r["type"] == "summary").unwrap()
}

/// Runs the tool with `args` and `stdin`, expecting `code`; returns what it printed.
fn stdout_of(args: &[&str], stdin: &str, code: i32) -> String {
    let output = cargo_bin_cmd!("oci-budget")
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(code),
        "args {args:?}, stderr: {stderr}"
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Runs the tool with `args` and `stdin`, expecting `code`; returns the records.
fn run(args: &[&str], stdin: &str, code: i32) -> Vec<Value> {
    records(stdout_of(args, stdin, code).as_bytes())
}

/// Runs the tool expecting exit 2 and returns its one error line.
fn error_line(args: &[&str], stdin: &str) -> String {
    let output = cargo_bin_cmd!("oci-budget")
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "args {args:?}");
    assert!(output.stdout.is_empty(), "a failed run prints no records");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr.trim_end().to_string()
}

/// A `resource_changes` entry as Terraform 1.x writes it.
fn change(
    address: &str,
    resource_type: &str,
    actions: &[&str],
    before: Value,
    after: Value,
    after_unknown: Value,
) -> Value {
    let (module, local) = match address.rfind(&format!("{resource_type}.")) {
        Some(0) | None => (None, address),
        Some(at) => (Some(&address[..at - 1]), &address[at..]),
    };
    let name_and_index = &local[resource_type.len() + 1..];
    let (name, index) = match name_and_index.find('[') {
        Some(at) => {
            let index_text = &name_and_index[at + 1..name_and_index.len() - 1];
            (
                &name_and_index[..at],
                Some(serde_json::from_str::<Value>(index_text).unwrap()),
            )
        }
        None => (name_and_index, None),
    };
    let mut entry = json!({
        "address": address, "mode": "managed", "type": resource_type, "name": name,
        "change": {"actions": actions, "before": before, "after": after, "after_unknown": after_unknown,
                   "before_sensitive": false, "after_sensitive": {}}
    });
    if let Some(module) = module {
        entry["module_address"] = json!(module);
    }
    if let Some(index) = index {
        entry["index"] = index;
    }
    entry
}

fn create(address: &str, resource_type: &str, after: Value) -> Value {
    change(
        address,
        resource_type,
        &["create"],
        Value::Null,
        after,
        json!({"id": true}),
    )
}

/// A plan document around `resource_changes`.
fn plan(changes: Vec<Value>) -> String {
    json!({
        "format_version": "1.2", "terraform_version": "1.8.0",
        "planned_values": {"root_module": {}},
        "resource_changes": changes,
        "configuration": {}, "timestamp": "2026-11-22T04:00:00Z", "applyable": true, "complete": true, "errored": false
    })
    .to_string()
}

fn a1(ocpus: f64, memory: f64, boot: Value) -> Value {
    json!({"shape": "VM.Standard.A1.Flex", "shape_config": [{"ocpus": ocpus, "memory_in_gbs": memory}],
           "source_details": [{"source_type": "image", "boot_volume_size_in_gbs": boot, "source_id": "ocid1.image.oc1..x"}],
           "availability_domain": "Uocm:EU-FRANKFURT-1-AD-1"})
}

fn micro() -> Value {
    json!({"shape": "VM.Standard.E2.1.Micro", "source_details": [{"source_type": "image", "boot_volume_size_in_gbs": "50"}]})
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const AS_OF: [&str; 2] = ["--as-of", "2026-11-22"];

#[test]
fn exactly_at_200_gb_is_within_from_stdin() {
    let text = plan(vec![
        create(
            "oci_core_instance.a1[0]",
            "oci_core_instance",
            a1(1.0, 6.0, json!("100")),
        ),
        create(
            "oci_core_instance.a1[1]",
            "oci_core_instance",
            a1(1.0, 6.0, json!(50)),
        ),
        create(
            "oci_core_volume.data",
            "oci_core_volume",
            json!({"size_in_gbs": "50"}),
        ),
    ]);
    let out = run(&AS_OF, &text, 0);
    let block = line(&out, "block.total_gb");
    assert_eq!(
        (block["used"].as_f64(), block["status"].as_str()),
        (Some(200.0), Some("at_limit"))
    );
    assert_eq!(block["headroom"], json!(0.0));
    assert_eq!(summary(&out)["status"], "within");
    assert_eq!(of_type(&out, "resource").len(), 3);
}

#[test]
fn one_ocpu_over_exits_1_with_its_cost() {
    let text = plan(vec![
        create(
            "oci_core_instance.cp",
            "oci_core_instance",
            a1(2.0, 8.0, json!("50")),
        ),
        create(
            "oci_core_instance.worker",
            "oci_core_instance",
            a1(1.0, 4.0, json!("50")),
        ),
    ]);
    let out = run(&["-", "--as-of", "2026-11-22"], &text, 1);
    let ocpu = line(&out, "a1.ocpu_hours");
    assert_eq!(
        (ocpu["used"].as_f64(), ocpu["status"].as_str()),
        (Some(2232.0), Some("over"))
    );
    let cost = ocpu["cost_usd"].as_f64().unwrap();
    assert!((cost - 7.32).abs() < 1e-9, "{cost}");
    assert_eq!(summary(&out)["status"], "over");
    assert_eq!(line(&out, "a1.memory_gb_hours")["status"], "ok");
}

#[test]
fn the_june_2026_edition_changes_the_verdict() {
    let text = plan(vec![
        create(
            "oci_core_instance.a[0]",
            "oci_core_instance",
            a1(2.0, 12.0, json!("50")),
        ),
        create(
            "oci_core_instance.a[1]",
            "oci_core_instance",
            a1(2.0, 12.0, json!("50")),
        ),
    ]);
    let before = run(&["--as-of", "2026-06-14"], &text, 0);
    assert_eq!(line(&before, "a1.ocpu_hours")["limit"], json!(3000.0));
    assert_eq!(line(&before, "a1.ocpu_hours")["effective_to"], "2026-06-14");
    let after = run(&["--as-of", "2026-06-15"], &text, 1);
    assert_eq!(line(&after, "a1.ocpu_hours")["limit"], json!(1500.0));
    assert_eq!(line(&after, "a1.memory_gb_hours")["status"], "over");
    assert_eq!(summary(&after)["as_of"], "2026-06-15");
}

#[test]
fn nested_modules_with_for_each_and_count_are_counted() {
    let text = plan(vec![
        create(
            "module.k8s.module.pool[\"arm\"].module.node.oci_core_instance.this[0]",
            "oci_core_instance",
            a1(1.0, 6.0, json!("50")),
        ),
        create(
            "module.k8s.module.pool[\"arm\"].module.node.oci_core_instance.this[1]",
            "oci_core_instance",
            a1(1.0, 6.0, json!("50")),
        ),
        create(
            "module.k8s.module.pool[\"micro\"].module.node.oci_core_instance.this[\"gw\"]",
            "oci_core_instance",
            micro(),
        ),
        create(
            "module.net.oci_core_vcn.main",
            "oci_core_vcn",
            json!({"cidr_blocks": ["10.0.0.0/16"]}),
        ),
        create(
            "module.net.oci_core_subnet.public",
            "oci_core_subnet",
            json!({}),
        ),
        create("null_resource.wait", "null_resource", json!({})),
    ]);
    let out = run(&AS_OF, &text, 0);
    assert_eq!(line(&out, "a1.instances")["used"], json!(2.0));
    assert_eq!(line(&out, "micro.instances")["used"], json!(1.0));
    assert_eq!(line(&out, "block.total_gb")["used"], json!(150.0));
    let addresses: Vec<&str> = of_type(&out, "resource")
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert!(
        addresses.contains(
            &"module.k8s.module.pool[\"micro\"].module.node.oci_core_instance.this[\"gw\"]"
        )
    );
    assert!(
        !addresses.contains(&"null_resource.wait"),
        "only OCI resources are judged"
    );
}

#[test]
fn unknown_sizes_fail_closed_unless_allowed() {
    let mut after = micro();
    after["source_details"][0]
        .as_object_mut()
        .unwrap()
        .remove("boot_volume_size_in_gbs");
    let unknown =
        json!({"source_details": [{"boot_volume_size_in_gbs": true}], "shape_config": true});
    let text = plan(vec![
        change(
            "oci_core_instance.gw",
            "oci_core_instance",
            &["create"],
            Value::Null,
            after,
            unknown,
        ),
        create(
            "oci_core_volume.data",
            "oci_core_volume",
            json!({"size_in_gbs": "100"}),
        ),
    ]);
    let out = run(&AS_OF, &text, 1);
    let block = line(&out, "block.total_gb");
    assert_eq!(
        (
            block["used"].as_f64(),
            block["exact"].as_bool(),
            block["status"].as_str()
        ),
        (Some(147.0), Some(false), Some("unknown"))
    );
    assert_eq!(summary(&out)["status"], "unknown");
    let finding = of_type(&out, "finding")[0];
    assert_eq!(
        (finding["kind"].as_str(), finding["status"].as_str()),
        (Some("unknown_value"), Some("unknown"))
    );
    run(&["--allow-unknown", "--as-of", "2026-11-22"], &text, 0);
}

#[test]
fn a_lower_bound_over_the_limit_is_over() {
    let unknown = json!({"size_in_gbs": true});
    let text = plan(vec![
        change(
            "oci_core_volume.big",
            "oci_core_volume",
            &["create"],
            Value::Null,
            json!({}),
            unknown,
        ),
        create(
            "oci_core_volume.data",
            "oci_core_volume",
            json!({"size_in_gbs": "180"}),
        ),
    ]);
    let out = run(&["--allow-unknown", "--as-of", "2026-11-22"], &text, 1);
    assert_eq!(line(&out, "block.total_gb")["status"], "over");
}

#[test]
fn create_before_destroy_peaks_over_a_refused_limit() {
    let text = plan(vec![
        change(
            "oci_core_instance.gw[0]",
            "oci_core_instance",
            &["create", "delete"],
            micro(),
            micro(),
            json!({}),
        ),
        change(
            "oci_core_instance.gw[1]",
            "oci_core_instance",
            &["no-op"],
            micro(),
            micro(),
            json!({}),
        ),
    ]);
    let out = run(&AS_OF, &text, 1);
    let micro_line = line(&out, "micro.instances");
    assert_eq!(
        (micro_line["used"].as_f64(), micro_line["peak"].as_f64()),
        (Some(2.0), Some(3.0))
    );
    assert_eq!(micro_line["status"], "at_limit");
    let finding = of_type(&out, "finding")
        .into_iter()
        .find(|f| f["kind"] == "peak_over_limit")
        .unwrap();
    assert_eq!(finding["status"], "over");
    let replaced = plan(vec![
        change(
            "oci_core_instance.gw[0]",
            "oci_core_instance",
            &["delete", "create"],
            micro(),
            micro(),
            json!({}),
        ),
        change(
            "oci_core_instance.gw[1]",
            "oci_core_instance",
            &["no-op"],
            micro(),
            micro(),
            json!({}),
        ),
    ]);
    let out = run(&AS_OF, &replaced, 0);
    assert_eq!(line(&out, "micro.instances")["peak"], json!(2.0));
}

#[test]
fn state_plus_plan_and_a_separate_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let state = json!({"format_version": "1.0", "terraform_version": "1.8.0", "values": {"root_module": {
        "resources": [{"address": "oci_core_volume.data", "mode": "managed", "type": "oci_core_volume", "name": "data",
                       "schema_version": 0,
                       "values": {"size_in_gbs": "100"}, "sensitive_values": {}}]}}});
    let state_path = write(dir.path(), "state.json", &state.to_string());
    let text = plan(vec![change(
        "oci_core_volume.data",
        "oci_core_volume",
        &["update"],
        json!({"size_in_gbs": "100"}),
        json!({"size_in_gbs": "150"}),
        json!({}),
    )]);
    let plan_path = write(dir.path(), "plan.json", &text);
    let out = run(
        &[
            plan_path.to_str().unwrap(),
            "--baseline",
            state_path.to_str().unwrap(),
            "--as-of",
            "2026-11-22",
        ],
        "",
        0,
    );
    let block = line(&out, "block.total_gb");
    assert_eq!(
        (block["baseline"].as_f64(), block["used"].as_f64()),
        (Some(100.0), Some(150.0))
    );
    let grown = json!({"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "oci_core_volume.data", "mode": "managed", "type": "oci_core_volume", "values": {"size_in_gbs": "250"}}]}}});
    let out = run(
        &[
            "--baseline",
            state_path.to_str().unwrap(),
            "--as-of",
            "2026-11-22",
        ],
        &grown.to_string(),
        1,
    );
    let block = line(&out, "block.total_gb");
    assert_eq!(
        (
            block["baseline"].as_f64(),
            block["used"].as_f64(),
            block["peak"].as_f64()
        ),
        (Some(100.0), Some(250.0), Some(250.0))
    );
}

#[test]
fn paid_shapes_and_load_balancers_are_over() {
    let text = plan(vec![
        create(
            "oci_core_instance.big",
            "oci_core_instance",
            json!({"shape": "VM.Standard.E5.Flex", "shape_config": [{"ocpus": 4, "memory_in_gbs": 64}],
                      "source_details": [{"source_type": "image", "boot_volume_size_in_gbs": "50"}]}),
        ),
        create(
            "oci_load_balancer_load_balancer.lb",
            "oci_load_balancer_load_balancer",
            json!({"shape": "flexible", "shape_details": [{"minimum_bandwidth_in_mbps": 10, "maximum_bandwidth_in_mbps": 100}]}),
        ),
        create(
            "oci_containerengine_cluster.k8s",
            "oci_containerengine_cluster",
            json!({}),
        ),
    ]);
    let out = run(&AS_OF, &text, 1);
    let kinds: Vec<(&str, &str)> = of_type(&out, "finding")
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("paid_shape", "over"),
            ("paid_load_balancer", "over"),
            ("unknown_resource_type", "unknown")
        ]
    );
    let shape = of_type(&out, "finding")[0];
    let cost = shape["cost_usd"].as_f64().unwrap();
    assert!(
        (cost - 744.0 * (4.0 * 0.03 + 64.0 * 0.002)).abs() < 1e-9,
        "{cost}"
    );
    let lb = of_type(&out, "finding")[1];
    let cost = lb["cost_usd"].as_f64().unwrap();
    assert!(
        (cost - 744.0 * (0.0113 + 100.0 * 0.0001)).abs() < 1e-9,
        "{cost}"
    );
    assert_eq!(summary(&out)["cost_complete"], true);
    let total = summary(&out)["monthly_cost_usd"].as_f64().unwrap();
    assert!((total - 184.512 - 15.8472).abs() < 1e-6, "{total}");
}

/// A plan with a GPU shape (no list price known) and a second MySQL DB system (price not
/// known either): the cost is a lower bound in every output format.
fn plan_with_unpriced_parts() -> String {
    plan(vec![
        create(
            "oci_core_instance.gpu",
            "oci_core_instance",
            json!({"shape": "BM.GPU.H100.8", "source_details": [{"source_type": "image", "boot_volume_size_in_gbs": "250"}]}),
        ),
        create(
            "oci_mysql_mysql_db_system.a",
            "oci_mysql_mysql_db_system",
            json!({}),
        ),
        create(
            "oci_mysql_mysql_db_system.b",
            "oci_mysql_mysql_db_system",
            json!({}),
        ),
    ])
}

#[test]
fn unknown_prices_are_visible_in_every_format() {
    let text = plan_with_unpriced_parts();
    let out = run(&AS_OF, &text, 1);
    let summary = summary(&out);
    assert_eq!(summary["cost_complete"], false);
    assert_eq!(
        summary["costs_unknown"],
        json!(["db.mysql", "oci_core_instance.gpu"])
    );
    assert!((summary["monthly_cost_usd"].as_f64().unwrap() - 50.0 * 0.0255).abs() < 1e-9);
    assert_eq!(line(&out, "db.mysql")["cost_usd"], Value::Null);
    let render = |format: &str| stdout_of(&["--output", format, "--as-of", "2026-11-22"], &text, 1);
    for format in ["table", "markdown"] {
        let report = render(format);
        assert!(
            report.contains(
                "at least $1.27/month (no list price for db.mysql, oci_core_instance.gpu)"
            ),
            "{format}: {report}"
        );
        let gpu = report.lines().find(|l| l.contains("paid_shape")).unwrap();
        assert!(gpu.contains("unknown"), "{format}: {gpu}");
    }
    let csv = render("csv");
    assert!(
        csv.contains("\nbudget_line,db.mysql,2,1,DB systems,-1,over,0,2,unknown,,\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\nfinding,paid_shape,,,,,over,,,unknown,oci_core_instance.gpu,"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .last()
            .unwrap()
            .starts_with("summary,,,,,,over,,,>=1.27,,\"over: "),
        "{csv}"
    );
}

#[test]
fn excess_that_costs_nothing_is_over_at_zero_cost() {
    let nlb = "oci_network_load_balancer_network_load_balancer";
    let text = plan(vec![
        create(&format!("{nlb}.a"), nlb, json!({})),
        create(&format!("{nlb}.b"), nlb, json!({})),
        create("oci_core_ipsec.vpn", "oci_core_ipsec", json!({})),
    ]);
    let out = run(&AS_OF, &text, 1);
    let line = line(&out, "net.nlb");
    assert_eq!(
        (
            line["status"].as_str(),
            line["over"].as_str(),
            line["cost_usd"].as_f64()
        ),
        (Some("over"), Some("no_charge"), Some(0.0))
    );
    assert!(line["note"].as_str().unwrap().contains("no-cost"));
    assert_eq!(summary(&out)["cost_complete"], true);
    assert_eq!(summary(&out)["monthly_cost_usd"], json!(0.0));
}

#[test]
fn usage_over_time_is_not_assessed_but_reported() {
    let out = run(&AS_OF, &plan(vec![]), 0);
    let requests = line(&out, "object.requests");
    assert_eq!(
        (
            requests["status"].as_str(),
            &requests["used"],
            &requests["cost_usd"]
        ),
        (Some("not_assessed"), &Value::Null, &Value::Null)
    );
    assert_eq!(
        line(&out, "net.outbound_transfer_gb")["limit"],
        json!(10240.0)
    );
    assert_eq!(
        summary(&out)["not_assessed"],
        json!(["object.requests", "net.outbound_transfer_gb"])
    );
    assert_eq!(summary(&out)["cost_complete"], true);
    let paid = run(
        &["--account", "paid", "--as-of", "2026-11-22"],
        &plan(vec![]),
        0,
    );
    assert_eq!(
        summary(&paid)["not_assessed"],
        json!([
            "object.requests",
            "net.outbound_transfer_gb",
            "object.infrequent_access_retrieval_gb"
        ])
    );
    let table = stdout_of(&["-o", "table", "--as-of", "2026-11-22"], &plan(vec![]), 0);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("object.requests") && l.contains("not_assessed")),
        "{table}"
    );
    assert!(
        table.contains("not assessed (usage over time): object.requests, net.outbound_transfer_gb"),
        "{table}"
    );
}

#[test]
fn volume_backups_beyond_five_are_refused() {
    let backups: Vec<Value> = (0..6)
        .map(|i| {
            let kind = if i % 2 == 0 {
                "oci_core_volume_backup"
            } else {
                "oci_core_boot_volume_backup"
            };
            change(
                &format!("{kind}.b[{i}]"),
                kind,
                &["create"],
                Value::Null,
                json!({"type": "FULL"}),
                json!({"size_in_gbs": true, "unique_size_in_gbs": true}),
            )
        })
        .collect();
    let out = run(&AS_OF, &plan(backups[..5].to_vec()), 0);
    assert_eq!(line(&out, "block.backups")["status"], "at_limit");
    let out = run(&AS_OF, &plan(backups), 1);
    let line = line(&out, "block.backups");
    assert_eq!(
        (
            line["used"].as_f64(),
            line["status"].as_str(),
            line["over"].as_str()
        ),
        (Some(6.0), Some("over"), Some("refused"))
    );
}

#[test]
fn autonomous_databases_count_only_when_free_tier() {
    let adb = "oci_database_autonomous_database";
    let free = |name: &str| {
        create(
            &format!("{adb}.{name}"),
            adb,
            json!({"is_free_tier": true, "db_workload": "OLTP"}),
        )
    };
    let out = run(&AS_OF, &plan(vec![free("a"), free("b")]), 0);
    assert_eq!(line(&out, "db.autonomous")["status"], "at_limit");
    let out = run(&AS_OF, &plan(vec![free("a"), free("b"), free("c")]), 1);
    assert_eq!(line(&out, "db.autonomous")["status"], "over");
    assert_eq!(line(&out, "db.autonomous")["over"], "refused");
    let paid = create(
        &format!("{adb}.paid"),
        adb,
        json!({"is_free_tier": false, "compute_count": 2}),
    );
    let out = run(&AS_OF, &plan(vec![free("a"), paid]), 1);
    assert_eq!(line(&out, "db.autonomous")["used"], json!(1.0));
    let finding = of_type(&out, "finding")[0];
    assert_eq!(
        (finding["kind"].as_str(), finding["status"].as_str()),
        (Some("paid_database"), Some("over"))
    );
}

#[test]
fn resources_with_missing_attributes_are_findings() {
    let text = plan(vec![
        create(
            "oci_core_instance.noshape",
            "oci_core_instance",
            json!({"source_details": [{"source_type": "image", "boot_volume_size_in_gbs": "50"}]}),
        ),
        create(
            "oci_load_balancer_load_balancer.lb",
            "oci_load_balancer_load_balancer",
            json!({"shape": "flexible"}),
        ),
        create("oci_core_boot_volume.b", "oci_core_boot_volume", json!({})),
    ]);
    let out = run(&AS_OF, &text, 1);
    let kinds: Vec<(&str, &str, &str)> = of_type(&out, "finding")
        .iter()
        .map(|f| {
            (
                f["address"].as_str().unwrap(),
                f["kind"].as_str().unwrap(),
                f["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("oci_core_instance.noshape", "invalid_value", "unknown"),
            (
                "oci_load_balancer_load_balancer.lb",
                "unknown_value",
                "unknown"
            ),
            ("oci_core_boot_volume.b", "unknown_value", "unknown"),
        ]
    );
    assert_eq!(line(&out, "block.total_gb")["used"], json!(97.0));
    assert_eq!(summary(&out)["status"], "unknown");
}

#[test]
fn objects_uploaded_from_files_are_read_from_chdir() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("images")).unwrap();
    let image = std::fs::File::create(dir.path().join("images/talos.raw")).unwrap();
    image.set_len(21 << 30).unwrap();
    let upload = |source: &str| {
        plan(vec![change(
            "oci_objectstorage_object.talos",
            "oci_objectstorage_object",
            &["create"],
            Value::Null,
            json!({"bucket": "images", "object": "talos.raw", "source": source, "storage_tier": "Standard"}),
            json!({"content_length": true, "id": true}),
        )])
    };
    let chdir = [
        "--chdir",
        dir.path().to_str().unwrap(),
        "--as-of",
        "2026-11-22",
    ];
    let out = run(&chdir, &upload("images/talos.raw"), 1);
    let object = line(&out, "object.storage_gb");
    assert_eq!(
        (
            object["used"].as_f64(),
            object["exact"].as_bool(),
            object["status"].as_str()
        ),
        (Some(21.0), Some(true), Some("over"))
    );
    let out = run(&chdir, &upload("images/missing.raw"), 1);
    assert_eq!(line(&out, "object.storage_gb")["status"], "unknown");
    let finding = of_type(&out, "finding")[0];
    assert!(
        finding["message"].as_str().unwrap().contains("missing.raw"),
        "{finding}"
    );
    let output = cargo_bin_cmd!("oci-budget")
        .args(["--as-of", "2026-11-22"])
        .current_dir(dir.path())
        .write_stdin(upload("images/talos.raw"))
        .output()
        .unwrap();
    let out = records(&output.stdout);
    assert_eq!(
        line(&out, "object.storage_gb")["used"],
        json!(21.0),
        "relative to the current directory by default"
    );
}

#[test]
fn regular_nosql_tables_cost_their_capacity() {
    let table = |name: &str, free: bool| {
        create(
            &format!("oci_nosql_table.{name}"),
            "oci_nosql_table",
            json!({"name": name, "is_auto_reclaimable": free,
                   "table_limits": [{"max_read_units": 50, "max_write_units": 50, "max_storage_in_gbs": 25, "capacity_mode": "PROVISIONED"}]}),
        )
    };
    let text = plan(vec![
        table("a", true),
        table("b", true),
        table("c", true),
        table("d", false),
    ]);
    let out = run(&AS_OF, &text, 1);
    assert_eq!(line(&out, "db.nosql_tables")["status"], "at_limit");
    let finding = of_type(&out, "finding")[0];
    assert_eq!(finding["address"], "oci_nosql_table.d");
    let cost = finding["cost_usd"].as_f64().unwrap();
    assert!(
        (cost - (50.0 * 0.0064 + 50.0 * 0.1254 + 25.0 * 0.066)).abs() < 1e-9,
        "{cost}"
    );
}

#[test]
fn qcow_size_records_mix_with_a_plan_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = plan(vec![create(
        "oci_core_volume.data",
        "oci_core_volume",
        json!({"size_in_gbs": "100"}),
    )]);
    let plan_path = write(dir.path(), "plan.json", &text);
    let images = concat!(
        "{\"type\":\"image\",\"path\":\"talos.qcow2\",\"format\":\"qcow2\",\"virtual_size_bytes\":64424509440,\"file_size_bytes\":1073741824}\n",
        "{\"type\":\"image\",\"path\":\"nixos.qcow2\",\"format\":\"qcow2\",\"virtual_size_bytes\":4294967296,\"file_size_bytes\":2147483648}\n"
    );
    let out = run(
        &[plan_path.to_str().unwrap(), "-", "--as-of", "2026-11-22"],
        images,
        1,
    );
    let block = line(&out, "block.total_gb");
    assert_eq!(
        (block["used"].as_f64(), block["status"].as_str()),
        (Some(210.0), Some("over"))
    );
    assert_eq!(line(&out, "object.storage_gb")["used"], json!(3.0));
}

#[test]
fn oci_cli_listings_are_actual_usage() {
    let instances = json!({"data": [
        {"id": "ocid1.instance.oc1.eu-frankfurt-1.a", "display-name": "cp", "shape": "VM.Standard.A1.Flex", "lifecycle-state": "RUNNING",
         "region": "eu-frankfurt-1", "shape-config": {"ocpus": 2.0, "memory-in-gbs": 12.0}},
        {"id": "ocid1.instance.oc1.us-ashburn-1.b", "display-name": "far", "shape": "VM.Standard.E2.1.Micro", "lifecycle-state": "RUNNING",
         "region": "us-ashburn-1", "shape-config": {"ocpus": 1.0, "memory-in-gbs": 1.0}}
    ]});
    let volumes = json!({"data": [
        {"id": "ocid1.bootvolume.oc1.eu-frankfurt-1.x", "size-in-gbs": 200, "availability-domain": "Uocm:EU-FRANKFURT-1-AD-1", "lifecycle-state": "AVAILABLE"}
    ]});
    let stdin = format!("{instances}\n{volumes}\n");
    let out = run(
        &["--home-region", "eu-frankfurt-1", "--as-of", "2026-11-22"],
        &stdin,
        1,
    );
    assert_eq!(line(&out, "a1.ocpu_hours")["status"], "ok");
    assert_eq!(line(&out, "block.total_gb")["status"], "at_limit");
    assert_eq!(
        line(&out, "micro.instances")["used"],
        json!(0.0),
        "outside the home region it is not free"
    );
    let finding = of_type(&out, "finding")[0];
    assert_eq!(finding["kind"], "outside_home_region");
}

#[test]
fn a_bucket_measured_in_the_state_counts_once() {
    let resource = |address: &str, resource_type: &str, values: Value| json!({"address": address, "mode": "managed", "type": resource_type, "name": "n", "values": values});
    let state = json!({"format_version": "1.0", "values": {"root_module": {"resources": [
        resource("oci_objectstorage_bucket.images", "oci_objectstorage_bucket",
                 json!({"name": "images", "storage_tier": "Standard", "approximate_size": (25u64 << 30).to_string()})),
        resource("oci_objectstorage_object.talos", "oci_objectstorage_object",
                 json!({"bucket": "images", "object": "talos.qcow2", "content_length": (5u64 << 30).to_string()})),
    ]}}});
    let out = run(&AS_OF, &state.to_string(), 1);
    let object = line(&out, "object.storage_gb");
    assert_eq!(
        (object["used"].as_f64(), object["status"].as_str()),
        (Some(25.0), Some("over"))
    );
}

#[test]
fn paid_accounts_get_object_storage_per_tier() {
    let object = |name: &str, tier: &str, gib: u64| {
        create(
            &format!("oci_objectstorage_object.{name}"),
            "oci_objectstorage_object",
            json!({"object": name, "storage_tier": tier, "content_length": (gib << 30).to_string()}),
        )
    };
    let text = plan(vec![
        object("a", "Standard", 15),
        object("b", "Archive", 8),
        create("oci_core_vcn.x", "oci_core_vcn", json!({})),
    ]);
    let free = run(&AS_OF, &text, 1);
    assert_eq!(line(&free, "object.storage_gb")["used"], json!(23.0));
    assert_eq!(line(&free, "object.storage_gb")["over"], "refused");
    let paid = run(&["--account", "paid", "--as-of", "2026-11-22"], &text, 1);
    let standard = line(&paid, "object.standard_gb");
    assert_eq!(
        (standard["used"].as_f64(), standard["status"].as_str()),
        (Some(15.0), Some("over"))
    );
    assert!((standard["cost_usd"].as_f64().unwrap() - 5.0 * 0.0255).abs() < 1e-9);
    assert_eq!(line(&paid, "object.archive_gb")["status"], "ok");
    assert!(
        of_type(&paid, "budget_line")
            .iter()
            .all(|l| l["id"] != "net.vcn" && l["id"] != "object.storage_gb")
    );
}

#[test]
fn table_markdown_and_csv_outputs() {
    let text = plan(vec![create(
        "oci_core_volume.data",
        "oci_core_volume",
        json!({"size_in_gbs": "250"}),
    )]);
    let table = stdout_of(&["-o", "table", "--as-of", "2026-11-22"], &text, 1);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("block.total_gb") && l.contains("over") && l.contains("1.27")),
        "{table}"
    );
    let markdown = stdout_of(&["--output", "markdown", "--as-of", "2026-11-22"], &text, 1);
    assert!(
        markdown.starts_with("### OCI Always Free budget: over\n\n| limit |"),
        "{markdown}"
    );
    let csv = stdout_of(&["--output", "csv", "--as-of", "2026-11-22"], &text, 1);
    assert!(
        csv.starts_with(
            "type,id,used,allowance,unit,headroom,status,baseline,peak,cost_usd,address,message\n"
        ),
        "{csv}"
    );
    assert!(
        csv.contains("\nbudget_line,block.total_gb,250,200,GB,-50,over,0,250,1.27,,\n"),
        "{csv}"
    );
}

/// Parses CSV output into rows of cells (the cells this tool writes hold no newlines).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn findings_are_in_every_format() {
    let mut doc: Value = serde_json::from_str(&plan(vec![
        create("oci_foo_bar.x", "oci_foo_bar", json!({"a": 1})),
        create(
            "oci_core_instance.big",
            "oci_core_instance",
            json!({"shape": "VM.Standard.E2.2", "source_details": [{"source_type": "bootVolume"}]}),
        ),
    ]))
    .unwrap();
    doc["checks"] = json!([{"address": {"kind": "check", "to_display": "check.ocpu"}, "status": "fail",
        "instances": [{"status": "fail", "problems": [{"message": "at most 2 OCPUs, says the check"}]}]}]);
    let text = doc.to_string();
    let render = |format: &str| stdout_of(&["--output", format, "--as-of", "2026-11-22"], &text, 1);
    let rows = csv_rows(&render("csv"));
    let findings: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .filter(|r| r[0] == "finding")
        .map(|r| (r[1].as_str(), r[6].as_str(), r[10].as_str(), r[11].as_str()))
        .collect();
    assert_eq!(findings.len(), 3, "{rows:?}");
    assert_eq!(
        findings[0],
        (
            "check_failed",
            "failed",
            "check.ocpu",
            "check status fail: at most 2 OCPUs, says the check"
        )
    );
    assert!(
        findings
            .iter()
            .any(|f| f.0 == "unknown_resource_type" && f.2 == "oci_foo_bar.x")
    );
    let paid = rows.iter().find(|r| r[1] == "paid_shape").unwrap();
    assert!((paid[9].parse::<f64>().unwrap() - 744.0 * 2.0 * 0.03).abs() < 0.01);
    assert!(rows.iter().all(|r| r.len() == 12), "a rectangular table");
    let summary_row = rows.last().unwrap();
    assert_eq!(
        (summary_row[0].as_str(), summary_row[6].as_str()),
        ("summary", "over")
    );
    for format in ["table", "markdown"] {
        let report = render(format);
        for needle in [
            "check_failed",
            "unknown_resource_type",
            "paid_shape",
            "says the check",
        ] {
            assert!(report.contains(needle), "{format}: {needle}: {report}");
        }
    }
}

/// Writes the plans of OLD and NEW `resource_changes` into `dir`; returns their paths.
fn old_and_new(dir: &Path, old: Vec<Value>, new: Vec<Value>) -> (PathBuf, PathBuf) {
    (
        write(dir, "old.json", &plan(old)),
        write(dir, "new.json", &plan(new)),
    )
}

/// The arguments of `diff OLD NEW` on the day the tests judge.
fn diff_args<'a>(old: &'a Path, new: &'a Path) -> [&'a str; 5] {
    [
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--as-of",
        "2026-11-22",
    ]
}

#[test]
fn diff_compares_two_plans() {
    let dir = tempfile::tempdir().unwrap();
    let volume = |size: &str| {
        create(
            "oci_core_volume.data",
            "oci_core_volume",
            json!({"size_in_gbs": size}),
        )
    };
    let (old, new) = old_and_new(dir.path(), vec![volume("100")], vec![volume("250")]);
    let out = run(&diff_args(&old, &new), "", 1);
    let block = out
        .iter()
        .find(|r| r["type"] == "budget_diff" && r["id"] == "block.total_gb")
        .unwrap();
    assert_eq!(
        (
            block["old_used"].as_f64(),
            block["new_used"].as_f64(),
            block["delta"].as_f64()
        ),
        (Some(100.0), Some(250.0), Some(150.0))
    );
    assert_eq!(
        (block["old_status"].as_str(), block["new_status"].as_str()),
        (Some("ok"), Some("over"))
    );
    let resource = out.iter().find(|r| r["type"] == "resource_diff").unwrap();
    assert_eq!(resource["change"], "changed");
    assert_eq!(
        (
            summary(&out)["old_status"].as_str(),
            summary(&out)["status"].as_str()
        ),
        (Some("within"), Some("over"))
    );
    run(&diff_args(&new, &old), "", 0);
}

#[test]
fn diff_shows_the_findings_that_decide_its_exit() {
    let dir = tempfile::tempdir().unwrap();
    let vcn = || create("oci_core_vcn.a", "oci_core_vcn", json!({}));
    let (old, new) = old_and_new(
        dir.path(),
        vec![vcn()],
        vec![
            vcn(),
            create("oci_foo_bar.x", "oci_foo_bar", json!({"a": 1})),
        ],
    );
    let args = diff_args(&old, &new);
    let out = run(&args, "", 1);
    let finding = out.iter().find(|r| r["type"] == "finding").unwrap();
    assert_eq!(finding["kind"], "unknown_resource_type");
    assert_eq!(finding["address"], "oci_foo_bar.x");
    assert_eq!(summary(&out)["status"], "unknown");
    let text = stdout_of(&[&args[..], &["-o", "markdown"]].concat(), "", 1);
    assert!(
        text.lines()
            .any(|l| l.contains("unknown_resource_type") && l.contains("oci_foo_bar.x")),
        "{text}"
    );
}

#[test]
fn diff_renders_a_table_and_pretty_json() {
    let dir = tempfile::tempdir().unwrap();
    let vcn = |address: &str| create(address, "oci_core_vcn", json!({}));
    let (old, new) = old_and_new(
        dir.path(),
        vec![vcn("oci_core_vcn.a")],
        vec![vcn("oci_core_vcn.a"), vcn("oci_core_vcn.b")],
    );
    let args = diff_args(&old, &new);
    let table = stdout_of(&[&args[..], &["-o", "table"]].concat(), "", 0);
    assert!(table.starts_with("limit "), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("net.vcn") && l.contains("at_limit")),
        "{table}"
    );
    let pretty = cargo_bin_cmd!("oci-budget")
        .args(args)
        .arg("--pretty")
        .output()
        .unwrap();
    let values: Vec<Value> = serde_json::Deserializer::from_slice(&pretty.stdout)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(values.iter().any(|v| v["type"] == "resource_diff"
        && v["address"] == "oci_core_vcn.b"
        && v["change"] == "added"));
    assert!(
        String::from_utf8(pretty.stdout)
            .unwrap()
            .contains("\n  \"type\""),
        "pretty output is indented"
    );
}

#[test]
fn limits_can_be_overridden_by_file() {
    let dir = tempfile::tempdir().unwrap();
    let raised = oci_budget::limits::EMBEDDED.replace("\"limit\": 200,", "\"limit\": 300,");
    assert_ne!(raised, oci_budget::limits::EMBEDDED);
    let limits = write(dir.path(), "limits.json", &raised);
    let text = plan(vec![create(
        "oci_core_volume.data",
        "oci_core_volume",
        json!({"size_in_gbs": "250"}),
    )]);
    let out = run(
        &[
            "--limits",
            limits.to_str().unwrap(),
            "--as-of",
            "2026-11-22",
        ],
        &text,
        0,
    );
    assert_eq!(line(&out, "block.total_gb")["limit"], json!(300.0));
    let broken = write(
        dir.path(),
        "broken.json",
        "{\"schema\": \"oci-budget-limits/v1\",",
    );
    let err = error_line(&["--limits", broken.to_str().unwrap()], &text);
    assert!(
        err.starts_with(&format!("oci-budget: error: {}:1:", broken.display())),
        "{err}"
    );
}

#[test]
fn failed_checks_are_reported() {
    let mut doc: Value = serde_json::from_str(&plan(vec![])).unwrap();
    doc["checks"] = json!([{"address": {"kind": "check", "name": "ocpu", "to_display": "check.ocpu"}, "status": "fail",
        "instances": [{"address": {"to_display": "check.ocpu"}, "status": "fail", "problems": [{"message": "at most 2 OCPUs"}]}]}]);
    let out = run(&AS_OF, &doc.to_string(), 1);
    let finding = of_type(&out, "finding")[0];
    assert_eq!(
        (finding["kind"].as_str(), finding["status"].as_str()),
        (Some("check_failed"), Some("failed"))
    );
}

#[test]
fn malformed_inputs_are_one_line_errors() {
    let cases = [
        (
            "{\"format_version\": \"1.2\", \"resource_changes\": [",
            "<stdin>:1:",
            "unexpected end of input",
        ),
        (
            "{\"format_version\": \"2.0\", \"resource_changes\": []}",
            "<stdin>:1:1:",
            "unsupported version \"2.0\"",
        ),
        (
            "\n\n  {\"format_version\": \"1.2\", \"resource_changes\": [{\"address\": 1}]}",
            "<stdin>:3:3:",
            "resource_changes[0]: expected \"address\"",
        ),
        ("{\"data\": 5}", "<stdin>:1:1:", "data: expected a list"),
        (
            "{\"type\": \"image\", \"path\": \"a.qcow2\"}",
            "<stdin>:1:1:",
            "expected \"file_size_bytes\"",
        ),
        ("[1, 2]", "<stdin>:1:1:", "expected a plan, a state"),
        ("{\"data\": []} nonsense", "<stdin>:1:", "expected"),
    ];
    for (stdin, location, what) in cases {
        let err = error_line(&[], stdin);
        assert!(
            err.starts_with(&format!("oci-budget: error: {location}")),
            "{err}"
        );
        assert!(err.contains(what), "{err}");
    }
}

/// Runs the tool expecting a usage error (clap's message, exit 2).
fn usage_error(args: &[&str]) -> String {
    let output = cargo_bin_cmd!("oci-budget").args(args).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "args {args:?}");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn usage_errors_exit_2() {
    assert!(usage_error(&["--as-of", "2026-02-30"]).contains("no such day"));
    assert!(usage_error(&["--hours-per-month", "800"]).contains("between 1 and 744"));
    assert!(usage_error(&["--account", "gold"]).contains("gold"));
    let err = error_line(&["/nonexistent/plan.json"], "");
    assert!(
        err.starts_with("oci-budget: error: /nonexistent/plan.json: cannot open"),
        "{err}"
    );
}

#[test]
fn help_shows_examples_and_exit_status() {
    let output = cargo_bin_cmd!("oci-budget").arg("--help").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(
        help.contains("Examples:")
            && help.contains("Exit status:")
            && help.contains("| oci-budget"),
        "{help}"
    );
}

#[test]
fn empty_inputs_and_foreign_records_are_errors() {
    let expected =
        "oci-budget: error: <stdin>: no plan, state, oci CLI listing or qcow-size image record";
    assert_eq!(error_line(&AS_OF, ""), expected);
    assert_eq!(error_line(&["-"], "\n  \n"), expected);
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.json", "");
    let listing = write(dir.path(), "listing.json", "{\"data\": []}");
    let err = error_line(&[listing.to_str().unwrap(), empty.to_str().unwrap()], "");
    assert_eq!(
        err,
        format!(
            "oci-budget: error: {}: no plan, state, oci CLI listing or qcow-size image record",
            empty.display()
        )
    );
    let err = error_line(
        &["diff", listing.to_str().unwrap(), empty.to_str().unwrap()],
        "",
    );
    assert!(
        err.ends_with("empty.json: no plan, state, oci CLI listing or qcow-size image record"),
        "{err}"
    );
    let out = run(&[listing.to_str().unwrap(), "--as-of", "2026-11-22"], "", 0);
    assert_eq!(
        summary(&out)["resources"],
        json!(0),
        "an empty listing is a listing"
    );
    assert_eq!(
        error_line(&[], "{\"type\":\"layer\"}"),
        "oci-budget: error: <stdin>:1:1: \"type\": expected \"image\" (a qcow-size record), found \"layer\""
    );
    let image = r#"{"type":"image","path":"a.qcow2","file_size_bytes":1,"virtual_size_bytes":1}"#;
    let err = error_line(&[], &format!("{image}\n  {{\"type\": \"summary\"}}"));
    assert!(err.starts_with("oci-budget: error: <stdin>:2:3: "), "{err}");
    assert!(err.ends_with("found \"summary\""), "{err}");
}

/// An A1 instance as a state resource.
fn a1_resource(address: &str, ocpus: f64, memory: f64, boot: &str) -> Value {
    let mut values = a1(ocpus, memory, json!(boot));
    values["availability_domain"] = json!("AD-1");
    json!({"address": address, "mode": "managed", "type": "oci_core_instance",
           "name": address.rsplit('.').next().unwrap(),
           "schema_version": 0, "values": values, "sensitive_values": {}})
}

fn state_of(resources: Vec<Value>) -> Value {
    json!({"format_version": "1.0", "terraform_version": "1.8.0", "values": {"root_module": {"resources": resources}}})
}

#[test]
fn a_targeted_plan_counts_the_rest_of_what_exists() {
    let old = a1_resource("oci_core_instance.old", 2.0, 12.0, "150");
    let volume = json!({"address": "oci_core_volume.before_move", "mode": "managed", "type": "oci_core_volume",
                        "name": "before_move", "values": {"size_in_gbs": "50"}});
    let mut moved = change(
        "oci_core_volume.after_move",
        "oci_core_volume",
        &["no-op"],
        json!({"size_in_gbs": "50"}),
        json!({"size_in_gbs": "50"}),
        json!({}),
    );
    moved["previous_address"] = json!("oci_core_volume.before_move");
    let new = a1(1.0, 6.0, json!("100"));
    let targeted = plan(vec![
        create("oci_core_instance.new", "oci_core_instance", new),
        moved,
    ]);
    let mut with_prior: Value = serde_json::from_str(&targeted).unwrap();
    with_prior["prior_state"] = state_of(vec![old, volume]);
    let check = |out: &[Value]| {
        let ocpu = line(out, "a1.ocpu_hours");
        assert_eq!(
            (
                ocpu["used"].as_f64(),
                ocpu["baseline"].as_f64(),
                ocpu["status"].as_str()
            ),
            (Some(2232.0), Some(1488.0), Some("over"))
        );
        assert_eq!(line(out, "a1.instances")["used"], json!(2.0));
        assert_eq!(
            line(out, "block.total_gb")["used"],
            json!(300.0),
            "the moved volume counts once"
        );
    };
    let out = run(&AS_OF, &with_prior.to_string(), 1);
    check(&out);
    let kept = of_type(&out, "resource")
        .into_iter()
        .find(|r| r["address"] == "oci_core_instance.old")
        .unwrap();
    assert_eq!(kept["action"], "no_op");
    let dir = tempfile::tempdir().unwrap();
    let state = write(
        dir.path(),
        "state.json",
        &with_prior["prior_state"].to_string(),
    );
    let out = run(
        &[
            "--baseline",
            state.to_str().unwrap(),
            "--as-of",
            "2026-11-22",
        ],
        &targeted,
        1,
    );
    check(&out);
}

#[test]
fn usage_of_a_limit_with_no_edition_on_the_day_is_unknown() {
    let text = plan(vec![
        create(
            "oci_core_instance.a",
            "oci_core_instance",
            a1(2.0, 12.0, json!("50")),
        ),
        create(
            "oci_core_volume.v",
            "oci_core_volume",
            json!({"size_in_gbs": "50"}),
        ),
    ]);
    let out = run(&["--as-of", "2021-01-01"], &text, 1);
    assert_eq!(summary(&out)["status"], "unknown");
    let block = line(&out, "block.total_gb");
    assert_eq!(
        (block["limit"].as_f64(), block["status"].as_str()),
        (Some(100.0), Some("at_limit"))
    );
    let unjudged: Vec<&Value> = of_type(&out, "finding")
        .into_iter()
        .filter(|f| f["kind"] == "limit_not_in_force")
        .collect();
    assert_eq!(unjudged.len(), 3);
    let ocpu = unjudged
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .starts_with("a1.ocpu_hours: ")
        })
        .unwrap();
    assert_eq!(ocpu["status"], "unknown");
    assert!(
        ocpu["message"]
            .as_str()
            .unwrap()
            .contains("in force on 2021-01-01"),
        "{ocpu}"
    );
    run(&["--as-of", "2021-01-01", "--allow-unknown"], &text, 0);
}

#[test]
fn regions_are_read_as_keys_identifiers_or_availability_domains() {
    let instance = |region: &str| {
        json!({"data": [{"id": "ocid1.instance.oc1.iad.a", "display-name": "a", "shape": "VM.Standard.A1.Flex",
                         "lifecycle-state": "RUNNING", "region": region, "availability-domain": "Uocm:US-ASHBURN-AD-1",
                         "shape-config": {"ocpus": 1.0, "memory-in-gbs": 6.0}}]})
        .to_string()
    };
    let boot = json!({"data": [{"id": "ocid1.bootvolume.oc1.iad.b", "display-name": "a", "lifecycle-state": "AVAILABLE",
                                "availability-domain": "Uocm:US-ASHBURN-AD-1", "size-in-gbs": 50}]});
    let both = format!("{}\n{boot}", instance("iad"));
    for home in ["us-ashburn-1", "IAD"] {
        let out = run(&["--home-region", home, "--as-of", "2026-11-22"], &both, 0);
        assert_eq!(line(&out, "a1.instances")["used"], json!(1.0));
        assert_eq!(line(&out, "block.total_gb")["used"], json!(50.0));
        assert!(of_type(&out, "finding").is_empty(), "{out:?}");
        assert_eq!(summary(&out)["home_region"], "us-ashburn-1");
    }
    let out = run(
        &["--home-region", "us-phoenix-1", "--as-of", "2026-11-22"],
        &both,
        1,
    );
    let outside: Vec<&Value> = of_type(&out, "finding");
    assert_eq!(outside.len(), 2);
    assert!(outside.iter().all(|f| f["kind"] == "outside_home_region"));
    assert!(
        outside[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("in us-ashburn-1, outside"),
        "{}",
        outside[0]
    );
    let out = run(
        &["--home-region", "phx", "--as-of", "2026-11-22"],
        &instance("zzz"),
        1,
    );
    let finding = of_type(&out, "finding")[0];
    assert_eq!(
        (finding["kind"].as_str(), finding["status"].as_str()),
        (Some("unknown_region"), Some("unknown"))
    );
    assert_eq!(summary(&out)["status"], "unknown");
    assert_eq!(line(&out, "a1.instances")["used"], json!(1.0));
    assert!(usage_error(&["--home-region", "zzz"]).contains("region key"));
}

#[test]
fn errored_plans_are_errors_and_incomplete_plans_and_unknown_checks_are_unknown() {
    let mut doc: Value = serde_json::from_str(&plan(vec![create(
        "oci_core_vcn.v",
        "oci_core_vcn",
        json!({}),
    )]))
    .unwrap();
    doc["errored"] = json!(true);
    let err = error_line(&AS_OF, &doc.to_string());
    assert_eq!(
        err,
        "oci-budget: error: <stdin>:1:1: errored: the plan failed (\"errored\": true), so its values are not what apply would do"
    );
    doc["errored"] = json!(false);
    doc["complete"] = json!(false);
    let out = run(&AS_OF, &doc.to_string(), 1);
    let finding = of_type(&out, "finding")[0];
    assert_eq!(
        (finding["kind"].as_str(), finding["status"].as_str()),
        (Some("incomplete_plan"), Some("unknown"))
    );
    assert_eq!(summary(&out)["status"], "unknown");
    run(
        &["--allow-unknown", "--as-of", "2026-11-22"],
        &doc.to_string(),
        0,
    );
    doc["complete"] = json!(true);
    doc["checks"] = json!([{"address": {"kind": "check", "to_display": "check.later"}, "status": "unknown",
                            "instances": [{"status": "unknown"}]}]);
    let out = run(&AS_OF, &doc.to_string(), 1);
    let finding = of_type(&out, "finding")[0];
    assert_eq!(
        (
            finding["kind"].as_str(),
            finding["status"].as_str(),
            finding["address"].as_str()
        ),
        (Some("check_unknown"), Some("unknown"), Some("check.later"))
    );
}

/// The fixtures beside the repository, when present.
fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/oci/plans");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: no fixtures at {}", dir.display());
        None
    }
}

#[test]
fn fixture_plans_give_the_known_verdicts() {
    let Some(dir) = fixtures() else { return };
    let within = dir.join("a-within-free-tier.plan.json");
    let out = run(&[within.to_str().unwrap(), "--as-of", "2026-11-22"], "", 0);
    assert_eq!(line(&out, "block.total_gb")["status"], "at_limit");
    assert_eq!(line(&out, "net.flex_lb")["status"], "at_limit");
    assert_eq!(line(&out, "a1.ocpu_hours")["used"], json!(1488.0));
    let over = dir.join("b-over-1ocpu-50gb.plan.json");
    let baseline = dir.join("b-baseline.state.json");
    let out = run(
        &[
            over.to_str().unwrap(),
            "--baseline",
            baseline.to_str().unwrap(),
            "--as-of",
            "2026-11-22",
        ],
        "",
        1,
    );
    let ocpu = line(&out, "a1.ocpu_hours");
    assert_eq!(
        (ocpu["used"].as_f64(), ocpu["baseline"].as_f64()),
        (Some(2232.0), Some(1488.0))
    );
    let block = line(&out, "block.total_gb");
    assert_eq!(
        (
            block["used"].as_f64(),
            block["baseline"].as_f64(),
            block["status"].as_str()
        ),
        (Some(250.0), Some(150.0), Some("over"))
    );
    let state = run(
        &[baseline.to_str().unwrap(), "--as-of", "2026-11-22"],
        "",
        0,
    );
    assert_eq!(line(&state, "block.total_gb")["used"], json!(150.0));
}

#[test]
fn embedded_limits_agree_with_the_fixture_compilation() {
    let Some(dir) = fixtures() else { return };
    let text = std::fs::read_to_string(dir.join("../always-free-limits.json")).unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    let data = oci_budget::limits::LimitsData::embedded().unwrap();
    let pairs = [
        ("a1.ocpu_hours", "a1.ocpu_hours", "2026-11-22"),
        ("a1.memory_gb_hours", "a1.memory_gb_hours", "2026-11-22"),
        ("a1.instances", "a1.instances", "2026-11-22"),
        ("a1.ocpu_hours.legacy", "a1.ocpu_hours", "2026-06-14"),
        (
            "a1.memory_gb_hours.legacy",
            "a1.memory_gb_hours",
            "2026-06-14",
        ),
        ("a1.instances.legacy", "a1.instances", "2026-06-14"),
        ("micro.instances", "micro.instances", "2026-11-22"),
        ("block.total_gb", "block.total_gb", "2026-11-22"),
        ("block.backups", "block.backups", "2026-11-22"),
        ("object.storage_gb", "object.storage_gb", "2026-11-22"),
        ("net.vcn", "net.vcn", "2026-11-22"),
        ("net.flex_lb", "net.flex_lb", "2026-11-22"),
        ("net.nlb", "net.nlb", "2026-11-22"),
        ("db.adb", "db.autonomous", "2026-11-22"),
    ];
    for (fixture_id, id, day) in pairs {
        let expected = fixture["limits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == fixture_id)
            .unwrap()["limit"]
            .as_f64();
        let limits = data.in_force(day.parse().unwrap(), oci_budget::limits::Account::Free);
        let ours = limits.iter().find(|l| l.id == id).map(|l| l.limit);
        assert_eq!(ours, expected, "{fixture_id} on {day}");
    }
}

#[test]
fn fixture_shape_matches_the_generated_plans() {
    let Some(dir) = fixtures() else { return };
    let text = std::fs::read_to_string(dir.join("b-over-1ocpu-50gb.plan.json")).unwrap();
    let real: Value = serde_json::from_str(&text).unwrap();
    let made: Value = serde_json::from_str(&plan(vec![create(
        "oci_core_volume.x",
        "oci_core_volume",
        json!({}),
    )]))
    .unwrap();
    let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    for key in keys(&made["resource_changes"][0]) {
        assert!(
            real["resource_changes"][0].get(&key).is_some()
                || key == "module_address"
                || key == "index",
            "{key}"
        );
    }
    for key in keys(&made["resource_changes"][0]["change"]) {
        assert!(
            real["resource_changes"][1]["change"].get(&key).is_some(),
            "{key}"
        );
    }
}

/// A directory to run `terraform` in, or `None` (saying why) when it is not installed.
fn terraform_dir() -> Option<tempfile::TempDir> {
    if Command::new("terraform").arg("version").output().is_err() {
        println!("skipped: terraform is not installed");
        return None;
    }
    Some(tempfile::tempdir().unwrap())
}

/// Runs `terraform ARGS` in `dir` (automation mode) and returns its stdout; it must succeed.
fn terraform_in(dir: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new("terraform")
        .args(args)
        .current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "terraform {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Real `terraform show -json` of a plan whose modules nest three deep with `for_each` and
/// `count` (built-in `terraform_data` resources, so no provider is needed).
#[test]
fn real_terraform_plan_json_is_read() {
    let Some(dir) = terraform_dir() else {
        return;
    };
    let root = dir.path();
    std::fs::create_dir_all(root.join("a/b/c")).unwrap();
    write(
        root,
        "main.tf",
        "module \"a\" {\n  source = \"./a\"\n  for_each = toset([\"x\", \"y\"])\n}\nresource \"terraform_data\" \"top\" {\n  count = 2\n  input = count.index\n}\n",
    );
    write(
        &root.join("a"),
        "main.tf",
        "module \"b\" {\n  source = \"./b\"\n  count = 2\n}\n",
    );
    write(
        &root.join("a/b"),
        "main.tf",
        "module \"c\" {\n  source = \"./c\"\n}\n",
    );
    write(
        &root.join("a/b/c"),
        "main.tf",
        "resource \"terraform_data\" \"leaf\" {\n  input = \"v\"\n}\ncheck \"always\" {\n  assert {\n    condition = terraform_data.leaf.input == \"w\"\n    error_message = \"fails on purpose\"\n  }\n}\n",
    );
    let terraform = |args: &[&str]| terraform_in(root, args);
    terraform(&["init", "-input=false", "-backend=false"]);
    terraform(&["plan", "-input=false", "-out=plan.out"]);
    let json = terraform(&["show", "-json", "plan.out"]);
    let out = run(
        &["--as-of", "2026-11-22"],
        std::str::from_utf8(&json).unwrap(),
        1,
    );
    assert!(
        of_type(&out, "resource").is_empty(),
        "terraform_data is not an OCI resource"
    );
    let checks: Vec<&Value> = of_type(&out, "finding")
        .into_iter()
        .filter(|f| f["kind"] == "check_failed")
        .collect();
    assert!(
        !checks.is_empty(),
        "the failing check block is reported: {out:?}"
    );
}

/// Real `terraform show -json` of a `-target` plan: it lists only the target, and its
/// `prior_state` holds the rest, in the shape the tool reads.
#[test]
fn real_terraform_targeted_plan_keeps_the_rest_in_prior_state() {
    let Some(dir) = terraform_dir() else {
        return;
    };
    let root = dir.path();
    let config = |b: &str| {
        format!(
            "resource \"terraform_data\" \"a\" {{\n  input = \"x\"\n}}\nresource \"terraform_data\" \"b\" {{\n  input = \"{b}\"\n}}\n"
        )
    };
    write(root, "main.tf", &config("y"));
    let terraform = |args: &[&str]| terraform_in(root, args);
    terraform(&["init", "-input=false", "-backend=false"]);
    terraform(&["apply", "-input=false", "-auto-approve"]);
    write(root, "main.tf", &config("z"));
    terraform(&[
        "plan",
        "-input=false",
        "-target=terraform_data.b",
        "-out=plan.out",
    ]);
    let json = terraform(&["show", "-json", "plan.out"]);
    let mut inputs = oci_budget::document::Inputs::default();
    oci_budget::document::read_bytes("plan.json", &json, &mut inputs).unwrap();
    let scope = &inputs.plans[0];
    let listed: Vec<&str> = scope.listed.iter().map(String::as_str).collect();
    assert_eq!(listed, ["terraform_data.b"]);
    let prior: Vec<&str> = scope
        .prior
        .as_deref()
        .unwrap()
        .iter()
        .map(|c| c.address.as_str())
        .collect();
    assert_eq!(prior, ["terraform_data.a", "terraform_data.b"]);
}
