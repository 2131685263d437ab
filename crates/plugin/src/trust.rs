//! The operator's trust store: the vendor keys whose signatures let a plugin load.
//!
//! A JSON file in the operator's data directory. Keys are added with a name and revoked with
//! a time and a reason; a revoked key stays in the store for good, so it can never be added
//! back (an attacker holding a leaked key cannot talk an operator into re-trusting it by
//! accident) and so old verdicts stay explainable. Every change is written to a temporary
//! file in the same directory, synced, then renamed over the store: a crash leaves either
//! the old store or the new one, never a torn file.
//!
//! Revocation must reach the code, not only the key: a component seen signed by a revoked key
//! (and by no trusted one) has its code digest ([`crate::signature::code_digest`], blind to
//! signatures and manifests) remembered in the store, and such code is refused in every mode,
//! so stripping the revoked signature does not let it load as "unsigned".
//!
//! Concurrent writers from two processes are not coordinated (the last rename wins); the CLI
//! commands that write are short, operator-driven one-shots. Remembering revoked code re-reads
//! the file just before it writes, to keep that window small.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::keys::{KeyId, PublicKey};

const STORE_FORMAT: &str = "ccsync-trust-store-v1";

/// One key in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedKey {
    /// The key's id (checked to be `public_key`'s when the store is opened).
    pub id: KeyId,
    /// The operator's name for the key (usually the vendor).
    pub name: String,
    /// The vendor's public key.
    pub public_key: PublicKey,
    /// When the key was added.
    pub added_at: Timestamp,
    /// When the key was revoked; `None` while it is trusted.
    pub revoked_at: Option<Timestamp>,
    /// Why the operator revoked it; `None` while it is trusted.
    pub revoke_reason: Option<String>,
}

impl TrustedKey {
    /// Whether the key has been revoked (revocation is permanent).
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

/// Code seen signed by a revoked key: refused in every mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedCode {
    /// The code digest, hex ([`crate::signature::code_digest`]).
    pub digest: String,
    /// The revoked key it was signed by.
    pub key_id: KeyId,
    /// When the host first saw it.
    pub seen_at: Timestamp,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    format: String,
    keys: Vec<TrustedKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    revoked_code: Vec<RevokedCode>,
}

/// What went wrong with the trust store.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The store file could not be read or written.
    #[error("trust store {path}: {source}")]
    Io {
        /// The store file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The store file is not a valid trust store: malformed JSON, another format, an entry
    /// whose id is not its public key's, or a key listed twice.
    #[error("trust store {path} is damaged: {detail}")]
    Corrupt {
        /// The store file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// [`TrustStore::add`] of a key the store already trusts.
    #[error("key {id} is already trusted as `{name}`")]
    AlreadyTrusted {
        /// The key's id.
        id: KeyId,
        /// The name it is trusted under.
        name: String,
    },
    /// [`TrustStore::add`] of a key whose id another trusted key already has.
    #[error(
        "another key, `{name}`, already has id {id}: this key cannot be told apart from it; \
         ask the vendor for a new key"
    )]
    KeyIdTaken {
        /// The id both keys share.
        id: KeyId,
        /// The name the other key is trusted under.
        name: String,
    },
    /// [`TrustStore::add`] of a key that was revoked: revocation is permanent.
    #[error(
        "key {id} (`{name}`) was revoked at {revoked_at}; a revoked key cannot be trusted again"
    )]
    RevokedKey {
        /// The key's id.
        id: KeyId,
        /// The name it was trusted under.
        name: String,
        /// When it was revoked.
        revoked_at: Timestamp,
    },
    /// [`TrustStore::revoke`] of a key that is already revoked.
    #[error("key {id} (`{name}`) is already revoked (at {revoked_at})")]
    AlreadyRevoked {
        /// The key's id.
        id: KeyId,
        /// The name it was trusted under.
        name: String,
        /// When it was revoked.
        revoked_at: Timestamp,
    },
    /// [`TrustStore::revoke`] of a key id the store does not hold.
    #[error("no key {0} in the trust store (see `ccsync trust list`)")]
    UnknownKey(KeyId),
    /// A key name or revocation reason is empty, holds control characters or is longer than
    /// 200 characters.
    #[error("invalid {field}: {detail}")]
    InvalidText {
        /// Which text: `key name` or `revocation reason`.
        field: &'static str,
        /// What is wrong with it.
        detail: String,
    },
}

/// The trust store, loaded from its file; each change is written back before it returns.
#[derive(Debug)]
pub struct TrustStore {
    path: PathBuf,
    keys: Vec<TrustedKey>,
    revoked_code: Vec<RevokedCode>,
}

impl TrustStore {
    /// Loads the store at `path`; a missing file is an empty store (created on first change).
    pub fn open(path: impl Into<PathBuf>) -> Result<TrustStore, TrustError> {
        let path = path.into();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(TrustStore {
                    path,
                    keys: Vec::new(),
                    revoked_code: Vec::new(),
                });
            }
            Err(source) => return Err(TrustError::Io { path, source }),
        };
        let corrupt = |detail: String| TrustError::Corrupt {
            path: path.clone(),
            detail,
        };
        let file: StoreFile = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
        if file.format != STORE_FORMAT {
            return Err(corrupt(format!(
                "format `{}`, expected `{STORE_FORMAT}`",
                file.format
            )));
        }
        for (i, key) in file.keys.iter().enumerate() {
            if key.id != key.public_key.id() {
                return Err(corrupt(format!(
                    "entry {i} (`{}`) has id {} but its public key's id is {}",
                    key.name,
                    key.id,
                    key.public_key.id()
                )));
            }
            if file.keys[..i].iter().any(|k| k.id == key.id) {
                return Err(corrupt(format!("key {} appears twice", key.id)));
            }
        }
        Ok(TrustStore {
            path,
            keys: file.keys,
            revoked_code: file.revoked_code,
        })
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every key, revoked ones included, in the order they were added.
    pub fn list(&self) -> &[TrustedKey] {
        &self.keys
    }

    /// The entry with this key id, revoked or not.
    pub fn get(&self, id: KeyId) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// The entry for exactly this public key (the id alone is not enough to trust).
    pub fn lookup(&self, key: &PublicKey) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| k.public_key == *key)
    }

    /// The revoked-code entry for this code digest, if the host has seen the code signed by a
    /// revoked key.
    pub fn revoked_code(&self, digest: &[u8; 32]) -> Option<&RevokedCode> {
        let digest = hex::encode(digest);
        self.revoked_code.iter().find(|c| c.digest == digest)
    }

    /// Every code digest seen signed by a revoked key.
    pub fn revoked_code_list(&self) -> &[RevokedCode] {
        &self.revoked_code
    }

    /// Remembers that this code was seen signed by revoked key `key_id`, so it is refused in
    /// every mode from now on. Re-reads the file before writing (another process may have
    /// changed it since this store was opened); `false` when it was already remembered.
    pub fn remember_revoked_code(
        &mut self,
        digest: &[u8; 32],
        key_id: KeyId,
    ) -> Result<bool, TrustError> {
        let mut current = TrustStore::open(self.path.clone())?;
        if current.revoked_code(digest).is_some() {
            *self = current;
            return Ok(false);
        }
        current.revoked_code.push(RevokedCode {
            digest: hex::encode(digest),
            key_id,
            seen_at: Timestamp::now(),
        });
        let keys = current.keys.clone();
        current.replace(keys)?;
        *self = current;
        Ok(true)
    }

    /// Trusts `key` under `name`. Refuses a revoked key (revocation is permanent) and a key
    /// that is already trusted.
    pub fn add(&mut self, key: &PublicKey, name: &str) -> Result<KeyId, TrustError> {
        check_text("key name", name)?;
        if let Some(existing) = self.lookup(key) {
            return Err(match existing.revoked_at {
                Some(revoked_at) => TrustError::RevokedKey {
                    id: existing.id,
                    name: existing.name.clone(),
                    revoked_at,
                },
                None => TrustError::AlreadyTrusted {
                    id: existing.id,
                    name: existing.name.clone(),
                },
            });
        }
        // Key ids are a prefix of the key: two keys may share one, and the store (looked up,
        // revoked and listed by id) must never hold both.
        if let Some(taken) = self.keys.iter().find(|k| k.id == key.id()) {
            return Err(TrustError::KeyIdTaken {
                id: taken.id,
                name: taken.name.clone(),
            });
        }
        let mut keys = self.keys.clone();
        keys.push(TrustedKey {
            id: key.id(),
            name: name.trim().to_owned(),
            public_key: *key,
            added_at: Timestamp::now(),
            revoked_at: None,
            revoke_reason: None,
        });
        self.replace(keys)?;
        Ok(key.id())
    }

    /// Revokes a key for good, recording when and why. The key stays listed.
    pub fn revoke(&mut self, id: KeyId, reason: &str) -> Result<(), TrustError> {
        check_text("revocation reason", reason)?;
        let mut keys = self.keys.clone();
        let key = keys
            .iter_mut()
            .find(|k| k.id == id)
            .ok_or(TrustError::UnknownKey(id))?;
        if let Some(revoked_at) = key.revoked_at {
            return Err(TrustError::AlreadyRevoked {
                id,
                name: key.name.clone(),
                revoked_at,
            });
        }
        key.revoked_at = Some(Timestamp::now());
        key.revoke_reason = Some(reason.trim().to_owned());
        self.replace(keys)
    }

    /// Writes `keys` to disk, then (only on success) makes them the store's keys. The code
    /// remembered as revoked is merged with what the file holds now: another process may have
    /// remembered some since this store was opened, and that memory must never be lost.
    fn replace(&mut self, keys: Vec<TrustedKey>) -> Result<(), TrustError> {
        let mut revoked_code = self.revoked_code.clone();
        if self.path.exists() {
            for code in TrustStore::open(self.path.clone())?.revoked_code {
                if !revoked_code.iter().any(|c| c.digest == code.digest) {
                    revoked_code.push(code);
                }
            }
        }
        let file = StoreFile {
            format: STORE_FORMAT.to_owned(),
            keys,
            revoked_code,
        };
        let mut json = serde_json::to_vec_pretty(&file).map_err(|e| TrustError::Corrupt {
            path: self.path.clone(),
            detail: format!("cannot serialise: {e}"),
        })?;
        json.push(b'\n');
        write_atomically(&self.path, &json).map_err(|source| TrustError::Io {
            path: self.path.clone(),
            source,
        })?;
        self.keys = file.keys;
        self.revoked_code = file.revoked_code;
        Ok(())
    }
}

/// Temp file in the same directory, fsync, rename over `path`, fsync the directory.
fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    let mut temp = tempfile::Builder::new()
        .prefix(".trust-store-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(contents)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    Ok(())
}

fn check_text(field: &'static str, text: &str) -> Result<(), TrustError> {
    let invalid = |detail: &str| TrustError::InvalidText {
        field,
        detail: detail.to_owned(),
    };
    if text.trim().is_empty() {
        return Err(invalid("must not be empty"));
    }
    if text.chars().any(char::is_control) {
        return Err(invalid("must not contain control characters"));
    }
    if text.chars().count() > 200 {
        return Err(invalid("must be at most 200 characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SecretKey;

    fn public() -> PublicKey {
        *SecretKey::generate().unwrap().public_key()
    }

    fn store_in(dir: &tempfile::TempDir) -> TrustStore {
        TrustStore::open(dir.path().join("data/trust.json")).unwrap()
    }

    #[test]
    fn missing_file_is_an_empty_store_and_first_add_creates_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(&dir);
        assert!(store.list().is_empty());
        assert!(!store.path().exists());
        let key = public();
        assert_eq!(store.add(&key, "acme").unwrap(), key.id());
        let reopened = store_in(&dir);
        assert_eq!(reopened.list(), store.list());
        let entry = reopened.get(key.id()).unwrap();
        assert_eq!(entry.name, "acme");
        assert!(!entry.is_revoked());
    }

    #[test]
    fn adding_a_trusted_key_again_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(&dir);
        let key = public();
        store.add(&key, "acme").unwrap();
        let err = store.add(&key, "acme again").unwrap_err();
        assert!(matches!(err, TrustError::AlreadyTrusted { ref name, .. } if name == "acme"));
        assert_eq!(store.list().len(), 1);
    }

    #[test]
    fn revocation_is_recorded_with_time_and_reason_and_never_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(&dir);
        let key = public();
        store.add(&key, "acme").unwrap();
        let before = Timestamp::now();
        store.revoke(key.id(), "laptop stolen").unwrap();
        let reopened = store_in(&dir);
        let entry = reopened.get(key.id()).unwrap();
        assert!(entry.revoked_at.unwrap() >= before);
        assert_eq!(entry.revoke_reason.as_deref(), Some("laptop stolen"));
        assert!(matches!(
            store.revoke(key.id(), "again"),
            Err(TrustError::AlreadyRevoked { .. })
        ));
    }

    #[test]
    fn a_revoked_key_can_never_be_added_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(&dir);
        let key = public();
        store.add(&key, "acme").unwrap();
        store.revoke(key.id(), "leaked").unwrap();
        let mut reopened = store_in(&dir);
        let err = reopened.add(&key, "acme").unwrap_err();
        assert!(matches!(err, TrustError::RevokedKey { id, .. } if id == key.id()));
        assert!(err.to_string().contains("cannot be trusted again"));
        assert!(store_in(&dir).get(key.id()).unwrap().is_revoked());
    }

    #[test]
    fn revoking_an_unknown_key_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(&dir);
        let id = public().id();
        let err = store.revoke(id, "x").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("no key {id} in the trust store (see `ccsync trust list`)")
        );
    }

    #[cfg(unix)]
    #[test]
    fn every_write_replaces_the_file_by_rename_and_leaves_no_temp_files() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(&dir);
        store.add(&public(), "a").unwrap();
        let inode_before = fs::metadata(store.path()).unwrap().ino();
        // A reader that opened the old file keeps seeing the complete old store.
        let old_reader = fs::read_to_string(store.path()).unwrap();
        let mut held = fs::File::open(store.path()).unwrap();
        store.add(&public(), "b").unwrap();
        assert_ne!(fs::metadata(store.path()).unwrap().ino(), inode_before);
        let mut seen = String::new();
        io::Read::read_to_string(&mut held, &mut seen).unwrap();
        assert_eq!(seen, old_reader);
        let names: Vec<_> = fs::read_dir(store.path().parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["trust.json"]);
    }

    #[test]
    fn a_failed_write_leaves_file_and_memory_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(&dir);
        store.add(&public(), "a").unwrap();
        let on_disk = fs::read(store.path()).unwrap();
        // Make the rename target a non-empty directory: the temp file is written, the
        // rename fails.
        let blocked_path = dir.path().join("blocked");
        fs::create_dir_all(blocked_path.join("occupied")).unwrap();
        let mut blocked = TrustStore {
            path: blocked_path.clone(),
            keys: store.list().to_vec(),
            revoked_code: Vec::new(),
        };
        let err = blocked.add(&public(), "b").unwrap_err();
        assert!(matches!(err, TrustError::Io { .. }), "{err}");
        assert_eq!(blocked.list().len(), 1);
        assert!(blocked_path.join("occupied").is_dir());
        assert_eq!(fs::read(store.path()).unwrap(), on_disk);
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn a_damaged_store_is_refused_not_treated_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trust.json");
        fs::write(&path, "{\"format\": \"ccsync-trust-store-v1\", \"keys\": [").unwrap();
        assert!(matches!(
            TrustStore::open(&path),
            Err(TrustError::Corrupt { .. })
        ));
        let mut store = TrustStore::open(dir.path().join("ok.json")).unwrap();
        let key = public();
        store.add(&key, "a").unwrap();
        let text = fs::read_to_string(store.path())
            .unwrap()
            .replace(&key.id().to_string(), "0000000000000000");
        fs::write(&path, text).unwrap();
        let err = TrustStore::open(&path).unwrap_err();
        assert!(err.to_string().contains("public key's id is"), "{err}");
    }

    #[test]
    fn revoked_code_is_remembered_once_persisted_and_merged_with_other_changes() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(&dir);
        let key = public();
        store.add(&key, "acme").unwrap();
        // Another process adds a key after this store was opened.
        let other = public();
        store_in(&dir).add(&other, "other").unwrap();
        let digest = [7u8; 32];
        assert!(store.remember_revoked_code(&digest, key.id()).unwrap());
        assert!(!store.remember_revoked_code(&digest, key.id()).unwrap());
        let reopened = store_in(&dir);
        let entry = reopened.revoked_code(&digest).unwrap();
        assert_eq!(
            (entry.key_id, entry.digest.as_str()),
            (key.id(), &*hex::encode(digest))
        );
        assert_eq!(reopened.revoked_code_list().len(), 1);
        assert!(
            reopened.get(other.id()).is_some(),
            "the other process's key survives"
        );
        assert!(reopened.revoked_code(&[8u8; 32]).is_none());

        // A store opened before the code was remembered keeps it when it writes keys.
        let mut stale = store_in(&dir);
        store_in(&dir)
            .remember_revoked_code(&[9u8; 32], key.id())
            .unwrap();
        stale.revoke(other.id(), "compromised").unwrap();
        let after = store_in(&dir);
        assert!(after.revoked_code(&digest).is_some());
        assert!(
            after.revoked_code(&[9u8; 32]).is_some(),
            "a revoke never drops revoked code another process remembered"
        );
    }

    #[test]
    fn names_and_reasons_must_be_plain_text() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(&dir);
        assert!(matches!(
            store.add(&public(), " "),
            Err(TrustError::InvalidText { .. })
        ));
        assert!(matches!(
            store.add(&public(), "a\nb"),
            Err(TrustError::InvalidText { .. })
        ));
    }
}
