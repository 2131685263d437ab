//! `ccsync key generate` and `ccsync trust add|list|revoke`: vendor keys and the operator's
//! trust store.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use ccsync_config::Config;
use ccsync_plugin::{KeyId, PublicKey, TrustStore};

use crate::cli::{KeyGenerateArgs, TrustAddArgs, TrustListArgs, TrustRevokeArgs};
use crate::plugins::{remember_if_revoked, trust_store_path};

/// The trust store to use: the explicit one, else the one in the config's data directory.
pub fn trust_store_path_for(config: &Path, explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    match explicit {
        Some(path) => Ok(path.to_owned()),
        None => {
            let config = Config::load(config, crate::sync::rules::FAMILIES).context(
                "finding the trust store (pass --trust-store FILE to use one without a config)",
            )?;
            Ok(trust_store_path(config.data_dir()))
        }
    }
}

pub fn generate_key(args: KeyGenerateArgs) -> anyhow::Result<ExitCode> {
    let files = ccsync_plugin::generate_keypair(&args.out)?;
    outln!(
        "key {}\n  secret key: {} (keep it private; mode 0600)\n  public key: {} (publish it; operators run `ccsync trust add`)",
        files.key_id,
        files.secret_key.display(),
        files.public_key_file.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

pub fn add(config: &Path, args: TrustAddArgs) -> anyhow::Result<ExitCode> {
    let path = trust_store_path_for(config, args.store.trust_store.as_deref())?;
    let mut store = TrustStore::open(&path)?;
    let key = PublicKey::read_file(&args.public_key)?;
    let id = store.add(&key, &args.name)?;
    outln!("trusted key {id} ({}) in {}", args.name, path.display())?;
    Ok(ExitCode::SUCCESS)
}

pub fn list(config: &Path, args: TrustListArgs) -> anyhow::Result<ExitCode> {
    let path = trust_store_path_for(config, args.store.trust_store.as_deref())?;
    let store = TrustStore::open(&path)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(store.list())?)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("{:<17} {:<24} {:<28} STATUS", "KEY", "NAME", "ADDED")?;
    for key in store.list() {
        let status = match (&key.revoked_at, &key.revoke_reason) {
            (Some(at), reason) => format!("revoked at {at} ({})", reason.as_deref().unwrap_or("")),
            (None, _) => "trusted".into(),
        };
        outln!(
            "{:<17} {:<24} {:<28} {status}",
            key.id.to_string(),
            key.name,
            key.added_at.to_string()
        )?;
    }
    if store.list().is_empty() {
        outln!("(no keys: plugins are refused until a vendor key is trusted)")?;
    }
    for code in store.revoked_code_list() {
        outln!(
            "revoked code {} (signed by key {}, seen at {}): refused in every mode",
            code.digest,
            code.key_id,
            code.seen_at
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn revoke(config: &Path, args: TrustRevokeArgs) -> anyhow::Result<ExitCode> {
    let path = trust_store_path_for(config, args.store.trust_store.as_deref())?;
    let mut store = TrustStore::open(&path)?;
    let id: KeyId = args
        .key_id
        .parse()
        .map_err(|e| anyhow::anyhow!("{:?} is not a key id: {e}", args.key_id))?;
    store.revoke(id, &args.reason)?;
    outln!("revoked key {id}: plugins signed only by it are refused from now on")?;
    // Revocation reaches the code: the configured plugins now refused as signed by a revoked
    // key have their code remembered, so it stays refused with the signature stripped.
    if let Ok(config) = Config::load(config, crate::sync::rules::FAMILIES) {
        for plugin in config.plugins().values() {
            match remember_if_revoked(&plugin.path, &mut store) {
                Ok(true) => outln!(
                    "  plugin {} ({}): its code is refused in every mode from now on",
                    plugin.name,
                    plugin.path.display()
                )?,
                Ok(false) => {}
                Err(e) => tracing::warn!(plugin = %plugin.name, "{e:#}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
