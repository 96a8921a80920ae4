//! Encryption at rest: every record the store keeps about elders is sealed with the
//! device's data key, and each user's copy of that key is wrapped with a key derived
//! from their password.
//!
//! - The data key is 32 random bytes that the server keeps per device and hands to
//!   whoever signs in there online (`LoginResponse::device_key`).
//! - At sign-in the workstation derives the user's own key from their password with
//!   argon2id (19 MiB, 2 passes, a random 16-byte salt per user) and stores the data
//!   key sealed under it: the user's key slot. An offline sign-in derives the same key
//!   and opens the slot; a wrong password fails the authentication tag, so the slot
//!   is also the credential verifier and no password hash is stored.
//! - The user's session token is sealed under that same key of theirs, never under the
//!   data key every user of the workstation holds: a colleague at the same desk can
//!   open the shared records, but cannot act on the server as someone else.
//! - Records are sealed with XChaCha20-Poly1305 under a random 24-byte nonce, with
//!   the table and the elder's id as associated data, so a sealed blob moved to
//!   another row or table fails to open instead of showing the wrong elder.
//!
//! The data key lives only in memory, while a user is signed in. Someone holding a
//! copy of the disk sees the table layout, elder and community ids, counts, sizes,
//! times of saves, and the logins, names and roles of the users who signed in; not a
//! name, phone, address or visit of any elder. To read those they must guess a
//! user's password through argon2id, or obtain the key from the server.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use jinlin_shared::wire::DeviceKey;
use rand::Rng as _;

const NONCE_LEN: usize = 24;
pub const SALT_LEN: usize = 16;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The tag did not verify: the wrong key (a wrong password, for a key slot) or a
    /// blob that was altered or moved.
    #[error("the sealed data could not be opened: wrong key, or altered")]
    Open,
    #[error("the key could not be derived: {0}")]
    Derive(String),
    #[error("the sealed data is too short to hold a nonce")]
    Truncated,
}

/// Seals and opens records with one key.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(***)")
    }
}

impl Sealer {
    pub fn new(key: &DeviceKey) -> Self {
        Self { cipher: XChaCha20Poly1305::new(&Key::from(*key.as_bytes())) }
    }

    /// `nonce ‖ ciphertext ‖ tag`, bound to `context`.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad: context.as_bytes() })
            .expect("invariant: XChaCha20-Poly1305 seals any message that fits in memory");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < NONCE_LEN {
            return Err(CryptoError::Truncated);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Truncated)?;
        self.cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: body, aad: context.as_bytes() })
            .map_err(|_| CryptoError::Open)
    }
}

/// A fresh random salt for a key slot.
pub fn new_salt() -> [u8; SALT_LEN] {
    let mut salt = [0u8; SALT_LEN];
    rand::rng().fill_bytes(&mut salt);
    salt
}

/// One user's own key on this workstation, derived from their password and their
/// slot's salt: it seals their copy of the data key and their session token, and
/// nothing another user holds opens either.
#[derive(Clone)]
pub struct UserKey {
    sealer: Sealer,
    user: String,
}

impl std::fmt::Debug for UserKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "UserKey({}, ***)", self.user)
    }
}

impl UserKey {
    /// argon2id over `password` and `salt` (19 MiB, 2 passes: the OWASP minimum for
    /// argon2id), about 50 ms here. CPU work: call it off the runtime.
    pub fn derive(password: &str, salt: &[u8], user: &str) -> Result<Self, CryptoError> {
        let params =
            Params::new(19 * 1024, 2, 1, Some(DeviceKey::LEN)).map_err(|e| CryptoError::Derive(e.to_string()))?;
        let mut out = [0u8; DeviceKey::LEN];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(password.as_bytes(), salt, &mut out)
            .map_err(|e| CryptoError::Derive(e.to_string()))?;
        Ok(Self { sealer: Sealer::new(&DeviceKey::from_bytes(out)), user: user.to_owned() })
    }

    /// The data key sealed for this user: their key slot.
    pub fn wrap(&self, key: &DeviceKey) -> Vec<u8> {
        self.sealer.seal(key.as_bytes(), &format!("jinlin key slot v1 {}", self.user))
    }

    /// Opens this user's key slot; [`CryptoError::Open`] when the password was wrong.
    pub fn unwrap(&self, slot: &[u8]) -> Result<DeviceKey, CryptoError> {
        let bytes = self.sealer.open(slot, &format!("jinlin key slot v1 {}", self.user))?;
        DeviceKey::from_slice(&bytes).ok_or(CryptoError::Open)
    }

    /// Seals this user's session token, bound to the server that issued it: it opens
    /// only while the workstation talks to that same server, so a changed address
    /// (in the settings screen, or in the settings file behind the app's back) never
    /// carries the token elsewhere.
    pub fn seal_token(&self, token: &str, issuer: &str) -> Vec<u8> {
        self.sealer.seal(token.as_bytes(), &token_context(&self.user, issuer))
    }

    /// Opens this user's session token for the server `issuer`.
    pub fn open_token(&self, sealed: &[u8], issuer: &str) -> Result<String, CryptoError> {
        let bytes = self.sealer.open(sealed, &token_context(&self.user, issuer))?;
        String::from_utf8(bytes).map_err(|_| CryptoError::Open)
    }
}

/// The associated data of a sealed token: its user and the server that issued it.
/// (v2 tokens, bound to the user alone, no longer open: the next online sign-in
/// brings a new one.)
fn token_context(user: &str, issuer: &str) -> String {
    format!("jinlin session token v3 {user} {issuer}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(n: u8) -> DeviceKey {
        DeviceKey::from_bytes([n; 32])
    }

    #[test]
    fn a_sealed_record_opens_only_with_its_key_and_its_context() {
        let sealer = Sealer::new(&key(1));
        let sealed = sealer.seal("王秀英 13800000000".as_bytes(), "documents:e1");
        assert!(!sealed.windows(6).any(|w| w == "王秀".as_bytes()), "no plaintext in the sealed bytes");
        assert_eq!(sealer.open(&sealed, "documents:e1").unwrap(), "王秀英 13800000000".as_bytes());
        assert!(matches!(sealer.open(&sealed, "documents:e2"), Err(CryptoError::Open)));
        assert!(matches!(Sealer::new(&key(2)).open(&sealed, "documents:e1"), Err(CryptoError::Open)));
        assert!(matches!(sealer.open(&sealed[..10], "documents:e1"), Err(CryptoError::Truncated)));
        let mut altered = sealed.clone();
        altered[30] ^= 1;
        assert!(matches!(sealer.open(&altered, "documents:e1"), Err(CryptoError::Open)));
    }

    #[test]
    fn a_key_slot_opens_with_the_right_password_only() {
        let salt = new_salt();
        let slot = UserKey::derive("correct horse", &salt, "u1").unwrap().wrap(&key(7));
        assert_eq!(UserKey::derive("correct horse", &salt, "u1").unwrap().unwrap(&slot).unwrap(), key(7));
        assert!(matches!(UserKey::derive("wrong horse", &salt, "u1").unwrap().unwrap(&slot), Err(CryptoError::Open)));
        assert!(matches!(UserKey::derive("correct horse", &salt, "u2").unwrap().unwrap(&slot), Err(CryptoError::Open)));
    }

    #[test]
    fn a_session_token_opens_only_with_its_users_own_key_not_the_shared_data_key() {
        let salt = new_salt();
        let own = UserKey::derive("correct horse", &salt, "u1").unwrap();
        let issuer = "https://jinlin.xm.gov.cn";
        let sealed = own.seal_token("secret-token", issuer);
        assert_eq!(own.open_token(&sealed, issuer).unwrap(), "secret-token");
        // A colleague on the same workstation holds the data key, and their own key.
        let data_key = Sealer::new(&key(7));
        assert!(data_key.open(&sealed, &token_context("u1", issuer)).is_err());
        let colleague = UserKey::derive("battery staple", &new_salt(), "u2").unwrap();
        assert!(colleague.open_token(&sealed, issuer).is_err());
        // The workstation pointed at another server: the token stays shut.
        assert!(matches!(own.open_token(&sealed, "https://attacker.example"), Err(CryptoError::Open)));
    }
}
