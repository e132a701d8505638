//! Arbitrary bytes as an image: the header, extensions, snapshot table and bitmap directory
//! parsers, then the L1/L2 walk, the refcount scan and the consistency check, must return an
//! error or a result, never panic or allocate beyond what the input justifies.

#![no_main]

use libfuzzer_sys::fuzz_target;
use qcow_size::disk::Disk;
use qcow_size::extents::LayerMap;
use qcow_size::image::{Image, from_disk};
use qcow_size::{check, refcount, scan};

fuzz_target!(|data: &[u8]| {
    if let Ok(Image::Qcow2(q)) = from_disk(Disk::from_bytes(data.to_vec())) {
        let mut map = LayerMap::default();
        let _ = scan::scan(&q.disk, &q.header, |e| map.push(e));
        let _ = refcount::used_end(&q.disk, &q.header);
        let _ = check::check(&q);
    }
});
