//! SSH public keys in `authorized_keys` form: `<type> <base64 blob> [comment]`, the blob read as
//! SSH wire format (the type name, then the fields that type needs, nothing after) so that a
//! truncated, padded or mislabelled key is caught before boot.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Key types OpenSSH accepts in `authorized_keys`.
const TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// Checks one public key line; the error says what is wrong with it.
pub fn check(line: &str) -> Result<(), String> {
    if line.contains(['\n', '\r', '\0']) {
        return Err("it spans several lines".into());
    }
    let mut fields = line.split_ascii_whitespace();
    let kind = fields.next().ok_or("it is empty")?;
    if !TYPES.contains(&kind) {
        return Err(format!("unknown key type {kind:?}"));
    }
    let body = fields.next().ok_or("the base64 body is missing")?;
    let blob = STANDARD
        .decode(body)
        .map_err(|_| "the body is not base64".to_string())?;
    let mut reader = Wire { blob: &blob, at: 0 };
    let inner = reader.string()?;
    if inner != kind.as_bytes() {
        return Err(format!(
            "the body holds a {} key, not {kind}",
            String::from_utf8_lossy(inner)
        ));
    }
    key_fields(kind, &mut reader)?;
    if reader.at != blob.len() {
        return Err(format!(
            "{} bytes follow the key in the body",
            blob.len() - reader.at
        ));
    }
    Ok(())
}

/// Reads the fields that follow the type name for `kind` (RFC 4253, RFC 5656, RFC 8709 and
/// OpenSSH's PROTOCOL.u2f).
fn key_fields(kind: &str, reader: &mut Wire<'_>) -> Result<(), String> {
    match kind {
        "ssh-rsa" => {
            reader.mpint("the RSA exponent")?;
            reader.mpint("the RSA modulus")?;
        }
        "ssh-ed25519" => ed25519(reader)?,
        "sk-ssh-ed25519@openssh.com" => {
            ed25519(reader)?;
            reader.string()?;
        }
        _ => {
            let curve = kind
                .trim_end_matches("@openssh.com")
                .rsplit('-')
                .next()
                .unwrap_or_default();
            ecdsa(reader, curve)?;
            if kind.starts_with("sk-") {
                reader.string()?;
            }
        }
    }
    Ok(())
}

fn ed25519(reader: &mut Wire<'_>) -> Result<(), String> {
    if reader.string()?.len() != 32 {
        return Err("an ed25519 key has 32 bytes".into());
    }
    Ok(())
}

/// The curve name and an uncompressed point of the curve's size.
fn ecdsa(reader: &mut Wire<'_>, curve: &str) -> Result<(), String> {
    let named = reader.string()?;
    if named != curve.as_bytes() {
        return Err(format!(
            "the body names the curve {}, not {curve}",
            String::from_utf8_lossy(named)
        ));
    }
    let coordinate = match curve {
        "nistp256" => 32,
        "nistp384" => 48,
        _ => 66,
    };
    let point = reader.string()?;
    if point.len() != 1 + 2 * coordinate || point.first() != Some(&4) {
        return Err(format!("not an uncompressed {curve} point"));
    }
    Ok(())
}

/// A reader of SSH wire-format fields.
struct Wire<'a> {
    blob: &'a [u8],
    at: usize,
}

impl<'a> Wire<'a> {
    /// The next length-prefixed string.
    fn string(&mut self) -> Result<&'a [u8], String> {
        let field = blob_string(self.blob, self.at).ok_or("the body is truncated")?;
        self.at += 4 + field.len();
        Ok(field)
    }

    /// The next multiple-precision integer, which must be positive and minimally encoded.
    fn mpint(&mut self, what: &str) -> Result<(), String> {
        let bytes = self.string()?;
        let positive = bytes.first().is_some_and(|&b| b & 0x80 == 0 && b != 0)
            || (bytes.first() == Some(&0) && bytes.get(1).is_some_and(|&b| b & 0x80 != 0));
        if !positive {
            return Err(format!("{what} is not a positive integer"));
        }
        Ok(())
    }
}

/// The length-prefixed string of an SSH wire blob at `offset`.
fn blob_string(blob: &[u8], offset: usize) -> Option<&[u8]> {
    let len_bytes: [u8; 4] = blob.get(offset..offset + 4)?.try_into().ok()?;
    let len = u32::from_be_bytes(len_bytes) as usize;
    blob.get(offset + 4..offset.checked_add(4)?.checked_add(len)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEmKTJ0/KN+UcKDAmJL4xKVRNDJNBqUWl4OCyVGgh8SP me@laptop";

    #[test]
    fn accepts_a_well_formed_key() {
        check(ED25519).unwrap();
        check(ED25519.trim_end_matches(" me@laptop")).unwrap();
    }

    #[test]
    fn rejects_malformed_keys() {
        assert!(check("").unwrap_err().contains("empty"));
        assert!(
            check("ssh-foo AAAA")
                .unwrap_err()
                .contains("unknown key type")
        );
        assert!(check("ssh-ed25519").unwrap_err().contains("missing"));
        assert!(check("ssh-ed25519 !!!").unwrap_err().contains("not base64"));
        assert!(check("ssh-ed25519 AAAA").unwrap_err().contains("truncated"));
        let relabelled = ED25519.replacen("ssh-ed25519", "ssh-rsa", 1);
        assert!(
            check(&relabelled)
                .unwrap_err()
                .contains("holds a ssh-ed25519 key")
        );
        assert!(
            check(&format!("{ED25519}\nssh-rsa x"))
                .unwrap_err()
                .contains("several lines")
        );
        let short = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAAUE=";
        assert!(check(short).unwrap_err().contains("32 bytes"));
    }

    /// `<type> <base64 of the fields>`, each field length-prefixed.
    fn key(kind: &str, fields: &[&[u8]]) -> String {
        let mut blob = Vec::new();
        for field in std::iter::once(kind.as_bytes()).chain(fields.iter().copied()) {
            blob.extend((field.len() as u32).to_be_bytes());
            blob.extend(field);
        }
        format!("{kind} {}", STANDARD.encode(blob))
    }

    /// Keys of every accepted type, and broken variants, with the verdict `ssh-keygen -l`
    /// gives them.
    fn samples() -> Vec<(String, bool)> {
        const P256_BASE_POINT: &str = "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
        let point: Vec<u8> = (0..P256_BASE_POINT.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&P256_BASE_POINT[i..i + 2], 16).unwrap())
            .collect();
        let app: &[u8] = b"ssh:";
        let ed: &[u8] = &[9u8; 32];
        vec![
            (key("sk-ssh-ed25519@openssh.com", &[ed, app]), true),
            (key("sk-ssh-ed25519@openssh.com", &[ed]), false),
            (
                key(
                    "sk-ecdsa-sha2-nistp256@openssh.com",
                    &[b"nistp256", &point, app],
                ),
                true,
            ),
            (
                key(
                    "sk-ecdsa-sha2-nistp256@openssh.com",
                    &[b"nistp384", &point, app],
                ),
                false,
            ),
            (key("ssh-ed25519", &[ed, b"x"]), false),
            (key("ssh-rsa", &[&[1, 0, 1]]), false),
        ]
    }

    #[test]
    fn wire_fields_are_checked_per_type() {
        for (line, valid) in samples() {
            assert_eq!(check(&line).is_ok(), valid, "{line}: {:?}", check(&line));
        }
        let trailing = key("ssh-ed25519", &[&[9u8; 32], b"x"]);
        assert!(
            check(&trailing)
                .unwrap_err()
                .contains("bytes follow the key")
        );
    }

    /// Runs `ssh-keygen -l` on a public key line.
    fn keygen_accepts(dir: &std::path::Path, line: &str) -> bool {
        let path = dir.join("k.pub");
        std::fs::write(&path, format!("{line}\n")).unwrap();
        std::process::Command::new("ssh-keygen")
            .arg("-lf")
            .arg(&path)
            .output()
            .unwrap()
            .status
            .success()
    }

    #[test]
    fn agrees_with_ssh_keygen() {
        use std::process::Command;
        if Command::new("ssh-keygen").arg("-?").output().is_err() {
            println!("skipped: ssh-keygen is not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut lines: Vec<(String, bool)> = samples();
        for (kind, bits) in [
            ("rsa", "2048"),
            ("ecdsa", "256"),
            ("ecdsa", "384"),
            ("ecdsa", "521"),
            ("ed25519", "256"),
        ] {
            let path = dir.path().join(format!("{kind}{bits}"));
            let made = Command::new("ssh-keygen")
                .args(["-q", "-N", "", "-t", kind, "-b", bits, "-f"])
                .arg(&path)
                .status()
                .unwrap();
            assert!(made.success());
            let line = std::fs::read_to_string(path.with_extension("pub")).unwrap();
            let line = line.trim().to_string();
            let (kind, body) = line.split_once(' ').unwrap();
            let blob = STANDARD.decode(body.split(' ').next().unwrap()).unwrap();
            let variant = |bytes: &[u8]| format!("{kind} {}", STANDARD.encode(bytes));
            lines.push((variant(&blob[..blob.len() - 1]), false));
            lines.push((variant(&[blob.as_slice(), b"\0\0\0\0"].concat()), false));
            lines.push((line, true));
        }
        for (line, expected) in lines {
            let keygen = keygen_accepts(dir.path(), &line);
            assert_eq!(keygen, expected, "ssh-keygen on {line}");
            assert_eq!(check(&line).is_ok(), keygen, "{line}: {:?}", check(&line));
        }
    }
}
