//! Agreement with `qemu-img`: images made at test time with every option `qemu-img create`
//! offers, compared field by field with `qemu-img info/check/map --output=json`.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The secret LUKS images are made with.
const SECRET: &str = "secret,id=sec0,data=123456";

/// One image to make: options for `qemu-img create`, virtual size, `qemu-io` commands.
struct Case {
    name: &'static str,
    create: &'static [&'static str],
    size: &'static str,
    io: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "v3-default",
        create: &[],
        size: "1G",
        io: &[
            "write 0 1M",
            "write -z 4M 64k",
            "write -c 8M 64k",
            "write 100M 4k",
        ],
    },
    Case {
        name: "v2",
        create: &["-o", "compat=0.10"],
        size: "256M",
        io: &["write 0 300k", "write -z 1M 64k", "write -c 2M 64k"],
    },
    Case {
        name: "c512",
        create: &["-o", "cluster_size=512"],
        size: "64M",
        io: &["write 0 100k", "write 10M 3k", "write -c 20M 512"],
    },
    Case {
        name: "c4k-rc1",
        create: &["-o", "cluster_size=4k,refcount_bits=1"],
        size: "64M",
        io: &["write 0 1M", "write 32M 4k"],
    },
    Case {
        name: "c2m-rc64",
        create: &["-o", "cluster_size=2M,refcount_bits=64"],
        size: "1G",
        io: &["write 0 3M", "write 100M 4k"],
    },
    Case {
        name: "rc2",
        create: &["-o", "refcount_bits=2"],
        size: "64M",
        io: &["write 0 200k"],
    },
    Case {
        name: "rc4",
        create: &["-o", "refcount_bits=4"],
        size: "64M",
        io: &["write 1M 200k"],
    },
    Case {
        name: "rc8",
        create: &["-o", "refcount_bits=8"],
        size: "64M",
        io: &["write 1M 200k"],
    },
    Case {
        name: "rc32",
        create: &["-o", "refcount_bits=32"],
        size: "64M",
        io: &["write 1M 200k"],
    },
    Case {
        name: "lazy",
        create: &["-o", "lazy_refcounts=on"],
        size: "64M",
        io: &["write 0 200k"],
    },
    Case {
        name: "dirty",
        create: &["-o", "lazy_refcounts=on"],
        size: "64M",
        io: &["write 0 1M", "abort"],
    },
    Case {
        name: "zstd",
        create: &["-o", "compression_type=zstd"],
        size: "64M",
        io: &["write -c 0 64k", "write -c 64k 64k", "write 1M 64k"],
    },
    Case {
        name: "extl2",
        create: &["-o", "extended_l2=on"],
        size: "64M",
        io: &[
            "write 70k 1k",
            "write 1M 64k",
            "write -z 2M 64k",
            "write -z 3M 4k",
            "write -c 4M 64k",
        ],
    },
    Case {
        name: "extl2-c2m",
        create: &["-o", "extended_l2=on,cluster_size=2M"],
        size: "256M",
        io: &["write 0 100k", "write 5M 1M"],
    },
    Case {
        name: "prealloc-metadata",
        create: &["-o", "preallocation=metadata"],
        size: "64M",
        io: &[],
    },
    Case {
        name: "prealloc-falloc",
        create: &["-o", "preallocation=falloc"],
        size: "16M",
        io: &[],
    },
    Case {
        name: "prealloc-full",
        create: &["-o", "preallocation=full"],
        size: "16M",
        io: &[],
    },
    Case {
        name: "v2-prealloc-metadata",
        create: &["-o", "compat=0.10,preallocation=metadata"],
        size: "16M",
        io: &[],
    },
    Case {
        name: "data-file",
        create: &["-o", "data_file=data-file.raw"],
        size: "64M",
        io: &["write 0 1M", "write 10M 64k"],
    },
    Case {
        name: "data-file-raw",
        create: &["-o", "data_file=data-file-raw.raw,data_file_raw=on"],
        size: "64M",
        io: &["write 0 1M"],
    },
    Case {
        name: "sparse-1t",
        create: &[],
        size: "1T",
        io: &["write 0 64k", "write 1000G 64k"],
    },
    Case {
        name: "sparse-64t",
        create: &[],
        size: "64T",
        io: &["write 63T 64k"],
    },
    Case {
        name: "sparse-1p-c2m",
        create: &["-o", "cluster_size=2M"],
        size: "1P",
        io: &["write 0 64k", "write 1000T 64k"],
    },
    Case {
        name: "odd-size",
        create: &[],
        size: "100000000",
        io: &["write 99999744 256"],
    },
];

fn qemu_img_present() -> bool {
    let present = Command::new("qemu-img").arg("--version").output().is_ok()
        && Command::new("qemu-io").arg("--version").output().is_ok();
    if !present {
        eprintln!("skipped: qemu-img or qemu-io is not installed (Debian package qemu-utils)");
    }
    present
}

fn run(dir: &Path, program: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success() || program == "qemu-img" && args[0] == "check",
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

fn make(dir: &Path, case: &Case) -> String {
    let file = format!("{}.qcow2", case.name);
    let mut args = vec!["create", "-q", "-f", "qcow2"];
    args.extend(case.create);
    args.extend([file.as_str(), case.size]);
    run(dir, "qemu-img", &args);
    write(dir, &file, case.io);
    file
}

fn write(dir: &Path, file: &str, commands: &[&str]) {
    if commands.is_empty() {
        return;
    }
    let mut args = Vec::new();
    for c in commands {
        args.extend(["-c", c]);
    }
    args.push(file);
    // `abort` kills qemu-io on purpose, leaving a dirty image behind.
    let _ = Command::new("qemu-io")
        .args(&args)
        .current_dir(dir)
        .output()
        .unwrap();
}

/// Our records for `file` with every option: the layers of its chain, top first.
fn ours(dir: &Path, file: &str) -> Vec<Value> {
    let out = assert_cmd::cargo::cargo_bin_cmd!("qcow-size")
        .args(["--check", "--measure", "--backing-chain", file])
        .current_dir(dir)
        .output()
        .unwrap();
    let records: Vec<Value> = serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect();
    let clean = records
        .iter()
        .all(|r| r["format"] == "raw" || r["check_verdict"] == "clean");
    assert_eq!(
        out.status.code(),
        Some(if clean { 0 } else { 1 }),
        "{file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    records
}

/// `qemu-img` arguments that open `file`, with the LUKS key when it needs one.
fn open_args(file: &str, luks: bool) -> Vec<String> {
    if luks {
        vec![
            "--object".into(),
            SECRET.into(),
            "--image-opts".into(),
            format!("driver=qcow2,file.filename={file},encrypt.key-secret=sec0"),
        ]
    } else {
        vec![file.to_string()]
    }
}

fn qemu(dir: &Path, command: &str, file: &str, luks: bool) -> Value {
    let mut args = vec![command.to_string(), "--output=json".to_string()];
    args.extend(open_args(file, luks));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    json(&run(dir, "qemu-img", &args))
}

/// Guest bytes `qemu-img map` reports as data in the top layer.
fn mapped_data(map: &Value) -> u64 {
    map.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["depth"] == 0 && e["data"] == true)
        .map(|e| e["length"].as_u64().unwrap())
        .sum()
}

fn compare(dir: &Path, file: &str, luks: bool) {
    let layers = ours(dir, file);
    let r = &layers[0];
    let info = qemu(dir, "info", file, false);
    let check = qemu(dir, "check", file, luks);
    let map = qemu(dir, "map", file, luks);
    let fs = &info["format-specific"]["data"];
    let ctx = format!("{file}: ours {r}\ninfo {info}\ncheck {check}");
    let eq = |ours: &Value, theirs: Value, field: &str| {
        assert_eq!(ours, &theirs, "{field} differs for {ctx}");
    };
    eq(&r["type"], "image".into(), "type");
    eq(&r["format"], info["format"].clone(), "format");
    eq(
        &r["virtual_size_bytes"],
        info["virtual-size"].clone(),
        "virtual size",
    );
    eq(
        &r["cluster_size_bytes"],
        info["cluster-size"].clone(),
        "cluster size",
    );
    eq(
        &r["actual_size_bytes"],
        info["actual-size"].clone(),
        "actual size",
    );
    let version = if fs["compat"] == "0.10" { 2 } else { 3 };
    eq(&r["qcow2_version"], version.into(), "version");
    eq(
        &r["compression_type"],
        fs["compression-type"].clone(),
        "compression type",
    );
    eq(
        &r["refcount_bits"],
        fs["refcount-bits"].clone(),
        "refcount bits",
    );
    let flag = |v: &Value| Value::Bool(v.as_bool().unwrap_or(false));
    eq(
        &r["lazy_refcounts"],
        flag(&fs["lazy-refcounts"]),
        "lazy refcounts",
    );
    eq(&r["corrupt"], flag(&fs["corrupt"]), "corrupt");
    eq(&r["extended_l2"], flag(&fs["extended-l2"]), "extended L2");
    eq(&r["dirty"], info["dirty-flag"].clone(), "dirty");
    let or_null = |v: &Value| if v.is_null() { Value::Null } else { v.clone() };
    eq(&r["data_file"], or_null(&fs["data-file"]), "data file");
    eq(
        &r["encryption"],
        or_null(&fs["encrypt"]["format"]),
        "encryption",
    );
    eq(
        &r["backing_file"],
        or_null(&info["backing-filename"]),
        "backing file",
    );
    eq(
        &r["backing_format"],
        or_null(&info["backing-filename-format"]),
        "backing format",
    );
    let count = |v: &Value| Value::from(v.as_u64().unwrap_or(0));
    eq(
        &r["allocated_clusters"],
        count(&check["allocated-clusters"]),
        "allocated clusters",
    );
    eq(
        &r["compressed_clusters"],
        count(&check["compressed-clusters"]),
        "compressed clusters",
    );
    eq(
        &r["fragmented_clusters"],
        count(&check["fragmented-clusters"]),
        "fragmented clusters",
    );
    eq(
        &r["image_end_offset_bytes"],
        check["image-end-offset"].clone(),
        "image end",
    );
    eq(
        &r["allocated_bytes"],
        mapped_data(&map).into(),
        "allocated bytes",
    );
    compare_snapshots(r, &info, &ctx);
    compare_bitmaps(r, fs, &ctx);
    compare_measure(dir, r, file, luks, &ctx);
    compare_chain(dir, &layers, file, &map, &ctx);
}

fn compare_measure(dir: &Path, r: &Value, file: &str, luks: bool, ctx: &str) {
    let mut args = vec![
        "measure".to_string(),
        "--output=json".into(),
        "-O".into(),
        "qcow2".into(),
    ];
    args.extend(open_args(file, luks));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let m = json(&run(dir, "qemu-img", &args));
    assert_eq!(
        r["required_bytes"], m["required"],
        "required for {ctx}\nmeasure {m}"
    );
    assert_eq!(
        r["fully_allocated_bytes"], m["fully-allocated"],
        "fully allocated for {ctx}"
    );
    let bitmaps = if m["bitmaps"].is_null() {
        Value::Null
    } else {
        m["bitmaps"].clone()
    };
    assert_eq!(r["bitmaps_bytes"], bitmaps, "bitmaps for {ctx}");
}

/// Every layer of `qemu-img info --backing-chain`, and the chain's data from `qemu-img map`.
fn compare_chain(dir: &Path, layers: &[Value], file: &str, map: &Value, ctx: &str) {
    let out = run(
        dir,
        "qemu-img",
        &["info", "--backing-chain", "--output=json", file],
    );
    let chain = json(&out);
    let chain = chain.as_array().unwrap();
    assert_eq!(layers.len(), chain.len(), "layers of {ctx}");
    for (depth, (ours, theirs)) in layers.iter().zip(chain).enumerate() {
        assert_eq!(ours["depth"], depth, "{ctx}");
        assert_eq!(ours["format"], theirs["format"], "{ctx}");
        assert_eq!(ours["virtual_size_bytes"], theirs["virtual-size"], "{ctx}");
        let backing = theirs["backing-filename"].clone();
        assert_eq!(ours["backing_file"], backing, "{ctx}");
    }
    let data: u64 = map
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["data"] == true)
        .map(|e| e["length"].as_u64().unwrap())
        .sum();
    assert_eq!(
        layers[0]["chain_allocated_bytes"], data,
        "chain data of {ctx}"
    );
}

fn compare_snapshots(r: &Value, info: &Value, ctx: &str) {
    let theirs = info["snapshots"].as_array().cloned().unwrap_or_default();
    let ours = r["snapshots"].as_array().unwrap();
    assert_eq!(ours.len(), theirs.len(), "snapshot count for {ctx}");
    for (o, t) in ours.iter().zip(&theirs) {
        assert_eq!(o["id"], t["id"], "{ctx}");
        assert_eq!(o["name"], t["name"], "{ctx}");
        assert_eq!(o["vm_state_size_bytes"], t["vm-state-size"], "{ctx}");
        let clock = t["vm-clock-sec"].as_u64().unwrap() * 1_000_000_000
            + t["vm-clock-nsec"].as_u64().unwrap();
        assert_eq!(o["vm_clock_ns"], clock, "{ctx}");
        assert_eq!(o["icount"], t["icount"], "{ctx}");
        let date = time_of(t["date-sec"].as_i64().unwrap());
        assert_eq!(o["date"], date, "{ctx}");
    }
}

/// The RFC 3339 form of Unix seconds, computed by `date` (GNU coreutils) as an oracle.
fn time_of(seconds: i64) -> String {
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{seconds}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn compare_bitmaps(r: &Value, fs: &Value, ctx: &str) {
    let theirs = fs["bitmaps"].as_array().cloned().unwrap_or_default();
    let ours = r["bitmaps"].as_array().unwrap();
    assert_eq!(ours.len(), theirs.len(), "bitmap count for {ctx}");
    for (o, t) in ours.iter().zip(&theirs) {
        assert_eq!(o["name"], t["name"], "{ctx}");
        assert_eq!(o["granularity_bytes"], t["granularity"], "{ctx}");
        let flags: Vec<Value> = t["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().replace('-', "_").into())
            .collect();
        assert_eq!(o["flags"], Value::Array(flags), "{ctx}");
    }
}

#[test]
fn every_create_option_agrees_with_qemu_img() {
    if !qemu_img_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for case in CASES {
        let file = make(dir.path(), case);
        compare(dir.path(), &file, false);
    }
}

#[test]
fn snapshots_bitmaps_and_chains_agree_with_qemu_img() {
    if !qemu_img_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = make(
        d,
        &Case {
            name: "base",
            create: &[],
            size: "64M",
            io: &["write 0 2M"],
        },
    );
    run(d, "qemu-img", &["snapshot", "-c", "first", &base]);
    write(d, &base, &["write 1M 2M"]);
    run(d, "qemu-img", &["snapshot", "-c", "second", &base]);
    run(d, "qemu-img", &["bitmap", "--add", &base, "b0"]);
    run(
        d,
        "qemu-img",
        &["bitmap", "--add", "-g", "512k", "--disable", &base, "b1"],
    );
    compare(d, &base, false);
    run(d, "qemu-img", &["snapshot", "-d", "first", &base]);
    compare(d, &base, false);

    run(
        d,
        "qemu-img",
        &[
            "create",
            "-q",
            "-f",
            "qcow2",
            "-b",
            "base.qcow2",
            "-F",
            "qcow2",
            "mid.qcow2",
        ],
    );
    write(d, "mid.qcow2", &["write 512k 64k", "write -z 0 64k"]);
    run(
        d,
        "qemu-img",
        &["create", "-q", "-f", "raw", "raw.img", "32M"],
    );
    run(
        d,
        "qemu-img",
        &[
            "create",
            "-q",
            "-f",
            "qcow2",
            "-b",
            "raw.img",
            "-F",
            "raw",
            "-o",
            "compat=0.10",
            "over-raw.qcow2",
        ],
    );
    write(d, "over-raw.qcow2", &["write 0 64k"]);
    compare(d, "mid.qcow2", false);
    compare(d, "over-raw.qcow2", false);

    let v2 = make(
        d,
        &Case {
            name: "v2-snap",
            create: &["-o", "compat=0.10"],
            size: "64M",
            io: &["write 0 64k"],
        },
    );
    run(d, "qemu-img", &["snapshot", "-c", "s", &v2]);
    compare(d, &v2, false);
}

#[test]
fn luks_and_aes_images_agree_with_qemu_img() {
    if !qemu_img_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(
        d,
        "qemu-img",
        &[
            "create",
            "-q",
            "-f",
            "qcow2",
            "--object",
            SECRET,
            "-o",
            "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10",
            "luks.qcow2",
            "64M",
        ],
    );
    run(
        d,
        "qemu-io",
        &[
            "--object",
            SECRET,
            "--image-opts",
            "driver=qcow2,file.filename=luks.qcow2,encrypt.key-secret=sec0",
            "-c",
            "write 0 128k",
        ],
    );
    compare(d, "luks.qcow2", true);
    run(
        d,
        "qemu-img",
        &[
            "create",
            "-q",
            "-f",
            "qcow2",
            "--object",
            SECRET,
            "-o",
            "encrypt.format=aes,encrypt.key-secret=sec0",
            "aes.qcow2",
            "64M",
        ],
    );
    compare(d, "aes.qcow2", true);
}

#[test]
fn committed_images_agree_with_qemu_img() {
    if !qemu_img_present() {
        return;
    }
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for file in [
        "base.qcow2",
        "overlay.qcow2",
        "v2-512.qcow2",
        "extl2-zstd.qcow2",
    ] {
        compare(&data, file, false);
    }
}
