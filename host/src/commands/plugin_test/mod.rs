//! `ccsync plugin test`: the conformance kit. It runs the contract's checks on a plugin
//! file against a live endpoint or a recorded fixture and says, per check, whether the plugin
//! does what `wit/connector.wit` asks.
//!
//! It exists so that an integrator learns what the host would trip over (a cursor that loops,
//! an error the host would retry for ever, a trap on a broken body, a create that duplicates)
//! before the plugin reaches an operator, and so that CI holds every connector of this
//! repository to the same contract. The plugin runs in the same sandbox as in production,
//! under the config's `[runtime]` limits, and the kit sees its HTTP through a transport of its
//! own ([`transport`]): the network or a fixture, recorded on request, under a fault layer.
//!
//! One module per group of checks: [`describe`], [`configure`], [`read`] (paging, cursors,
//! `since`, determinism, unique ids), [`errors`] (classification under injected faults),
//! [`unsupported`], [`writes`]; the sandbox check is the run's own (every call the sandbox
//! stopped, whichever check made it).

mod configure;
mod describe;
mod errors;
mod read;
mod report;
pub mod settings;
mod transport;
mod unsupported;
mod writes;

use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use ccsync_config::Config;
use ccsync_model::{Description, Kind};
use ccsync_plugin::Manifest;
use ccsync_runtime::{
    CallError, Connector, LoadedPlugin, NetworkTransport, Runtime, RuntimeOptions,
};
use connector_kit::fixture;
use serde_json::json;

use self::report::{Outcome, Report};
use self::settings::KitSettings;
use self::transport::{Backend, KitTransport};
use crate::app::sandbox_limits;
use crate::cli::TestArgs;

/// The id of the sandbox check.
const SANDBOX: &str = "limits.within-sandbox";

/// What every check works with: the loaded plugin, its settings and transport, and the run's
/// report.
pub(crate) struct Kit {
    plugin: LoadedPlugin,
    manifest: Option<Manifest>,
    settings: KitSettings,
    transport: Arc<KitTransport>,
    max_pages: usize,
    report: Report,
    /// Every call the sandbox stopped: `check: error`.
    sandbox_faults: Vec<String>,
}

impl Kit {
    fn description(&self) -> &Description {
        self.plugin.description()
    }

    /// The kinds the plugin declares it reads, `user` first (the kind most platforms page).
    fn readable_kinds(&self) -> Vec<Kind> {
        let mut kinds = self.description().reads.clone();
        kinds.sort_by_key(|k| *k != Kind::User);
        kinds
    }

    fn has_capability(&self, name: &str) -> bool {
        self.description().capabilities.iter().any(|c| c == name)
    }

    /// A fresh instance configured with the run's settings.
    async fn connect(&mut self, check: &str) -> Result<Connector, CallError> {
        let pairs = self.settings.pairs.clone();
        self.connect_with(check, pairs).await
    }

    /// A fresh instance configured with `pairs`.
    async fn connect_with(
        &mut self,
        check: &str,
        pairs: Vec<(String, String)>,
    ) -> Result<Connector, CallError> {
        let connection = self.settings.connection(pairs);
        let connected = self.plugin.connect(connection).await;
        if let Err(e) = &connected {
            self.observe(check, e);
        }
        connected
    }

    /// Notes a call the sandbox stopped, for the sandbox check; returns the error's text.
    fn observe(&mut self, check: &str, error: &CallError) -> String {
        if matches!(error, CallError::Fault { .. }) {
            self.sandbox_faults.push(format!("{check}: {error}"));
        }
        error.to_string()
    }

    /// `result`'s error noted for the sandbox check, as text.
    fn note<T>(&mut self, check: &str, result: Result<T, CallError>) -> Result<T, String> {
        result.map_err(|e| self.observe(check, &e))
    }
}

/// Runs the checks and prints the report; exit code 1 when a check failed.
pub async fn run(config: &Path, args: TestArgs) -> anyhow::Result<ExitCode> {
    let limits = if config.exists() {
        let loaded = Config::load(config, crate::sync::rules::FAMILIES)
            .with_context(|| format!("loading {} for the sandbox limits", config.display()))?;
        sandbox_limits(loaded.runtime())
    } else {
        Default::default()
    };
    let (backend, endpoint, target) = match (&args.endpoint, &args.fixture) {
        (Some(endpoint), _) => {
            let network = NetworkTransport::new(&limits).map_err(anyhow::Error::msg)?;
            (
                Backend::Network(network),
                endpoint.clone(),
                json!({"endpoint": endpoint}),
            )
        }
        (None, Some(dir)) => {
            let replay = fixture::Replay::open(dir)
                .with_context(|| format!("reading the fixture {}", dir.display()))?;
            let endpoint = replay.endpoint().to_owned();
            let target = json!({"fixture": dir, "recorded_against": endpoint});
            (Backend::Fixture(Mutex::new(replay)), endpoint, target)
        }
        (None, None) => anyhow::bail!("give --endpoint URL or --fixture DIR"),
    };
    let settings = KitSettings::load(&args.settings, &endpoint)?;
    let transport = Arc::new(KitTransport::new(backend, args.record.is_some()));
    let runtime = Runtime::with_transport(
        RuntimeOptions {
            limits,
            cache_dir: None,
        },
        transport.clone(),
    )?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("reading plugin {}", args.file.display()))?;
    let file = args.file.display().to_string();
    let manifest = ccsync_plugin::read_manifest(&bytes)
        .with_context(|| format!("reading the manifest of {file}"))?;
    let plugin = runtime
        .load(&bytes, &file, None)
        .await
        .with_context(|| format!("loading {file}"))?;
    let about = json!({
        "file": args.file,
        "name": plugin.description().name,
        "version": plugin.description().version,
        "contract": format!("ccsync:connector@{}", plugin.contract_version()),
        "target": target,
    });
    let mut kit = Kit {
        plugin,
        manifest,
        settings,
        transport: transport.clone(),
        max_pages: args.max_pages.max(1),
        report: Report::default(),
        sandbox_faults: Vec::new(),
    };
    run_checks(&mut kit, !args.no_writes).await;

    if let Some(dir) = &args.record {
        fixture::write(dir, &endpoint, &transport.recorded())
            .with_context(|| format!("recording the fixture {}", dir.display()))?;
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&kit.report.json(about))?)?;
    } else {
        outln!(
            "{} {} ({}) against {}",
            kit.description().name,
            kit.description().version,
            about["contract"].as_str().unwrap_or_default(),
            match (&args.endpoint, &args.fixture) {
                (Some(url), _) => url.clone(),
                (None, Some(dir)) => format!("fixture {}", dir.display()),
                (None, None) => String::new(),
            }
        )?;
        out!("{}", kit.report.text())?;
    }
    Ok(if kit.report.failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Every group of checks, in an order where each builds on what the earlier ones showed.
async fn run_checks(kit: &mut Kit, writes: bool) {
    describe::run(kit).await;
    let configured = configure::run(kit).await;
    if configured {
        let check = "check.succeeds";
        let outcome = match kit.connect(check).await {
            Ok(mut connector) => match connector.check().await {
                Ok(()) => Outcome::Pass,
                Err(e) => Outcome::Fail(kit.observe(check, &e)),
            },
            Err(e) => Outcome::Fail(e.to_string()),
        };
        kit.report.add(check, outcome);
        read::run(kit).await;
        errors::run(kit).await;
        unsupported::run(kit).await;
        writes::run(kit, writes).await;
    } else {
        let why = "the settings do not configure the plugin (configure.accepts-settings)";
        for id in [
            "check.succeeds",
            "read.*",
            "errors.*",
            "calls.unsupported",
            "write.*",
        ] {
            kit.report.add(id, Outcome::Skip(why.into()));
        }
    }
    let outcome = if kit.sandbox_faults.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "the sandbox stopped {} call(s): {}",
            kit.sandbox_faults.len(),
            kit.sandbox_faults.join("; ")
        ))
    };
    kit.report.add(SANDBOX, outcome);
}
