//! Reading MIME multipart user-data as cloud-init does: split on the boundary, decode each
//! part's transfer encoding, and name its type by its first line where cloud-init does so
//! (`text/plain`, `text/x-not-multipart`, `text/x-shellscript`, or no type at all).

use crate::codec;

/// One part of a multipart user-data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The part's headers, names as written.
    pub headers: Vec<(String, String)>,
    /// The body as written, before any transfer decoding.
    pub raw_body: String,
    /// The body after transfer decoding, or why it could not be decoded.
    pub body: Result<Vec<u8>, String>,
}

impl Part {
    /// The value of the first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The declared content type, lower case, without parameters (empty when absent).
    pub fn declared_type(&self) -> String {
        let value = self.header("Content-Type").unwrap_or_default();
        let media = value.split(';').next().unwrap_or_default();
        media.trim().to_ascii_lowercase()
    }

    /// The `Content-Transfer-Encoding`, lower case (empty when absent).
    pub fn transfer_encoding(&self) -> String {
        self.header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    }
}

/// Content types whose type cloud-init decides from the payload's first line instead.
const SNIFFED: [&str; 4] = [
    "",
    "text/plain",
    "text/x-not-multipart",
    "text/x-shellscript",
];

/// First lines cloud-init recognises and the types they give, longest first.
const STARTS: [(&str, &str); 9] = [
    ("#cloud-config-archive", "text/cloud-config-archive"),
    ("#cloud-config-jsonp", "text/cloud-config-jsonp"),
    ("## template: jinja", "text/jinja2"),
    ("#cloud-boothook", "text/cloud-boothook"),
    ("#include-once", "text/x-include-once-url"),
    ("#cloud-config", "text/cloud-config"),
    ("#part-handler", "text/part-handler"),
    ("#include", "text/x-include-url"),
    ("#!", "text/x-shellscript"),
];

/// The type cloud-init gives a payload by its start, if it recognises it.
pub fn type_from_start(payload: &str) -> Option<&'static str> {
    STARTS
        .iter()
        .find(|(prefix, _)| payload.starts_with(prefix))
        .map(|(_, kind)| *kind)
}

/// The type cloud-init acts on for a part with this declared type and decoded body.
pub fn effective_type(declared: &str, body: &str) -> String {
    if SNIFFED.contains(&declared) {
        if let Some(kind) = type_from_start(body) {
            return kind.to_string();
        }
    }
    declared.to_string()
}

/// The boundary named in the top-level headers.
pub fn boundary(text: &str) -> Option<String> {
    text.lines()
        .take_while(|l| !l.trim().is_empty())
        .find_map(|line| {
            let lower = line.to_ascii_lowercase();
            let at = lower.find("boundary=")? + "boundary=".len();
            let value = line[at..].split(';').next().unwrap_or_default();
            let value = value.trim().trim_matches('"');
            (!value.is_empty()).then(|| value.to_string())
        })
}

/// The parts of a multipart document (CRLF or LF line ends), or `None` without a boundary.
/// Bodies keep their line ends, as cloud-init passes them on.
pub fn parts(text: &str) -> Option<Vec<Part>> {
    let delimiter = format!("\n--{}", boundary(text)?);
    let mut out = Vec::new();
    for chunk in format!("\n{text}").split(&delimiter).skip(1) {
        if chunk.starts_with("--") {
            break;
        }
        let chunk = chunk.split_once('\n').map_or("", |(_, rest)| rest);
        out.push(part(chunk.strip_suffix('\r').unwrap_or(chunk)));
    }
    Some(out)
}

/// One part: headers up to the first empty line (folded lines joined), then the body.
fn part(chunk: &str) -> Part {
    let blank = [chunk.find("\n\n"), chunk.find("\n\r\n")]
        .into_iter()
        .flatten()
        .min();
    let (head, raw_body) = match blank {
        Some(at) => {
            let rest = &chunk[at + 1..];
            (
                &chunk[..at],
                rest.strip_prefix("\r\n")
                    .or(rest.strip_prefix('\n'))
                    .unwrap_or(rest),
            )
        }
        None => (chunk, ""),
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    let mut part = Part {
        headers,
        raw_body: raw_body.to_string(),
        body: Ok(Vec::new()),
    };
    part.body = match part.transfer_encoding().as_str() {
        "base64" => codec::base64_bytes(raw_body),
        "quoted-printable" => quoted_printable(&raw_body.replace("\r\n", "\n")),
        "" | "7bit" | "8bit" | "binary" => Ok(raw_body.as_bytes().to_vec()),
        other => Err(format!("unknown transfer encoding {other:?}")),
    };
    part
}

/// Decodes quoted-printable text: `=XX` is a byte, `=` at a line end joins the lines.
fn quoted_printable(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        if b != b'=' {
            out.push(b);
            at += 1;
        } else if bytes.get(at + 1) == Some(&b'\n') {
            at += 2;
        } else {
            let hex = bytes
                .get(at + 1..at + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("not quoted-printable at byte {at}"))?;
            out.push(hex);
            at += 3;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "Content-Type: multipart/mixed; boundary=\"XX\"\r\nMIME-Version: 1.0\r\n\r\n--XX\r\nContent-Type: text/plain\r\nX-Merge-Type: list(append)\r\n\r\n#cloud-config\r\na: 1\r\n--XX\r\nContent-Type: text/x-shellscript;\r\n charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\nIyEvYmluL3NoCg==\r\n--XX--\r\n";

    #[test]
    fn parts_are_split_decoded_and_typed() {
        let parts = parts(DOC).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].header("x-merge-type"), Some("list(append)"));
        assert_eq!(parts[0].body.as_deref().unwrap(), b"#cloud-config\r\na: 1");
        assert_eq!(
            effective_type(&parts[0].declared_type(), "#cloud-config\n"),
            "text/cloud-config"
        );
        assert_eq!(parts[1].declared_type(), "text/x-shellscript");
        assert_eq!(parts[1].body.as_deref().unwrap(), b"#!/bin/sh\n");
        assert_eq!(
            parts[1].header("Content-Type"),
            Some("text/x-shellscript; charset=\"utf-8\"")
        );
    }

    #[test]
    fn malformed_documents_give_what_they_can() {
        assert!(parts("Content-Type: multipart/mixed\n\n--x\n").is_none());
        assert!(parts("Content-Type: multipart/mixed; boundary=\"\"\n\n").is_none());
        let no_end = "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\n!!!\n";
        let parts = parts(no_end).unwrap();
        assert_eq!(parts.len(), 1);
        assert!(
            parts[0]
                .body
                .as_ref()
                .unwrap_err()
                .starts_with("not base64")
        );
        let qp = part("Content-Transfer-Encoding: quoted-printable\n\na=3Db=\nc=C3=A9");
        assert_eq!(qp.body.unwrap(), "a=bcé".as_bytes());
        let bad = part("Content-Transfer-Encoding: quoted-printable\n\na=G1");
        assert!(bad.body.unwrap_err().starts_with("not quoted-printable"));
        let odd = part("Content-Transfer-Encoding: uuencode\n\nx");
        assert!(odd.body.unwrap_err().contains("uuencode"));
    }

    #[test]
    fn declared_types_other_than_plain_are_kept() {
        assert_eq!(
            effective_type("text/cloud-boothook", "#!/bin/sh"),
            "text/cloud-boothook"
        );
        assert_eq!(effective_type("text/plain", "hello"), "text/plain");
        assert_eq!(
            type_from_start("#cloud-config-archive\n"),
            Some("text/cloud-config-archive")
        );
    }
}
