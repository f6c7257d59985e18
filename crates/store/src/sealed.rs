//! Secrets the store must keep but never hold in clear: Slack bot tokens.
//!
//! Sealed with XChaCha20-Poly1305 under a key derived from the member-hashing
//! key (HMAC-SHA256 of a fixed label, so the two uses never share a key), a
//! random 24-byte nonce stored in front of the ciphertext, and the row's
//! owner (the workspace id) as associated data: a sealed token copied to
//! another workspace's row does not open. Whoever holds the database alone
//! holds no token; the key stays outside it, as for the hashes.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::{Result, StoreError};

const NONCE: usize = 24;

fn cipher(key: &[u8; 32]) -> XChaCha20Poly1305 {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(b"stackpick sealed secrets v1");
    XChaCha20Poly1305::new(&mac.finalize().into_bytes())
}

/// Seals `secret` for the row owned by `owner`.
pub(crate) fn seal(key: &[u8; 32], owner: &str, secret: &SecretString) -> Result<Vec<u8>> {
    let mut nonce = [0u8; NONCE];
    getrandom::getrandom(&mut nonce).map_err(|e| StoreError::Config(format!("no randomness for a nonce: {e}")))?;
    let sealed = cipher(key)
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: secret.expose_secret().as_bytes(), aad: owner.as_bytes() })
        .map_err(|_| StoreError::Config("cannot seal a secret".to_owned()))?;
    Ok([nonce.as_slice(), &sealed].concat())
}

/// Opens what [`seal`] sealed for `owner`; an error when the key is another
/// (the hashing key was changed) or the row was tampered with.
pub(crate) fn open(key: &[u8; 32], owner: &str, sealed: &[u8]) -> Result<SecretString> {
    let refused = || {
        StoreError::Config(format!(
            "the stored token of {owner} does not open with this key: was {} changed? Install the app again \
             in that workspace",
            crate::HASH_KEY_VAR
        ))
    };
    if sealed.len() < NONCE {
        return Err(refused());
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE);
    let plain = cipher(key)
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: owner.as_bytes() })
        .map_err(|_| refused())?;
    String::from_utf8(plain).map(SecretString::new).map_err(|_| refused())
}

/// A `slack_installs` row (bot user, sealed token) opened into an [`Install`](crate::Install).
pub(crate) fn install(key: &[u8; 32], team: &str, (bot_user, token): (String, Vec<u8>)) -> Result<crate::Install> {
    Ok(crate::Install { team: team.to_owned(), bot_token: open(key, team, &token)?, bot_user })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_only_with_its_key_and_for_its_owner() {
        let (key, other) = ([1u8; 32], [2u8; 32]);
        let token = SecretString::new("xoxb-123-456-abcdef".to_owned());
        let sealed = seal(&key, "T1", &token).unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"xoxb-1"), "never in clear");
        assert_eq!(open(&key, "T1", &sealed).unwrap().expose_secret(), "xoxb-123-456-abcdef");
        assert!(open(&other, "T1", &sealed).is_err(), "another key");
        assert!(open(&key, "T2", &sealed).is_err(), "another workspace's row");
        assert_ne!(seal(&key, "T1", &token).unwrap(), sealed, "a fresh nonce every time");
    }
}
