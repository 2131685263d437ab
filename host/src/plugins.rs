//! The loading policy: a plugin file is read, verified against the operator's trust store,
//! and only then compiled and run. A refused plugin is never compiled, cached or instantiated.
//!
//! [`check_file`] is the one decision both `ccsync plugin verify` and every load take, so
//! what `verify` says is what `sync` does: the signature and trust checks, then the load,
//! where the plugin's `describe()` must match its signed manifest (name, version, kinds, and
//! only declared origins). Code refused as signed by a revoked key is remembered in the trust
//! store here, so the same code is refused in every mode afterwards.

use std::path::{Path, PathBuf};

use anyhow::Context;
use ccsync_plugin::{Policy, Refusal, TrustStore, Verified};
use ccsync_runtime::{LoadedPlugin, Runtime};

/// The trust store's file, inside the data directory.
pub const TRUST_STORE: &str = "trust.json";

/// The trust store of a data directory.
pub fn trust_store_path(data_dir: &Path) -> PathBuf {
    data_dir.join(TRUST_STORE)
}

/// Reads a plugin file and checks it against the trust store; the error names the file and
/// the exact reason of a refusal.
pub fn verify_file(
    path: &Path,
    trust: &TrustStore,
    policy: Policy,
) -> anyhow::Result<(Vec<u8>, Verified)> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading plugin {}", path.display()))?;
    let verified = match ccsync_plugin::verify(&bytes, trust, policy) {
        Ok(verified) => verified,
        Err(refusal) => {
            remember_revoked_code(path, trust, &refusal);
            return Err(refusal)
                .with_context(|| format!("refusing to load plugin {}", path.display()));
        }
    };
    for warning in &verified.warnings {
        tracing::warn!(plugin = %path.display(), "{warning}");
    }
    Ok((bytes, verified))
}

/// Code signed by a revoked key is remembered, so it stays refused once the signature is gone.
fn remember_revoked_code(path: &Path, trust: &TrustStore, refusal: &Refusal) {
    let Refusal::Revoked {
        key_id,
        code_digest,
        ..
    } = refusal
    else {
        return;
    };
    let remembered = TrustStore::open(trust.path())
        .and_then(|mut store| store.remember_revoked_code(code_digest, *key_id));
    match remembered {
        Ok(true) => tracing::warn!(
            plugin = %path.display(),
            digest = %hex::encode(code_digest),
            "remembered the code of a plugin signed by revoked key {key_id}: it is refused in every mode from now on"
        ),
        Ok(false) => {}
        Err(e) => tracing::error!(
            plugin = %path.display(),
            "could not remember revoked code in the trust store: {e}"
        ),
    }
}

/// Remembers the code of the plugin file at `path` in the trust store if the file is now
/// refused as signed by a revoked key (`trust revoke` calls this for the configured plugins);
/// `true` when it was newly remembered.
pub fn remember_if_revoked(path: &Path, trust: &mut TrustStore) -> anyhow::Result<bool> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading plugin {}", path.display()))?;
    let policy = Policy {
        allow_unsigned: true,
    };
    match ccsync_plugin::verify(&bytes, trust, policy) {
        Err(Refusal::Revoked {
            key_id,
            code_digest,
            ..
        }) => Ok(trust.remember_revoked_code(&code_digest, key_id)?),
        _ => Ok(false),
    }
}

/// A plugin file that passed every check and is loaded.
pub struct Checked {
    /// The signature and trust verdict, with the verified manifest.
    pub verified: Verified,
    /// The loaded plugin: `describe()` matched the manifest.
    pub plugin: LoadedPlugin,
}

/// Every check the host makes before it runs a plugin file: verify against the trust store,
/// then load, holding `describe()` to the verified manifest.
pub async fn check_file(
    runtime: &Runtime,
    path: &Path,
    trust: &TrustStore,
    policy: Policy,
) -> anyhow::Result<Checked> {
    let (bytes, verified) = verify_file(path, trust, policy)?;
    let plugin = runtime
        .load(
            &bytes,
            &path.display().to_string(),
            Some(&verified.manifest),
        )
        .await
        .with_context(|| format!("refusing to load plugin {}", path.display()))?;
    Ok(Checked { verified, plugin })
}

/// Verifies, then loads a plugin file: the only way the application loads plugins it runs.
pub async fn load_verified(
    runtime: &Runtime,
    path: &Path,
    trust: &TrustStore,
    policy: Policy,
) -> anyhow::Result<LoadedPlugin> {
    Ok(check_file(runtime, path, trust, policy).await?.plugin)
}
