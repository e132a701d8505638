//! MIME multipart user-data: the cloud-config part plus one part per script, every part with
//! the merge header so that parts append to lists instead of replacing them.

use anyhow::{Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// Merge rule repeated on every part: cloud-init does not carry it from one part to the next.
pub const MERGE_TYPE: &str = "list(append)+dict(no_replace,recurse_list)+str()";

/// One part of a multipart user-data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    /// The part's `Content-Type`, such as `text/cloud-config`.
    pub content_type: &'static str,
    /// The attachment's file name.
    pub filename: &'a str,
    /// The part's text.
    pub body: &'a str,
}

/// Joins parts into one `multipart/mixed` document. The boundary is derived from the bodies,
/// so the same parts always give the same bytes.
pub fn multipart(parts: &[Part<'_>]) -> Result<String> {
    let boundary = boundary(parts);
    if parts.iter().any(|p| p.body.contains(&boundary)) {
        bail!("a part contains the MIME boundary {boundary}");
    }
    let mut out =
        format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\nMIME-Version: 1.0\n\n");
    for part in parts {
        let (encoding, body) = transfer_encoding(part.body);
        out.push_str(&format!(
            "--{boundary}\nContent-Type: {}; charset=\"utf-8\"\nMIME-Version: 1.0\n\
             Content-Transfer-Encoding: {encoding}\nContent-Disposition: attachment; filename=\"{}\"\n\
             X-Merge-Type: {MERGE_TYPE}\n\n{body}\n",
            part.content_type, part.filename
        ));
    }
    out.push_str(&format!("--{boundary}--\n"));
    Ok(out)
}

/// ASCII bodies go as they are; others as base64, because cloud-init reads an 8bit part as
/// Latin-1 and turns every non-ASCII byte into a surrogate escape.
fn transfer_encoding(body: &str) -> (&'static str, String) {
    if body.is_ascii() {
        return ("7bit", body.to_string());
    }
    let encoded = STANDARD.encode(body);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    ("base64", lines.join("\n"))
}

fn boundary(parts: &[Part<'_>]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.filename.as_bytes());
        hasher.update([0]);
        hasher.update(part.body.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("==============={hex}==")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_has_the_merge_header() {
        let parts = [
            Part {
                content_type: "text/cloud-config",
                filename: "cloud-config.yaml",
                body: "#cloud-config\na: 1\n",
            },
            Part {
                content_type: "text/x-shellscript",
                filename: "s.sh",
                body: "#!/bin/sh\necho é\n",
            },
        ];
        let doc = multipart(&parts).unwrap();
        assert_eq!(
            doc.matches(&format!("X-Merge-Type: {MERGE_TYPE}\n"))
                .count(),
            2
        );
        assert!(doc.contains("Content-Transfer-Encoding: base64\n"));
        assert!(doc.contains(&STANDARD.encode("#!/bin/sh\necho é\n")));
        assert!(doc.ends_with("--\n"));
        assert_eq!(doc, multipart(&parts).unwrap());
    }
}
