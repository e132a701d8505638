//! Password hashes: which crypt(3) forms cloud-init sets as hashes, and SHA-512 crypt for
//! plain passwords given in a spec.

use anyhow::{Result, anyhow};
use sha_crypt::{ROUNDS_DEFAULT, Sha512Params, sha512_simple};

/// Checks that cloud-init will treat `hash` as a hash. cloud-init's `set_passwords` module
/// tests `$(1|2a|2y|5|6)$…$…`; anything else (yescrypt `$y$` included) is set as the
/// literal password. MD5 (`$1$`) is refused as too weak.
pub fn check_hash(hash: &str) -> Result<(), String> {
    if hash.contains(|c: char| c.is_whitespace() || c == ':' || c.is_control()) {
        return Err("a crypt hash has no spaces, colons or control characters".into());
    }
    let Some(rest) = hash.strip_prefix('$') else {
        return Err("not a crypt hash (expected $6$salt$hash)".into());
    };
    let mut parts = rest.split('$');
    let scheme = parts.next().unwrap_or_default();
    let fields: Vec<&str> = parts.collect();
    match scheme {
        "y" | "7" | "gy" => {
            Err("yescrypt hashes are set as plain text by cloud-init 22.4; use SHA-512 ($6$, mkpasswd -m sha-512)".into())
        }
        "1" => Err("MD5 crypt ($1$) is too weak; use SHA-512 ($6$)".into()),
        "5" | "6" | "2a" | "2y" if fields.len() >= 2 && fields.iter().all(|f| !f.is_empty()) => Ok(()),
        _ => Err("not a crypt hash cloud-init recognises (expected $6$salt$hash)".into()),
    }
}

/// Hashes a plain password with SHA-512 crypt and a random salt.
pub fn hash_plain(password: &str) -> Result<String> {
    let params = Sha512Params::new(ROUNDS_DEFAULT)
        .map_err(|e| anyhow!("SHA-512 crypt parameters: {e:?}"))?;
    sha512_simple(password, &params).map_err(|e| anyhow!("cannot hash the password: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognised_hashes_pass() {
        check_hash("$6$rounds=5000$salt$abc").unwrap();
        check_hash("$5$salt$abc").unwrap();
        check_hash("$2y$10$abcdefghij").unwrap();
    }

    #[test]
    fn other_forms_are_refused() {
        assert!(
            check_hash("$y$j9T$salt$hash")
                .unwrap_err()
                .contains("yescrypt")
        );
        assert!(check_hash("$1$salt$hash").unwrap_err().contains("MD5"));
        assert!(check_hash("$6$salt").is_err());
        assert!(check_hash("$6$$").is_err());
        assert!(check_hash("plain").is_err());
        assert!(check_hash("$6$a b$c").is_err());
    }

    #[test]
    fn plain_passwords_become_sha512_crypt_that_verifies() {
        let hash = hash_plain("correct horse").unwrap();
        assert!(hash.starts_with("$6$"), "{hash}");
        check_hash(&hash).unwrap();
        assert!(sha_crypt::sha512_check("correct horse", &hash).is_ok());
        assert!(sha_crypt::sha512_check("wrong", &hash).is_err());
    }
}
