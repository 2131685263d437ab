//! `ccsync plugin inspect|sign|verify`: look at, sign and check plugin files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use ccsync_config::Config;
use ccsync_model::{Description, Kind};
use ccsync_plugin::{Manifest, Policy, SecretKey, SignerStatus, TrustStore};
use ccsync_runtime::{Runtime, RuntimeOptions};
use serde_json::json;

use crate::app::sandbox_limits;
use crate::cli::{EmbedManifestArgs, InspectArgs, SignArgs, VerifyArgs};
use crate::commands::trust::trust_store_path_for;
use crate::plugins::check_file;

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// Prints the embedded manifest and signatures (no code runs) and, unless `--no-run`, what
/// describe() returns in a sandbox with no network.
pub async fn inspect(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let bytes = read(&args.file)?;
    let file = args.file.display();
    let manifest =
        ccsync_plugin::read_manifest(&bytes).with_context(|| format!("inspecting {file}"))?;
    let signatures =
        ccsync_plugin::read_signatures(&bytes).with_context(|| format!("inspecting {file}"))?;
    let description = if args.no_run {
        None
    } else {
        let runtime = Runtime::new(RuntimeOptions::default())?;
        let plugin = runtime
            .load(&bytes, &file.to_string(), None)
            .await
            .with_context(|| format!("inspecting {file}"))?;
        Some((plugin.description().clone(), plugin.contract_version()))
    };
    let contract = description
        .as_ref()
        .map(|(_, version)| format!("ccsync:connector@{version}"));
    let description = description.map(|(d, _)| d);
    if args.json {
        let value = json!({
            "file": args.file,
            "manifest": manifest.as_ref().map(manifest_json),
            "signatures": signatures.iter().map(|s| s.key_id.to_string()).collect::<Vec<_>>(),
            "description": description,
            "contract": contract,
        });
        outln!("{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    match &manifest {
        Some(m) => outln!(
            "manifest: {} {} by {}\n  reads:        {}\n  writes:       {}\n  origins:      {}",
            m.name(),
            m.version(),
            m.vendor(),
            kinds(m.reads().iter()),
            kinds(m.writes().iter()),
            or_none(m.origins().iter().map(ToString::to_string))
        )?,
        None => outln!("manifest: none embedded (unsigned development build)")?,
    }
    outln!(
        "signatures: {}",
        or_none(signatures.iter().map(|s| format!("key {}", s.key_id)))
    )?;
    if let Some(contract) = &contract {
        outln!("contract: {contract}")?;
    }
    if let Some(d) = &description {
        out!("describe():\n{}", describe_text(d))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn manifest_json(m: &Manifest) -> serde_json::Value {
    json!({
        "name": m.name(),
        "version": m.version().to_string(),
        "vendor": m.vendor(),
        "description": m.description(),
        "reads": m.reads(),
        "writes": m.writes(),
        "origins": m.origins(),
    })
}

fn kinds<'a>(kinds: impl Iterator<Item = &'a Kind>) -> String {
    or_none(kinds.map(|k| k.as_str().to_owned()))
}

fn or_none(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        "(none)".into()
    } else {
        items.join(", ")
    }
}

fn describe_text(d: &Description) -> String {
    format!(
        "  {} {}\n  reads:        {}\n  writes:       {}\n  origins:      {}\n  capabilities: {}\n",
        d.name,
        d.version,
        kinds(d.reads.iter()),
        kinds(d.writes.iter()),
        or_none(d.origins.iter().cloned()),
        or_none(d.capabilities.iter().cloned())
    )
}

/// Embeds the manifest and adds a signature; writes to `--output` or replaces the file.
pub fn sign(args: SignArgs) -> anyhow::Result<ExitCode> {
    let component = read(&args.file)?;
    let manifest = Manifest::from_toml_file(&args.manifest)?;
    let key = SecretKey::read_file(&args.key)?;
    let signed = ccsync_plugin::sign(&component, &manifest, &key)
        .with_context(|| format!("signing {}", args.file.display()))?;
    let output = args.output.unwrap_or_else(|| args.file.clone());
    write_replacing(&output, &signed)?;
    outln!(
        "signed {} {} with key {} -> {}",
        manifest.name(),
        manifest.version(),
        key.id(),
        output.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Embeds the manifest without a signature (a development build).
pub fn embed_manifest(args: EmbedManifestArgs) -> anyhow::Result<ExitCode> {
    let component = read(&args.file)?;
    let manifest = Manifest::from_toml_file(&args.manifest)?;
    let with_manifest = ccsync_plugin::embed_manifest(&component, &manifest)
        .with_context(|| format!("embedding the manifest in {}", args.file.display()))?;
    let output = args.output.unwrap_or_else(|| args.file.clone());
    write_replacing(&output, &with_manifest)?;
    outln!(
        "embedded the manifest of {} {} (unsigned: loads only with allow_unsigned) -> {}",
        manifest.name(),
        manifest.version(),
        output.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Writes beside the target and renames over it, so a failed write never leaves half a file.
fn write_replacing(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut tmp = PathBuf::from(path);
    tmp.set_extension("wasm.tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("writing {}", path.display()))
}

/// Prints the signers and the load decision; exits 1 when the host would refuse the plugin.
///
/// The decision is the one a load takes ([`check_file`]): the trust checks, then the plugin
/// is loaded in the sandbox (no network) and its `describe()` held to its signed manifest.
pub async fn verify(
    config: &Path,
    allow_unsigned: bool,
    args: VerifyArgs,
) -> anyhow::Result<ExitCode> {
    let bytes = read(&args.file)?;
    let trust = TrustStore::open(trust_store_path_for(config, args.trust_store.as_deref())?)?;
    // The operator's config, when there is one, decides the policy and the limits as it does
    // for `sync`.
    // No config file: the defaults. A config that exists but does not load is an error, not
    // a silent fallback to laxer limits than `sync` would use.
    let loaded = if config.exists() {
        Some(
            Config::load(config, crate::sync::rules::FAMILIES).with_context(|| {
                format!("loading {} for the policy and limits", config.display())
            })?,
        )
    } else {
        None
    };
    let policy = Policy {
        allow_unsigned: allow_unsigned || loaded.as_ref().is_some_and(Config::allow_unsigned),
    };
    let runtime = Runtime::new(RuntimeOptions {
        limits: loaded
            .as_ref()
            .map(|c| sandbox_limits(c.runtime()))
            .unwrap_or_default(),
        cache_dir: None,
    })?;
    let signatures = ccsync_plugin::read_signatures(&bytes).unwrap_or_default();
    let decision = check_file(&runtime, &args.file, &trust, policy)
        .await
        .map(|checked| checked.verified);
    if args.json {
        let value = match &decision {
            Ok(v) => json!({
                "file": args.file,
                "loads": true,
                "plugin": format!("{} {}", v.manifest.name(), v.manifest.version()),
                "signers": v.signers.iter().map(|s| json!({
                    "key_id": s.key_id.to_string(),
                    "name": s.name,
                    "status": status_text(&s.status),
                })).collect::<Vec<_>>(),
                "warnings": v.warnings,
            }),
            Err(refusal) => json!({
                "file": args.file,
                "loads": false,
                "reason": format!("{refusal:#}"),
                "signatures": signatures.iter().map(|s| s.key_id.to_string()).collect::<Vec<_>>(),
            }),
        };
        outln!("{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        match &decision {
            Ok(v) => {
                outln!(
                    "{}: {} {}",
                    args.file.display(),
                    v.manifest.name(),
                    v.manifest.version()
                )?;
                for signer in &v.signers {
                    outln!(
                        "  signed by key {} ({}): {}",
                        signer.key_id,
                        signer.name.as_deref().unwrap_or("unknown vendor"),
                        status_text(&signer.status)
                    )?;
                }
                for warning in &v.warnings {
                    outln!("  warning: {warning}")?;
                }
                outln!("  this host would load it")?;
            }
            Err(refusal) => {
                outln!("{}:", args.file.display())?;
                for signature in &signatures {
                    outln!("  signature by key {}", signature.key_id)?;
                }
                outln!("  this host would REFUSE it: {refusal:#}")?;
            }
        }
    }
    Ok(if decision.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn status_text(status: &SignerStatus) -> String {
    match status {
        SignerStatus::Trusted => "trusted".into(),
        SignerStatus::Revoked { revoked_at, reason } => {
            format!(
                "REVOKED at {revoked_at} ({})",
                reason.as_deref().unwrap_or("no reason given")
            )
        }
        SignerStatus::Unknown => "not in the trust store".into(),
    }
}
