//! The loading policy: a plugin file is read, verified against the operator's trust store,
//! and only then compiled and run. A refused plugin is never compiled, cached or instantiated.

use std::path::{Path, PathBuf};

use anyhow::Context;
use ccsync_plugin::{Policy, TrustStore, Verified};
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
    let verified = ccsync_plugin::verify(&bytes, trust, policy)
        .with_context(|| format!("refusing to load plugin {}", path.display()))?;
    for warning in &verified.warnings {
        tracing::warn!(plugin = %path.display(), "{warning}");
    }
    Ok((bytes, verified))
}

/// Verifies, then loads a plugin file: the only way the application loads plugins it runs.
pub async fn load_verified(
    runtime: &Runtime,
    path: &Path,
    trust: &TrustStore,
    policy: Policy,
) -> anyhow::Result<LoadedPlugin> {
    let (bytes, verified) = verify_file(path, trust, policy)?;
    let plugin = runtime
        .load(
            &bytes,
            &path.display().to_string(),
            Some(&verified.manifest),
        )
        .await?;
    Ok(plugin)
}
