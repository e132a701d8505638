//! The encodings cloud-init undoes: base64 (as Python's decoder reads it, line breaks
//! allowed) and gzip (every member, as Python's `gzip` module reads it). Used to check
//! `write_files` content before it is passed through, and to read gzip user-data in `lint`.

use std::io::Read as _;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flate2::read::MultiGzDecoder;

/// The two bytes every gzip stream starts with.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Decodes base64 text, ignoring ASCII whitespace (wrapped lines); anything else outside the
/// alphabet, or wrong padding, is an error.
pub fn base64_bytes(text: &str) -> Result<Vec<u8>, String> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    STANDARD
        .decode(compact)
        .map_err(|err| format!("not base64 ({err})"))
}

/// Decompresses gzip data, stopping with an error past `limit` bytes of output.
pub fn gunzip(data: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    if !data.starts_with(&GZIP_MAGIC) {
        return Err("not gzip data (no 1f 8b header)".into());
    }
    let mut out = Vec::new();
    MultiGzDecoder::new(data)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|err| format!("not valid gzip data ({err})"))?;
    if out.len() as u64 > limit {
        return Err(format!("decompresses to more than {limit} bytes"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_allows_line_breaks_only() {
        assert_eq!(base64_bytes("aGVs\nbG8=\n").unwrap(), b"hello");
        assert_eq!(base64_bytes("").unwrap(), b"");
        assert!(
            base64_bytes("aGVsbG8")
                .unwrap_err()
                .starts_with("not base64")
        );
        assert!(base64_bytes("aGVs*bG8=").is_err());
    }

    #[test]
    fn gzip_members_are_all_read_and_limited() {
        let mut two = crate::userdata::gzip(b"ab").unwrap();
        two.extend(crate::userdata::gzip(b"cd").unwrap());
        assert_eq!(gunzip(&two, 100).unwrap(), b"abcd");
        assert!(gunzip(&two, 3).unwrap_err().contains("more than 3 bytes"));
        assert!(gunzip(b"plain", 100).unwrap_err().contains("no 1f 8b"));
        let mut cut = crate::userdata::gzip(b"abcdef").unwrap();
        cut.truncate(cut.len() - 4);
        assert!(gunzip(&cut, 100).unwrap_err().starts_with("not valid gzip"));
    }
}
