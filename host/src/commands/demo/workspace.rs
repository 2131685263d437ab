//! A ccsync installation written around simulators: signed plugins, file secrets and a config,
//! in one directory. The demo writes one for every flow it runs, the benchmarks one per
//! measurement; the directory stays a working installation afterwards.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use ccsync_plugin::{Manifest, SecretKey, TrustStore};

use crate::plugins::trust_store_path;

/// The data directory, relative to the workspace.
pub const DATA_DIR: &str = "data";

/// A workspace being written: the config grows a section at a time, and [`Workspace::finish`]
/// writes it.
pub struct Workspace {
    dir: PathBuf,
    key: SecretKey,
    config: String,
}

impl Workspace {
    /// A workspace in `dir` (created if needed), its config starting with `comment`.
    pub fn new(dir: &Path, comment: &str) -> anyhow::Result<Workspace> {
        for sub in ["plugins", "secrets"] {
            std::fs::create_dir_all(dir.join(sub))
                .with_context(|| format!("creating {}", dir.join(sub).display()))?;
        }
        let key = demo_key(dir)?;
        let mut config = String::new();
        for line in comment.lines() {
            writeln!(config, "# {line}")?;
        }
        writeln!(config, "data_dir = \"{DATA_DIR}\"")?;
        Ok(Workspace {
            dir: dir.to_owned(),
            key,
            config,
        })
    }

    /// Installs the bundled connector `name`, signed with the demo key (which the workspace's
    /// trust store trusts, so the default signed path is taken).
    pub fn plugin(&mut self, name: &str) -> anyhow::Result<()> {
        let plugin = ccsync_bundled::connector(name)
            .with_context(|| format!("the {name} connector is not bundled"))?;
        let manifest =
            Manifest::from_toml_str(plugin.manifest, &format!("plugins/{name}/plugin.toml"))?;
        let signed = ccsync_plugin::sign(plugin.component, &manifest, &self.key)
            .with_context(|| format!("signing the {name} plugin"))?;
        let path = self.dir.join("plugins").join(format!("{name}.wasm"));
        std::fs::write(&path, signed).with_context(|| format!("writing {}", path.display()))?;
        write!(
            self.config,
            "\n[plugins.{name}]\npath = \"plugins/{name}.wasm\"\n"
        )?;
        Ok(())
    }

    /// A connection through `plugin` to a simulator at `origin` (the one origin the operator
    /// allows), with plain `settings` and `secrets` written to owner-only files.
    pub fn connection(
        &mut self,
        name: &str,
        plugin: &str,
        tenant: &str,
        origin: &str,
        settings: &[(&str, String)],
        secrets: &[(&str, String)],
    ) -> anyhow::Result<()> {
        write!(
            self.config,
            "\n[connections.{name}]\nplugin = \"{plugin}\"\ntenant = \"{tenant}\"\n\
             allowed_origins = [\"{origin}\"]\n\n[connections.{name}.settings]\n"
        )?;
        for (key, value) in settings {
            writeln!(self.config, "{key} = {}", toml_string(value))?;
        }
        if !secrets.is_empty() {
            writeln!(self.config, "\n[connections.{name}.secrets]")?;
        }
        for (key, value) in secrets {
            let file = format!("secrets/{name}-{key}");
            write_private(&self.dir.join(&file), value)?;
            writeln!(self.config, "{key} = {{ file = \"{file}\" }}")?;
        }
        Ok(())
    }

    /// Appends a config section as written (a flow).
    pub fn section(&mut self, text: &str) {
        self.config.push('\n');
        self.config.push_str(text);
    }

    /// Writes the config; returns its path.
    pub fn finish(self) -> anyhow::Result<PathBuf> {
        let path = self.dir.join("ccsync.toml");
        std::fs::write(&path, &self.config)
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }
}

/// A TOML basic string (JSON's string escapes are TOML's).
fn toml_string(value: &str) -> String {
    serde_json::Value::String(value.to_owned()).to_string()
}

/// Writes a file readable by its owner only (secrets), replacing an older one.
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut f| f.write_all(contents.as_bytes()))
        .with_context(|| format!("writing {}", path.display()))
}

/// The demo's vendor key (`keys/demo.key`), generated on first use and trusted in the
/// workspace's trust store.
fn demo_key(dir: &Path) -> anyhow::Result<SecretKey> {
    let prefix = dir.join("keys").join("demo");
    let secret = prefix.with_extension("key");
    if !secret.exists() {
        std::fs::create_dir_all(dir.join("keys"))
            .with_context(|| format!("creating {}", dir.join("keys").display()))?;
        ccsync_plugin::generate_keypair(&prefix)?;
    }
    let key = SecretKey::read_file(&secret)?;
    let mut trust = TrustStore::open(trust_store_path(&dir.join(DATA_DIR)))?;
    if trust.lookup(key.public_key()).is_none() {
        trust.add(key.public_key(), "ccsync demo vendor")?;
    }
    Ok(key)
}
