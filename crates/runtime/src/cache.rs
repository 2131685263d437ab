//! The on-disk cache of compiled components.
//!
//! Compiling a component with Cranelift takes hundreds of milliseconds; loading the compiled
//! artifact takes a few. Deserialising an artifact is `unsafe` in wasmtime (the bytes become
//! executable code), so an entry is only ever used if this host produced it:
//!
//! - the entry's name is the component's SHA-256 plus a digest of the engine's precompile
//!   compatibility hash, so an artifact can never stand in for another component or engine;
//! - the entry carries an HMAC-SHA256 over its component digest and artifact, keyed with a
//!   random secret that only this cache holds (`cache.key`, mode 0600). A truncated, corrupted
//!   or foreign entry (copied from another host, or written by anyone but this cache) fails
//!   the check, is discarded and rebuilt, and is never handed to wasmtime.
//!
//! Entries are written to a temporary file and renamed into place, so a crash never leaves a
//! half-written entry under a valid name.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

const MAGIC: &[u8; 16] = b"ccsync-cwasm-v1\n";
const KEY_FILE: &str = "cache.key";
const DIGEST_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// An error of the cache itself (not of compilation).
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The cache directory or its key file could not be created, read or written (or the key
    /// could not be generated) when the cache was opened.
    #[error("cannot use the component cache at {path}: {source}")]
    Io {
        /// The directory or file that failed.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The key file exists but does not hold exactly 32 bytes.
    #[error("the cache key {path} is malformed (expected 32 bytes); delete it to start afresh")]
    BadKey {
        /// The key file, `cache.key` in the cache directory.
        path: PathBuf,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> CacheError + '_ {
    move |source| CacheError::Io {
        path: path.to_owned(),
        source,
    }
}

/// How a component was obtained from the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheOutcome {
    /// A valid entry was loaded; nothing was compiled.
    Hit,
    /// There was no entry; the component was compiled and stored.
    Miss,
    /// An entry existed but failed its checks (the reason); it was discarded and rebuilt.
    Rebuilt(String),
}

/// A directory of compiled components, owned by one host.
#[derive(Debug)]
pub struct ComponentCache {
    dir: PathBuf,
    key: [u8; 32],
}

/// Feeds `Hash` output into SHA-256 so the engine's compatibility hash gets a digest that is
/// stable across processes and Rust versions (std's `DefaultHasher` promises neither).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
    }
}

fn engine_digest(engine: &Engine) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hex::encode(&hasher.0.finalize()[..8])
}

impl ComponentCache {
    /// Opens (creating if needed) the cache in `dir`, with its private key.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, CacheError> {
        let dir = dir.into();
        create_private_dir(&dir)?;
        let key_path = dir.join(KEY_FILE);
        let key = match fs::read(&key_path) {
            Ok(bytes) => bytes.try_into().map_err(|_| CacheError::BadKey {
                path: key_path.clone(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                getrandom::fill(&mut key).map_err(|e| CacheError::Io {
                    path: key_path.clone(),
                    source: std::io::Error::other(e.to_string()),
                })?;
                write_atomically(&key_path, &key)?;
                key
            }
            Err(e) => return Err(io_error(&key_path)(e)),
        };
        Ok(ComponentCache { dir, key })
    }

    /// The directory of the cache.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn entry_path(&self, engine: &Engine, component_digest: &[u8; 32]) -> PathBuf {
        self.dir.join(format!(
            "{}-{}.cwasm",
            hex::encode(component_digest),
            engine_digest(engine)
        ))
    }

    /// The HMAC of an entry: over the framing, the component's digest and the artifact.
    fn mac(&self, component_digest: &[u8; 32], artifact: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any size");
        mac.update(MAGIC);
        mac.update(component_digest);
        mac.update(artifact);
        mac
    }

    /// Returns the compiled form of `bytes`, from the cache when a valid entry exists, else by
    /// compiling it (with `compile`) and storing the result.
    // The one `unsafe` of the host: deserialising a compiled artifact (see SAFETY below).
    #[allow(unsafe_code)]
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        bytes: &[u8],
        compile: impl FnOnce() -> wasmtime::Result<Component>,
    ) -> wasmtime::Result<(Component, CacheOutcome)> {
        let digest: [u8; 32] = Sha256::digest(bytes).into();
        let path = self.entry_path(engine, &digest);
        let outcome = match fs::read(&path) {
            Ok(entry) => match self.check_entry(&entry, &digest) {
                Ok(artifact) => {
                    // SAFETY: the artifact carries this cache's HMAC over the digest of the
                    // very component asked for, so it was serialised by this host from that
                    // component; wasmtime additionally checks engine compatibility.
                    match unsafe { Component::deserialize(engine, artifact) } {
                        Ok(component) => return Ok((component, CacheOutcome::Hit)),
                        Err(e) => CacheOutcome::Rebuilt(format!("incompatible artifact: {e}")),
                    }
                }
                Err(reason) => CacheOutcome::Rebuilt(reason.to_owned()),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => CacheOutcome::Miss,
            Err(e) => CacheOutcome::Rebuilt(format!("unreadable entry: {e}")),
        };
        if let CacheOutcome::Rebuilt(reason) = &outcome {
            tracing::warn!(entry = %path.display(), %reason, "discarding a compiled-component cache entry");
            let _ = fs::remove_file(&path);
        }
        let component = compile()?;
        let artifact = component.serialize()?;
        let mut entry = Vec::with_capacity(MAGIC.len() + 2 * DIGEST_LEN + artifact.len());
        entry.extend_from_slice(MAGIC);
        entry.extend_from_slice(&digest);
        entry.extend_from_slice(&self.mac(&digest, &artifact).finalize().into_bytes());
        entry.extend_from_slice(&artifact);
        if let Err(e) = write_atomically(&path, &entry) {
            // A cache that cannot be written costs a recompile next time, nothing more.
            tracing::warn!(error = %e, "could not store a compiled component");
        }
        Ok((component, outcome))
    }

    /// Checks an entry's framing, component digest and HMAC; returns its artifact.
    fn check_entry<'a>(
        &self,
        entry: &'a [u8],
        digest: &[u8; 32],
    ) -> Result<&'a [u8], &'static str> {
        let rest = entry
            .strip_prefix(MAGIC.as_slice())
            .ok_or("not a ccsync cache entry")?;
        if rest.len() < 2 * DIGEST_LEN {
            return Err("truncated entry");
        }
        let (stored_digest, rest) = rest.split_at(DIGEST_LEN);
        let (stored_mac, artifact) = rest.split_at(DIGEST_LEN);
        if stored_digest != digest {
            return Err("entry is for another component");
        }
        self.mac(digest, artifact)
            .verify_slice(stored_mac)
            .map_err(|_| "integrity check failed (corrupted, or not written by this host)")?;
        Ok(artifact)
    }
}

fn create_private_dir(dir: &Path) -> Result<(), CacheError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io_error(dir))
}

/// Writes `bytes` to a private temporary file beside `path` and renames it into place.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = options
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io_error(path))
}
