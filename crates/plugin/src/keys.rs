//! Vendor signing keys: their ids, their text files, and key-pair generation.
//!
//! Keys live in small text files with a version tag so an operator (or `file`) can tell what a
//! file is, and so the format can change without old files being misread:
//!
//! ```text
//! <prefix>.key   ccsync-ed25519-secret-v1 <64 hex digits: the Ed25519 seed>
//! <prefix>.pub   ccsync-ed25519-v1 <64 hex digits: the Ed25519 public key>
//! ```
//!
//! A key is named everywhere by its [`KeyId`]: the first 16 hex digits of the SHA-256 of the
//! public key.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The tag that opens a public key file.
pub const PUBLIC_KEY_TAG: &str = "ccsync-ed25519-v1";
/// The tag that opens a secret key file.
pub const SECRET_KEY_TAG: &str = "ccsync-ed25519-secret-v1";

/// A key's short, stable name: the first 8 bytes (16 hex digits) of SHA-256(public key).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId([u8; 8]);

impl KeyId {
    /// The id of a raw Ed25519 public key.
    pub fn of(public_key: &[u8; 32]) -> KeyId {
        let digest = Sha256::digest(public_key);
        let mut id = [0; 8];
        id.copy_from_slice(&digest[..8]);
        KeyId(id)
    }

    /// The id as raw bytes (as stored in a signature section).
    pub fn to_bytes(self) -> [u8; 8] {
        self.0
    }

    pub(crate) fn from_bytes(bytes: [u8; 8]) -> KeyId {
        KeyId(bytes)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// A string that is not a key id.
#[derive(Debug, Clone, thiserror::Error)]
#[error("`{0}` is not a key id (expected 16 hex digits, as shown by `ccsync trust list`)")]
pub struct BadKeyId(pub String);

impl FromStr for KeyId {
    type Err = BadKeyId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut id = [0; 8];
        hex::decode_to_slice(s.trim(), &mut id).map_err(|_| BadKeyId(s.to_owned()))?;
        Ok(KeyId(id))
    }
}

impl Serialize for KeyId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What went wrong with a key or a key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// [`generate_keypair`] would overwrite a file that already exists.
    #[error("{path} already exists; refusing to overwrite a key file")]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
    /// The text is not a key of the expected kind (public or secret) in the expected form.
    #[error("{origin}: {detail}")]
    Malformed {
        /// Where the text came from: a file's path, or what the caller named it.
        origin: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A secret key file grants group or others any permission (Unix only).
    #[error(
        "{path} is readable by other users (mode {mode:04o}); a secret key file must be private: chmod 600 {path}"
    )]
    TooOpen {
        /// The secret key file.
        path: PathBuf,
        /// Its permission bits (`mode & 0o7777`).
        mode: u32,
    },
    /// The operating system's random source failed while generating a key.
    #[error("the operating system gave no random bytes for a new key: {0}")]
    Random(getrandom::Error),
}

/// A vendor's Ed25519 public key, as found in a `.pub` file, a trust store or a signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    id: KeyId,
}

impl PublicKey {
    /// Reads a `.pub` file.
    pub fn read_file(path: &Path) -> Result<PublicKey, KeyError> {
        let text = fs::read_to_string(path).map_err(|source| KeyError::Io {
            path: path.to_owned(),
            source,
        })?;
        PublicKey::parse(&text, &path.display().to_string())
    }

    /// Parses the text of a `.pub` file; `origin` names where it came from in errors.
    pub fn parse(text: &str, origin: &str) -> Result<PublicKey, KeyError> {
        let malformed = |detail: String| KeyError::Malformed {
            origin: origin.to_owned(),
            detail,
        };
        let (tag, hex_key) = split_tagged(text).map_err(malformed)?;
        if tag == SECRET_KEY_TAG {
            return Err(malformed(
                "this is a secret key; give the public key (the `.pub` file) instead".into(),
            ));
        }
        if tag != PUBLIC_KEY_TAG {
            return Err(malformed(format!(
                "expected a public key starting with `{PUBLIC_KEY_TAG}`, found `{tag}`"
            )));
        }
        let mut bytes = [0; 32];
        hex::decode_to_slice(hex_key, &mut bytes).map_err(|_| {
            malformed(format!(
                "the key must be 64 hex digits, found {} characters that are not",
                hex_key.len()
            ))
        })?;
        PublicKey::from_bytes(&bytes).map_err(malformed)
    }

    /// A public key from its 32 raw bytes; refuses invalid and weak (small-order) points,
    /// for which a signature could verify over almost any message.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, String> {
        let key = VerifyingKey::from_bytes(bytes)
            .map_err(|_| "the bytes are not a valid Ed25519 public key".to_owned())?;
        if key.is_weak() {
            return Err("the key is a weak (small-order) Ed25519 key".to_owned());
        }
        Ok(PublicKey {
            key,
            id: KeyId::of(bytes),
        })
    }

    /// The key's id.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The 32 raw bytes of the key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Checks a signature with the strict rules (no malleable signatures, no weak keys).
    pub(crate) fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        self.key.verify_strict(message, signature).is_ok()
    }
}

/// The `.pub` file form: `ccsync-ed25519-v1 <hex>`.
impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PUBLIC_KEY_TAG} {}", hex::encode(self.key.as_bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.id)
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PublicKey::parse(s, "public key")
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A vendor's secret signing key, read from a `.key` file. Its bytes are wiped on drop.
pub struct SecretKey {
    key: SigningKey,
    public: PublicKey,
}

impl SecretKey {
    /// Reads a `.key` file; on Unix, refuses a file that group or others may read.
    pub fn read_file(path: &Path) -> Result<SecretKey, KeyError> {
        let io_error = |source| KeyError::Io {
            path: path.to_owned(),
            source,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(path).map_err(io_error)?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(KeyError::TooOpen {
                    path: path.to_owned(),
                    mode: mode & 0o7777,
                });
            }
        }
        let text = Zeroizing::new(fs::read_to_string(path).map_err(io_error)?);
        SecretKey::parse(&text, &path.display().to_string())
    }

    /// Parses the text of a `.key` file; `origin` names where it came from in errors.
    pub fn parse(text: &str, origin: &str) -> Result<SecretKey, KeyError> {
        let malformed = |detail: String| KeyError::Malformed {
            origin: origin.to_owned(),
            detail,
        };
        let (tag, hex_key) = split_tagged(text).map_err(malformed)?;
        if tag == PUBLIC_KEY_TAG {
            return Err(malformed(
                "this is a public key; signing needs the secret key (the `.key` file)".into(),
            ));
        }
        if tag != SECRET_KEY_TAG {
            return Err(malformed(format!(
                "expected a secret key starting with `{SECRET_KEY_TAG}`, found `{tag}`"
            )));
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(hex_key, seed.as_mut_slice())
            .map_err(|_| malformed("the key must be 64 hex digits".into()))?;
        Ok(SecretKey::from_seed(&seed))
    }

    fn from_seed(seed: &[u8; 32]) -> SecretKey {
        let key = SigningKey::from_bytes(seed);
        let public_bytes = key.verifying_key().to_bytes();
        let public = PublicKey {
            key: key.verifying_key(),
            id: KeyId::of(&public_bytes),
        };
        SecretKey { key, public }
    }

    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<SecretKey, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut_slice()).map_err(KeyError::Random)?;
        Ok(SecretKey::from_seed(&seed))
    }

    /// The public half of the key pair.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The key pair's id (that of its public key).
    pub fn id(&self) -> KeyId {
        self.public.id
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Signature {
        self.key.sign(message)
    }

    /// The `.key` file form; the caller must keep it secret.
    fn to_file_text(&self) -> Zeroizing<String> {
        let seed = Zeroizing::new(self.key.to_bytes());
        Zeroizing::new(format!("{SECRET_KEY_TAG} {}\n", hex::encode(*seed)))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({})", self.public.id)
    }
}

/// Splits `<tag> <hex>` (one line, surrounding whitespace allowed).
fn split_tagged(text: &str) -> Result<(&str, &str), String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the file is empty".into());
    }
    if text.contains('\n') {
        return Err("expected one line `<tag> <hex key>`, found several lines".into());
    }
    let mut parts = text.split_whitespace();
    match (parts.next(), parts.next(), parts.next()) {
        (Some(tag), Some(key), None) => Ok((tag, key)),
        _ => Err("expected `<tag> <hex key>` (two words on one line)".into()),
    }
}

/// The files [`generate_keypair`] wrote.
#[derive(Debug, Clone)]
pub struct KeyPairFiles {
    /// `<prefix>.key`, mode 0600.
    pub secret_key: PathBuf,
    /// `<prefix>.pub`.
    pub public_key_file: PathBuf,
    /// The public key written to `public_key_file`.
    pub public_key: PublicKey,
    /// The id of the new key pair.
    pub key_id: KeyId,
}

/// Generates a key pair and writes `<prefix>.key` (created private: mode 0600 from the first
/// byte) and `<prefix>.pub`. Refuses to overwrite either file.
pub fn generate_keypair(out_prefix: &Path) -> Result<KeyPairFiles, KeyError> {
    let secret_path = with_suffix(out_prefix, ".key");
    let public_path = with_suffix(out_prefix, ".pub");
    for path in [&secret_path, &public_path] {
        if fs::symlink_metadata(path).is_ok() {
            return Err(KeyError::Exists { path: path.clone() });
        }
    }
    let key = SecretKey::generate()?;
    write_new(&secret_path, key.to_file_text().as_bytes(), 0o600)?;
    let public_text = format!("{}\n", key.public_key());
    if let Err(error) = write_new(&public_path, public_text.as_bytes(), 0o644) {
        // Leave no half pair behind; the secret file is ours, created just above.
        let _ = fs::remove_file(&secret_path);
        return Err(error);
    }
    Ok(KeyPairFiles {
        secret_key: secret_path,
        public_key_file: public_path,
        public_key: *key.public_key(),
        key_id: key.id(),
    })
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Creates `path` (failing if it exists) with `mode` set at creation, then writes and syncs.
fn write_new(path: &Path, contents: &[u8], mode: u32) -> Result<(), KeyError> {
    let io_error = |source: io::Error| {
        if source.kind() == io::ErrorKind::AlreadyExists {
            KeyError::Exists {
                path: path.to_owned(),
            }
        } else {
            KeyError::Io {
                path: path.to_owned(),
                source,
            }
        }
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file: File = options.open(path).map_err(io_error)?;
    file.write_all(contents).map_err(io_error)?;
    file.sync_all().map_err(io_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_id_is_first_16_hex_digits_of_sha256_of_public_key() {
        let key = SecretKey::generate().unwrap();
        let expected = hex::encode(Sha256::digest(key.public_key().to_bytes()));
        assert_eq!(key.id().to_string(), expected[..16]);
        assert_eq!(key.id().to_string().parse::<KeyId>().unwrap(), key.id());
        assert!("xyz".parse::<KeyId>().is_err());
        assert!("0123456789abcdef00".parse::<KeyId>().is_err());
    }

    #[test]
    fn generated_secret_key_file_is_created_mode_0600_and_pair_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let files = generate_keypair(&dir.path().join("acme.v2")).unwrap();
        assert_eq!(files.secret_key, dir.path().join("acme.v2.key"));
        assert_eq!(files.public_key_file, dir.path().join("acme.v2.pub"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&files.secret_key)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let secret = SecretKey::read_file(&files.secret_key).unwrap();
        let public = PublicKey::read_file(&files.public_key_file).unwrap();
        assert_eq!(secret.public_key(), &public);
        assert_eq!(public.id(), files.key_id);
        let text = fs::read_to_string(&files.public_key_file).unwrap();
        assert!(text.starts_with("ccsync-ed25519-v1 "), "{text}");
        let text = fs::read_to_string(&files.secret_key).unwrap();
        assert!(text.starts_with("ccsync-ed25519-secret-v1 "));
    }

    #[test]
    fn generate_refuses_to_overwrite_either_file_and_leaves_them_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("vendor");
        fs::write(with_suffix(&prefix, ".pub"), "keep me").unwrap();
        let err = generate_keypair(&prefix).unwrap_err();
        assert!(matches!(err, KeyError::Exists { ref path } if path.ends_with("vendor.pub")));
        assert!(!with_suffix(&prefix, ".key").exists());
        assert_eq!(
            fs::read_to_string(with_suffix(&prefix, ".pub")).unwrap(),
            "keep me"
        );

        let other = dir.path().join("other");
        let first = generate_keypair(&other).unwrap();
        let before = fs::read(&first.secret_key).unwrap();
        assert!(matches!(
            generate_keypair(&other),
            Err(KeyError::Exists { .. })
        ));
        assert_eq!(fs::read(&first.secret_key).unwrap(), before);
    }

    #[cfg(unix)]
    #[test]
    fn secret_key_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let files = generate_keypair(&dir.path().join("k")).unwrap();
        fs::set_permissions(&files.secret_key, fs::Permissions::from_mode(0o640)).unwrap();
        let err = SecretKey::read_file(&files.secret_key).unwrap_err();
        assert!(
            matches!(err, KeyError::TooOpen { mode: 0o640, .. }),
            "{err}"
        );
    }

    #[test]
    fn key_file_parse_errors_name_the_file_and_the_problem() {
        let secret = SecretKey::generate().unwrap();
        let secret_text = secret.to_file_text();
        let err = PublicKey::parse(&secret_text, "vendor.pub").unwrap_err();
        assert_eq!(
            err.to_string(),
            "vendor.pub: this is a secret key; give the public key (the `.pub` file) instead"
        );
        let err = SecretKey::parse(&secret.public_key().to_string(), "v.key").unwrap_err();
        assert!(err.to_string().starts_with("v.key: this is a public key"));
        let err = PublicKey::parse("ssh-ed25519 AAAA", "x.pub").unwrap_err();
        assert!(err.to_string().contains("found `ssh-ed25519`"), "{err}");
        let err = PublicKey::parse("ccsync-ed25519-v1 abcd", "x.pub").unwrap_err();
        assert!(err.to_string().contains("64 hex digits"), "{err}");
        let err = PublicKey::parse("", "x.pub").unwrap_err();
        assert_eq!(err.to_string(), "x.pub: the file is empty");
    }

    #[test]
    fn weak_public_keys_are_refused() {
        // The identity point: every signature with R = identity, s = 0 would verify.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let text = format!("{PUBLIC_KEY_TAG} {}", hex::encode(identity));
        let err = PublicKey::parse(&text, "weak.pub").unwrap_err();
        assert!(err.to_string().contains("weak"), "{err}");
    }

    #[test]
    fn secret_key_debug_never_shows_the_secret() {
        let secret = SecretKey::generate().unwrap();
        let seed = hex::encode(secret.key.to_bytes());
        assert!(!format!("{secret:?}").contains(&seed));
    }
}
