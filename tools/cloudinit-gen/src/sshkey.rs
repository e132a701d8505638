//! SSH public keys in `authorized_keys` form: `<type> <base64 blob> [comment]`, checked down to
//! the type name inside the blob so that a truncated or mislabelled key is caught before boot.

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
    let inner = blob_string(&blob, 0).ok_or("the body is truncated")?;
    if inner != kind.as_bytes() {
        return Err(format!(
            "the body holds a {} key, not {kind}",
            String::from_utf8_lossy(inner)
        ));
    }
    if kind == "ssh-ed25519" {
        let key = blob_string(&blob, 4 + inner.len()).ok_or("the body is truncated")?;
        if key.len() != 32 {
            return Err("an ed25519 key has 32 bytes".into());
        }
    }
    Ok(())
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
}
