//! The application as configured: the config file, the hub store, the plugin runtime, and
//! connector instances made from them. Every command that works on a config starts here.

use std::path::Path;

use anyhow::{Context, bail};
use ccsync_config::{Config, ConnectionConfig, FlowConfig, RuntimeLimits};
use ccsync_plugin::{Policy, TrustStore};
use ccsync_runtime::{Connection, Connector, Limits, Runtime, RuntimeOptions};
use ccsync_store::{RunCounts, RunId, RunMode, RunStatus, Store};

use crate::lock::try_lock;
use crate::plugins::{load_verified, trust_store_path};
use crate::sync::{FlowRunner, Progress, RetryPolicy, RunOptions, RunReport};

/// The database file, inside the data directory.
const DATABASE: &str = "ccsync.db";
/// The compiled-component cache, inside the data directory.
const CACHE: &str = "cache";

/// The sandbox limits the operator configured.
pub(crate) fn sandbox_limits(limits: &RuntimeLimits) -> Limits {
    Limits {
        memory_bytes: limits.memory_limit,
        call_timeout: limits.call_timeout,
        wall_timeout: limits.wall_timeout,
        http_timeout: limits.http_timeout,
        max_response_bytes: limits.max_response_size,
        max_requests_per_call: limits.max_requests_per_call,
        max_field_bytes: limits.max_field_size,
        max_record_bytes: limits.max_record_size,
        max_page_bytes: limits.max_page_size,
        max_log_message_bytes: limits.max_log_message_size,
        log_rate: limits.log_rate,
        log_burst: limits.log_burst,
    }
}

/// A run refused because an operator paused the flow: not a failure of the flow.
#[derive(Debug, thiserror::Error)]
#[error(
    "flow {flow} is paused since {} ({}): `ccsync resume {flow}` first, or use --dry-run",
    pause.since,
    pause.reason
)]
pub struct FlowPaused {
    /// The paused flow.
    pub flow: String,
    /// Since when, and why.
    pub pause: ccsync_store::Pause,
}

/// A loaded configuration with its store and runtime.
pub struct App {
    pub config: Config,
    pub store: Store,
    runtime: Runtime,
    /// `--allow-unsigned` on the command line (the config's `allow_unsigned` also counts).
    pub allow_unsigned: bool,
}

/// Loads the config and opens (migrating) its hub store: all that the reporting commands need.
pub fn open_store(config_path: &Path) -> anyhow::Result<(Config, Store)> {
    let config = Config::load(config_path, crate::sync::rules::FAMILIES)?;
    let data_dir = config.data_dir();
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
    let database = data_dir.join(DATABASE);
    let store = Store::open(&database)
        .with_context(|| format!("opening the hub store {}", database.display()))?;
    Ok((config, store))
}

impl App {
    /// Loads the config, opens (migrating) the store and starts the plugin runtime.
    pub fn open(config_path: &Path) -> anyhow::Result<App> {
        let (config, store) = open_store(config_path)?;
        let data_dir = config.data_dir().to_owned();
        let runtime = Runtime::new(RuntimeOptions {
            limits: sandbox_limits(config.runtime()),
            cache_dir: Some(data_dir.join(CACHE)),
        })?;
        Ok(App {
            config,
            store,
            runtime,
            allow_unsigned: false,
        })
    }

    /// A flow by name, or an error listing the known ones.
    pub fn flow(&self, name: &str) -> anyhow::Result<&FlowConfig> {
        self.config.flow(name).with_context(|| {
            let known: Vec<&str> = self.config.flows().keys().map(String::as_str).collect();
            format!("unknown flow {name:?} (known: {})", known.join(", "))
        })
    }

    /// The source connection of a flow.
    pub fn source(&self, flow: &FlowConfig) -> anyhow::Result<&ConnectionConfig> {
        match self.config.connection(&flow.source) {
            Some(connection) => Ok(connection),
            None => bail!(
                "flow {}: unknown source connection {:?}",
                flow.name,
                flow.source
            ),
        }
    }

    /// Loads the connection's plugin and instantiates it with the connection's settings,
    /// secrets and allowed origins.
    pub async fn connector(&self, connection: &ConnectionConfig) -> anyhow::Result<Connector> {
        let plugin_config = self.config.plugin(&connection.plugin).with_context(|| {
            format!(
                "connection {}: unknown plugin {:?}",
                connection.name, connection.plugin
            )
        })?;
        let trust = TrustStore::open(trust_store_path(self.config.data_dir()))?;
        let policy = Policy {
            allow_unsigned: self.config.allow_unsigned() || self.allow_unsigned,
        };
        let plugin = load_verified(&self.runtime, &plugin_config.path, &trust, policy)
            .await
            .with_context(|| format!("loading plugin {}", plugin_config.name))?;
        let secrets = connection.resolve_secrets()?;
        let mut settings: Vec<(String, String)> = connection
            .settings
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        settings.extend(
            secrets
                .iter()
                .map(|(k, v)| (k.clone(), v.expose().to_owned())),
        );
        let connection_spec = Connection {
            settings,
            secret_keys: secrets.keys().cloned().collect(),
            allowed_origins: connection.allowed_origins.clone(),
        };
        plugin
            .connect(connection_spec)
            .await
            .with_context(|| format!("connecting {}", connection.name))
    }

    /// The flow's source connector and, for a flow whose target is a connection, the target's,
    /// each with its own settings, secrets and allowed origins.
    pub async fn connectors(
        &self,
        flow: &FlowConfig,
        source: &ConnectionConfig,
    ) -> anyhow::Result<(Connector, Option<Connector>)> {
        let connector = self.connector(source).await?;
        let target = match &flow.target {
            ccsync_config::Target::Connection(name) => {
                let target = self.config.connection(name).with_context(|| {
                    format!("flow {}: unknown target connection {name:?}", flow.name)
                })?;
                Some(self.connector(target).await?)
            }
            ccsync_config::Target::Hub(_) => None,
        };
        Ok((connector, target))
    }

    /// Takes the flow's run lock (one run of a flow at a time, across processes; released when
    /// the returned file is dropped), and refuses a paused flow ([`FlowPaused`]). Holding it,
    /// any run of the flow still marked running was left by a dead process: those are marked
    /// interrupted. Dry runs write nothing and need no lock.
    pub fn lock_flow(&mut self, flow: &str) -> anyhow::Result<std::fs::File> {
        let path = self
            .config
            .data_dir()
            .join("locks")
            .join(format!("{flow}.lock"));
        let lock = try_lock(&path, &format!("another run of flow {flow}"))?;
        // Checked holding the lock: a pause that lands before it is seen, and none can land
        // between this check and the run's writes.
        if let Some(pause) = self.store.flow_state(flow)?.and_then(|s| s.paused) {
            return Err(FlowPaused {
                flow: flow.to_owned(),
                pause,
            }
            .into());
        }
        let interrupted = self.store.mark_interrupted_runs(flow)?;
        if interrupted > 0 {
            tracing::warn!(
                flow,
                interrupted,
                "runs left unfinished by a dead process were marked interrupted"
            );
        }
        Ok(lock)
    }

    /// Records a run of `flow` that failed before it could read anything (its plugin did not
    /// load, or `configure()` failed or hung), with the reason.
    pub fn record_failed_start(
        &mut self,
        flow: &FlowConfig,
        mode: RunMode,
        error: &anyhow::Error,
    ) -> anyhow::Result<RunId> {
        let run = self
            .store
            .start_run(&flow.name, mode, false)
            .context("recording the run")?;
        self.store
            .finish_run(
                run,
                RunStatus::Failed,
                &RunCounts::default(),
                Some(&format!("{error:#}")),
            )
            .context("recording the end of the run")?;
        Ok(run)
    }

    /// Runs a flow once, from its source connection into the hub.
    pub async fn run_flow(
        &mut self,
        flow: &FlowConfig,
        options: RunOptions,
        progress: &Progress,
    ) -> anyhow::Result<RunReport> {
        let _lock = if options.dry_run {
            None
        } else {
            Some(self.lock_flow(&flow.name)?)
        };
        let source = self.source(flow)?.clone();
        let (connector, mut target) = match self.connectors(flow, &source).await {
            Ok(connectors) => connectors,
            // A plugin that cannot be loaded or configured fails a run like any other step:
            // recorded with its reason, so `runs`, `status` and the flow's health show it.
            Err(e) if !options.dry_run => {
                let error = format!("{e:#}");
                let run = self.record_failed_start(flow, options.mode, &e)?;
                return Ok(RunReport::failed(flow, run, options.mode, error));
            }
            Err(e) => return Err(e),
        };
        FlowRunner {
            store: &mut self.store,
            connector: Some(connector),
            flow,
            tenant: &source.tenant,
            retry: RetryPolicy::default(),
            progress,
            target: target.as_mut(),
        }
        .run(options)
        .await
    }
}
