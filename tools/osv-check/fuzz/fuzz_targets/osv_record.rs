//! Untrusted OSV records (from an offline database or the API) evaluated against a few
//! versions of the package they name: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osv_check::matching::affects;
use osv_check::osv::Vulnerability;
use osv_check::package::Package;

fuzz_target!(|data: &[u8]| {
    let Ok(vuln) = serde_json::from_slice::<Vulnerability>(data) else {
        return;
    };
    for affected in &vuln.affected {
        let Some(package) = &affected.package else {
            continue;
        };
        let mut versions: Vec<String> = affected.versions.clone();
        versions.extend(["0", "1.0.0", "", "1:2.3-4~rc1", "1.0.post1"].map(String::from));
        for version in versions {
            let p = Package::new(&package.ecosystem, &package.name, &version, "fuzz");
            let _ = affects(&vuln, &p);
            let _ = vuln.fixed_versions(&p.ecosystem, &p.name);
        }
    }
});
