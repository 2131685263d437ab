//! One configured connector instance: the calls of the `connector` interface, each under the
//! sandbox's CPU deadline, with traps turned into errors that name the plugin and the call.
//!
//! An instance is unusable after a trap, so a trap drops it; the next call instantiates the
//! component afresh (tens of microseconds from the pre-linked component) and configures it
//! again with the connection's settings. A misbehaving plugin therefore fails the call it
//! misbehaved in, and nothing else.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ccsync_model::{ConnectorError, Description, Entity, ErrorClass, Kind, Page, User};
use ccsync_plugin::OriginPattern;
use wasmtime::Store;

use crate::bindings::{Plugin, wit};
use crate::host::{HostState, Redactor};
use crate::limits::{Breach, Limits};
use crate::runtime::LoadedPlugin;

/// What a connection gives its connector instance.
#[derive(Clone, Default)]
pub struct Connection {
    /// Settings passed to `configure()`, secrets included.
    pub settings: Vec<(String, String)>,
    /// Which of the settings are secret: they are redacted from everything the plugin logs.
    pub secret_keys: Vec<String>,
    /// The origins the operator allows this connection to reach.
    pub allowed_origins: Vec<OriginPattern>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let settings: Vec<_> = self
            .settings
            .iter()
            .map(|(k, v)| {
                let shown = if self.secret_keys.contains(k) {
                    "[redacted]"
                } else {
                    v.as_str()
                };
                (k.as_str(), shown)
            })
            .collect();
        f.debug_struct("Connection")
            .field("settings", &settings)
            .field("allowed_origins", &self.allowed_origins)
            .finish()
    }
}

/// Why the sandbox stopped a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The call used more CPU time than allowed.
    Deadline(Duration),
    /// The instance tried to grow past its memory limit (bytes).
    Memory(u64),
    /// The guest trapped (a panic, an `unreachable`, an out-of-bounds access…).
    Trap(String),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Deadline(limit) => write!(f, "exceeded its CPU deadline of {limit:?}"),
            Fault::Memory(limit) => write!(f, "exceeded its memory limit of {limit} bytes"),
            Fault::Trap(message) => write!(f, "trapped: {message}"),
        }
    }
}

impl Fault {
    pub(crate) fn from_trap(
        store: &Store<HostState>,
        limits: &Limits,
        error: wasmtime::Error,
    ) -> Fault {
        match store.data().sandbox.breach() {
            Some(Breach::Deadline) => Fault::Deadline(limits.call_timeout),
            Some(Breach::Memory) => Fault::Memory(limits.memory_bytes),
            None => {
                // The full error carries the guest's backtrace: worth a debug line, too long
                // for an error message.
                tracing::debug!(plugin = %store.data().label, "trap: {error:?}");
                let cause = error.root_cause().to_string();
                Fault::Trap(match store.data().stderr_summary() {
                    Some(said) => format!("{said} ({cause})"),
                    None => cause,
                })
            }
        }
    }
}

/// Why a call into a connector failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// The connector answered with one of the contract's errors.
    #[error("plugin {plugin}: {call}: {error}")]
    Connector {
        plugin: String,
        call: &'static str,
        error: ConnectorError,
    },
    /// The sandbox stopped the call.
    #[error("plugin {plugin}: {call}: {fault}")]
    Fault {
        plugin: String,
        call: &'static str,
        fault: Fault,
    },
}

impl CallError {
    /// How the caller should treat this error. A sandbox fault may depend on the data the
    /// call saw, so it is retried like a passing failure (and quarantines a flow that keeps
    /// hitting it).
    pub fn class(&self) -> ErrorClass {
        match self {
            CallError::Connector { error, .. } => error.class(),
            CallError::Fault { .. } => ErrorClass::Transient,
        }
    }

    /// The connector's own error, if it returned one.
    pub fn connector_error(&self) -> Option<&ConnectorError> {
        match self {
            CallError::Connector { error, .. } => Some(error),
            CallError::Fault { .. } => None,
        }
    }
}

struct Live {
    store: Store<HostState>,
    bindings: Plugin,
}

/// A connector instance configured for one connection.
pub struct Connector {
    plugin: LoadedPlugin,
    connection: Connection,
    redactor: Arc<Redactor>,
    live: Option<Live>,
}

impl Connector {
    pub(crate) async fn new(
        plugin: LoadedPlugin,
        connection: Connection,
    ) -> Result<Self, CallError> {
        let secrets = connection
            .settings
            .iter()
            .filter(|(k, _)| connection.secret_keys.contains(k))
            .map(|(_, v)| v.clone());
        let redactor = Arc::new(Redactor::new(secrets));
        let mut connector = Connector {
            plugin,
            connection,
            redactor,
            live: None,
        };
        connector.ensure_live().await?;
        Ok(connector)
    }

    /// The plugin this instance runs.
    pub fn plugin(&self) -> &LoadedPlugin {
        &self.plugin
    }

    fn fault(&self, call: &'static str, fault: Fault) -> CallError {
        CallError::Fault {
            plugin: self.plugin.label().to_owned(),
            call,
            fault,
        }
    }

    /// Instantiates and configures the component if the previous instance trapped.
    async fn ensure_live(&mut self) -> Result<&mut Live, CallError> {
        if self.live.is_none() {
            let (mut store, bindings) = self
                .plugin
                .instantiate(
                    self.connection.allowed_origins.clone(),
                    self.redactor.clone(),
                )
                .await
                .map_err(|f| self.fault("instantiate", f))?;
            let settings: Vec<wit::KeyValue> = self
                .connection
                .settings
                .iter()
                .map(|(key, value)| wit::KeyValue {
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect();
            begin_call(&mut store);
            let result = bindings
                .ccsync_connector_connector()
                .call_configure(&mut store, &settings)
                .await;
            match result {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    return Err(CallError::Connector {
                        plugin: self.plugin.label().to_owned(),
                        call: "configure",
                        error: error.into(),
                    });
                }
                Err(e) => {
                    let fault = Fault::from_trap(&store, self.plugin.runtime_limits(), e);
                    return Err(self.fault("configure", fault));
                }
            }
            self.live = Some(Live { store, bindings });
        }
        Ok(self.live.as_mut().expect("just made live"))
    }

    /// Turns the outcome of a call into the caller's result, dropping the instance on a trap.
    fn finish<T, W: Into<ConnectorError>>(
        &mut self,
        call: &'static str,
        result: wasmtime::Result<Result<T, W>>,
    ) -> Result<T, CallError> {
        match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(CallError::Connector {
                plugin: self.plugin.label().to_owned(),
                call,
                error: error.into(),
            }),
            Err(e) => {
                let live = self.live.take().expect("a call ran on a live instance");
                let fault = Fault::from_trap(&live.store, self.plugin.runtime_limits(), e);
                tracing::warn!(plugin = %self.plugin.label(), call, %fault, "plugin instance discarded");
                Err(self.fault(call, fault))
            }
        }
    }

    /// Asks the live instance to describe itself.
    pub async fn describe(&mut self) -> Result<Description, CallError> {
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let result = live
            .bindings
            .ccsync_connector_connector()
            .call_describe(&mut live.store)
            .await
            .map(Ok::<_, wit::Error>);
        self.finish("describe", result).map(Into::into)
    }

    /// Checks that the platform is reachable and the credentials work.
    pub async fn check(&mut self) -> Result<(), CallError> {
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let result = live
            .bindings
            .ccsync_connector_connector()
            .call_check(&mut live.store)
            .await;
        self.finish("check", result)
    }

    /// Reads one page of records.
    pub async fn read(
        &mut self,
        kind: Kind,
        cursor: Option<&str>,
        since: Option<&str>,
    ) -> Result<Page, CallError> {
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let result = live
            .bindings
            .ccsync_connector_connector()
            .call_read(&mut live.store, kind.into(), cursor, since)
            .await;
        self.finish("read", result).map(Into::into)
    }

    /// Creates a record and returns the platform's id for it.
    pub async fn create(&mut self, entity: Entity) -> Result<String, CallError> {
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let entity = wit::Entity::from(entity);
        let result = live
            .bindings
            .ccsync_connector_connector()
            .call_create(&mut live.store, &entity)
            .await;
        self.finish("create", result)
    }

    /// Updates the record with this id.
    pub async fn update(&mut self, id: &str, entity: Entity) -> Result<(), CallError> {
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let entity = wit::Entity::from(entity);
        let result = live
            .bindings
            .ccsync_connector_connector()
            .call_update(&mut live.store, id, &entity)
            .await;
        self.finish("update", result)
    }

    /// Deactivates the record with this id.
    pub async fn deactivate(&mut self, kind: Kind, id: &str) -> Result<(), CallError> {
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let result = live
            .bindings
            .ccsync_connector_connector()
            .call_deactivate(&mut live.store, kind.into(), id)
            .await;
        self.finish("deactivate", result)
    }

    /// Searches the platform's users by name.
    pub async fn search_users(&mut self, query: &str) -> Result<Vec<User>, CallError> {
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let result = live
            .bindings
            .ccsync_connector_connector()
            .call_search_users(&mut live.store, query)
            .await;
        self.finish("search-users", result)
            .map(|users| users.into_iter().map(Into::into).collect())
    }

    /// Finds the platform's users with any of these email addresses.
    pub async fn find_by_email(&mut self, emails: &[String]) -> Result<Vec<User>, CallError> {
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let result = live
            .bindings
            .ccsync_connector_connector()
            .call_find_by_email(&mut live.store, emails)
            .await;
        self.finish("find-by-email", result)
            .map(|users| users.into_iter().map(Into::into).collect())
    }
}

/// Starts the CPU budget of a call.
pub(crate) fn begin_call(store: &mut Store<HostState>) {
    store.data_mut().begin_call();
    store.set_epoch_deadline(1);
}

/// The last lines a plugin wrote to stderr during a call, kept so a trap can say what the
/// guest said before it died (a Rust panic message, typically).
#[derive(Debug, Default, Clone)]
pub(crate) struct StderrTail(Arc<Mutex<VecDeque<String>>>);

impl StderrTail {
    const LINES: usize = 8;

    pub(crate) fn record(&self, line: &str) {
        if let Ok(mut lines) = self.0.lock() {
            if lines.len() == Self::LINES {
                lines.pop_front();
            }
            lines.push_back(line.to_owned());
        }
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut lines) = self.0.lock() {
            lines.clear();
        }
    }

    /// The recorded lines on one line, without Rust's hint about `RUST_BACKTRACE`.
    pub(crate) fn summary(&self) -> Option<String> {
        let lines = self.0.lock().ok()?;
        let kept: Vec<&str> = lines
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.starts_with("note: run with `RUST_BACKTRACE"))
            .collect();
        (!kept.is_empty()).then(|| kept.join(" "))
    }
}
