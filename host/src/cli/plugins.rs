//! The arguments of plugin files, vendor keys and the trust store (`ccsync plugin`, `key`,
//! `trust`).

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Print what a plugin claims (its embedded manifest and signatures, read without running
    /// it) and what its describe() returns (run in the sandbox, with no network).
    Inspect(InspectArgs),
    /// Embed a manifest and add an Ed25519 signature to a plugin component.
    Sign(SignArgs),
    /// Print who signed a plugin and whether this host would load it.
    Verify(VerifyArgs),
    /// Embed a manifest without signing: a development build, loadable only with
    /// `allow_unsigned`.
    EmbedManifest(EmbedManifestArgs),
    /// Run the contract's conformance checks on a plugin against a live endpoint or a
    /// recorded fixture; prints PASS / FAIL / SKIP per check, exits 1 if any failed.
    Test(TestArgs),
    /// Write a new connector project (manifest, source, README, unit tests, a recorded fixture
    /// and the kit's settings) that builds with one command and passes `ccsync plugin test`.
    New(NewArgs),
}

/// The language of a new connector project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Rust, with wit-bindgen, built by cargo for wasm32-wasip2.
    Rust,
    /// Python, built by componentize-py.
    Python,
}

impl Lang {
    /// The language's name, as `--lang` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
        }
    }
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The connector's name: lowercase letters, digits and `-`, starting with a letter (the
    /// manifest's, the package's and describe()'s name).
    pub name: String,
    /// The project's language.
    #[arg(long, value_enum, default_value_t = Lang::Rust)]
    pub lang: Lang,
    /// Where to write the project (default: ./NAME); it must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["endpoint", "fixture"])))]
pub struct TestArgs {
    /// The plugin component (.wasm).
    pub file: PathBuf,
    /// The settings file (TOML): `[settings]` and `[secrets]` passed to configure(), where
    /// `{endpoint}` stands for the endpoint's base URL (see README, "Conformance kit").
    #[arg(long)]
    pub settings: PathBuf,
    /// Run against this live base URL (its origin is allowed).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Run against a recorded fixture directory instead of the network.
    #[arg(long, value_name = "DIR")]
    pub fixture: Option<PathBuf>,
    /// With --endpoint: record every exchange into this directory, as a fixture.
    #[arg(long, value_name = "DIR", requires = "endpoint")]
    pub record: Option<PathBuf>,
    /// The most pages one read may take before it counts as endless.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub max_pages: usize,
    /// Skip the write checks (they create records named `ccsync-conformance-…` at the
    /// endpoint).
    #[arg(long)]
    pub no_writes: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EmbedManifestArgs {
    /// The plugin component (.wasm).
    pub file: PathBuf,
    /// The plugin's manifest (plugin.toml).
    #[arg(long)]
    pub manifest: PathBuf,
    /// Where to write the component (default: replace FILE).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The plugin component (.wasm).
    pub file: PathBuf,
    /// Only read the embedded manifest and signatures; do not run describe().
    #[arg(long)]
    pub no_run: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The plugin component (.wasm) to sign.
    pub file: PathBuf,
    /// The vendor's secret key file (from `ccsync key generate`).
    #[arg(long)]
    pub key: PathBuf,
    /// The plugin's manifest (plugin.toml).
    #[arg(long)]
    pub manifest: PathBuf,
    /// Where to write the signed component (default: replace FILE).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The plugin component (.wasm).
    pub file: PathBuf,
    /// The trust store to check against (default: the one in the config's data directory).
    #[arg(long)]
    pub trust_store: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Write a new Ed25519 key pair: PREFIX.key (secret, mode 0600) and PREFIX.pub.
    Generate(KeyGenerateArgs),
}

#[derive(Debug, Args)]
pub struct KeyGenerateArgs {
    /// The files' path prefix; existing files are never overwritten.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Trust a vendor's public key.
    Add(TrustAddArgs),
    /// List trusted and revoked keys.
    List(TrustListArgs),
    /// Revoke a key, permanently: plugins signed only by it are refused from now on.
    Revoke(TrustRevokeArgs),
}

#[derive(Debug, Args)]
pub struct TrustStoreArg {
    /// The trust store file (default: the one in the config's data directory).
    #[arg(long)]
    pub trust_store: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TrustAddArgs {
    /// The vendor's public key file (PREFIX.pub).
    pub public_key: PathBuf,
    /// Who the key belongs to.
    #[arg(long)]
    pub name: String,
    #[command(flatten)]
    pub store: TrustStoreArg,
}

#[derive(Debug, Args)]
pub struct TrustListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: TrustStoreArg,
}

#[derive(Debug, Args)]
pub struct TrustRevokeArgs {
    /// The key id (16 hex digits, as `ccsync trust list` shows it).
    pub key_id: String,
    /// Why (recorded with the revocation).
    #[arg(long, default_value = "revoked by the operator")]
    pub reason: String,
    #[command(flatten)]
    pub store: TrustStoreArg,
}
