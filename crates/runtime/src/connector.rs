//! One configured connector instance: the calls of the `connector` interface, each under the
//! sandbox's CPU and wall-clock deadlines and request budget, with traps turned into errors
//! that name the plugin and the call, and results bounded and cleaned of secrets.
//!
//! An instance is unusable after a trap, so a trap drops it; the next call instantiates the
//! component afresh (tens of microseconds from the pre-linked component) and configures it
//! again with the connection's settings. A misbehaving plugin therefore fails the call it
//! misbehaved in, and nothing else.
//!
//! The wall-clock deadline is a timeout around the whole call future: the guest yields to the
//! executor on every epoch tick and a host call awaits its HTTP request, so the timeout fires
//! whether the plugin computes or waits. The instance is then dropped mid-call, as after a trap.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ccsync_model::{ConnectorError, Description, Entity, ErrorClass, Kind, Page, User};
use ccsync_plugin::OriginPattern;
use tokio::time::error::Elapsed;
use wasmtime::Store;

use crate::bindings::{Plugin, wit};
use crate::host::HostState;
use crate::limits::{Breach, Limits};
use crate::output::OutputGuard;
use crate::redact::Redactor;
use crate::runtime::LoadedPlugin;

/// What a connection gives its connector instance.
#[derive(Clone, Default)]
pub struct Connection {
    /// Settings passed to `configure()`, secrets included.
    pub settings: Vec<(String, String)>,
    /// Which of the settings are secret: they are redacted from everything the plugin logs
    /// and returns.
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

/// Why the sandbox stopped a call. Each is the plugin's fault: deterministic for the same
/// input, never retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The call used more CPU time than allowed (`call_timeout`).
    Deadline(Duration),
    /// The call took longer than allowed in wall-clock time, its HTTP requests included
    /// (`wall_timeout`).
    WallDeadline(Duration),
    /// The call tried to make more HTTP requests than allowed (`max_requests_per_call`).
    Requests(u32),
    /// The instance tried to grow past its memory limit (bytes).
    Memory(u64),
    /// The call returned (or passed to the host) more than a size limit allows; says which.
    Oversize(String),
    /// The guest trapped (a panic, an `unreachable`, a stack overflow, an out-of-bounds
    /// access…).
    Trap(String),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Deadline(limit) => {
                write!(f, "exceeded its CPU deadline of {limit:?} (call_timeout)")
            }
            Fault::WallDeadline(limit) => write!(
                f,
                "exceeded its wall-clock deadline of {limit:?} (wall_timeout, time in HTTP requests included)"
            ),
            Fault::Requests(limit) => write!(
                f,
                "tried to make more than {limit} HTTP requests in one call (max_requests_per_call)"
            ),
            Fault::Memory(limit) => {
                write!(
                    f,
                    "exceeded its memory limit of {limit} bytes (memory_limit)"
                )
            }
            Fault::Oversize(what) => f.write_str(what),
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
            Some(Breach::Requests) => Fault::Requests(limits.max_requests_per_call),
            None => {
                // The full error carries the guest's backtrace: worth a debug line, too long
                // for an error message.
                tracing::debug!(plugin = %store.data().label, "trap: {error:?}");
                let cause = error.root_cause().to_string();
                // wasmtime's error for an exhausted hostcall fuel is a private type: its
                // message is the only way to tell it apart.
                if cause.contains("fuel allocated for hostcalls has been exhausted") {
                    return Fault::Oversize(format!(
                        "passed more than the limit of {} bytes to the host in one transfer (max_page_size)",
                        limits.max_page_bytes
                    ));
                }
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
        /// The plugin's label, `name@version`.
        plugin: String,
        /// The call that failed (`configure`, `read`, `create`…).
        call: &'static str,
        /// The error the connector returned.
        error: ConnectorError,
    },
    /// The sandbox stopped the call.
    #[error("plugin {plugin}: {call}: {fault}")]
    Fault {
        /// The plugin's label, `name@version`.
        plugin: String,
        /// The call that was stopped (`instantiate`, `configure`, `read`…).
        call: &'static str,
        /// Why the sandbox stopped it.
        fault: Fault,
    },
}

impl CallError {
    /// How the caller should treat this error. A sandbox fault is the plugin's: the same call
    /// on the same data faults again, so it is never retried ([`ErrorClass::Plugin`]); the
    /// run fails at once with the fault's reason, and counts toward quarantine.
    pub fn class(&self) -> ErrorClass {
        match self {
            CallError::Connector { error, .. } => error.class(),
            CallError::Fault { .. } => ErrorClass::Plugin,
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

/// The outcome of one guest call under the wall-clock deadline.
type Outcome<T, W> = Result<wasmtime::Result<Result<T, W>>, Elapsed>;

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

    fn wall(&self) -> Duration {
        self.plugin.runtime_limits().wall_timeout
    }

    fn guard(&self) -> OutputGuard<'_> {
        OutputGuard::new(self.plugin.runtime_limits(), &self.redactor)
    }

    fn connector_error(&self, call: &'static str, error: ConnectorError) -> CallError {
        CallError::Connector {
            plugin: self.plugin.label().to_owned(),
            call,
            error: self.guard().error(error),
        }
    }

    /// Instantiates and configures the component if the previous instance trapped.
    async fn ensure_live(&mut self) -> Result<&mut Live, CallError> {
        if self.live.is_none() {
            let wall = self.wall();
            let instantiated = tokio::time::timeout(
                wall,
                self.plugin.instantiate(
                    self.connection.allowed_origins.clone(),
                    self.redactor.clone(),
                ),
            )
            .await
            .map_err(|_| self.fault("instantiate", Fault::WallDeadline(wall)))?;
            let (mut store, bindings) = instantiated.map_err(|f| self.fault("instantiate", f))?;
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
            let result =
                tokio::time::timeout(wall, bindings.call_configure(&mut store, &settings)).await;
            match result {
                Err(_) => return Err(self.fault("configure", Fault::WallDeadline(wall))),
                Ok(Err(e)) => {
                    let fault = Fault::from_trap(&store, self.plugin.runtime_limits(), e);
                    return Err(self.fault("configure", fault));
                }
                Ok(Ok(_)) if store.data().sandbox.breach() == Some(Breach::Requests) => {
                    let fault = Fault::Requests(self.plugin.runtime_limits().max_requests_per_call);
                    return Err(self.fault("configure", fault));
                }
                Ok(Ok(Err(error))) => {
                    return Err(self.connector_error("configure", error.into()));
                }
                Ok(Ok(Ok(()))) => {}
            }
            self.live = Some(Live { store, bindings });
        }
        Ok(self.live.as_mut().expect("just made live"))
    }

    /// Turns the outcome of a call into the caller's result, dropping the instance on a trap,
    /// a wall-clock timeout or a spent request budget.
    fn finish<T, W: Into<ConnectorError>>(
        &mut self,
        call: &'static str,
        outcome: Outcome<T, W>,
    ) -> Result<T, CallError> {
        let limits = self.plugin.runtime_limits();
        let fault = match outcome {
            Err(_) => Fault::WallDeadline(limits.wall_timeout),
            Ok(Err(e)) => {
                let live = self.live.as_ref().expect("a call ran on a live instance");
                Fault::from_trap(&live.store, limits, e)
            }
            Ok(Ok(result)) => {
                let live = self.live.as_ref().expect("a call ran on a live instance");
                if live.store.data().sandbox.breach() == Some(Breach::Requests) {
                    Fault::Requests(limits.max_requests_per_call)
                } else {
                    return result.map_err(|error| self.connector_error(call, error.into()));
                }
            }
        };
        self.live = None;
        tracing::warn!(plugin = %self.plugin.label(), call, %fault, "plugin instance discarded");
        Err(self.fault(call, fault))
    }

    /// Asks the live instance to describe itself.
    pub async fn describe(&mut self) -> Result<Description, CallError> {
        let wall = self.wall();
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let call = live.bindings.call_describe(&mut live.store);
        let outcome = tokio::time::timeout(wall, call)
            .await
            .map(|r| r.map(Ok::<_, wit::Error>));
        self.finish("describe", outcome).map(Into::into)
    }

    /// Checks that the platform is reachable and the credentials work.
    pub async fn check(&mut self) -> Result<(), CallError> {
        let wall = self.wall();
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let call = live.bindings.call_check(&mut live.store);
        let outcome = tokio::time::timeout(wall, call).await;
        self.finish("check", outcome)
    }

    /// Reads one page of records. Records over the size limits come back as invalid records
    /// of the page; a page over the page limit fails the call.
    pub async fn read(
        &mut self,
        kind: Kind,
        cursor: Option<&str>,
        since: Option<&str>,
    ) -> Result<Page, CallError> {
        let wall = self.wall();
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let call = live
            .bindings
            .call_read(&mut live.store, kind.into(), cursor, since);
        let outcome = tokio::time::timeout(wall, call).await;
        let page: Page = self.finish("read", outcome)?.into();
        self.guard()
            .page(page)
            .map_err(|what| self.fault("read", Fault::Oversize(what)))
    }

    /// Creates a record and returns the platform's id for it. `external_id` is the host's
    /// key of the record, which the connector stores with it so that [`Connector::find`]
    /// finds the record after a lost reply.
    pub async fn create(&mut self, entity: Entity, external_id: &str) -> Result<String, CallError> {
        let wall = self.wall();
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let entity = wit::Entity::from(entity);
        let call = live
            .bindings
            .call_create(&mut live.store, &entity, external_id);
        let outcome = tokio::time::timeout(wall, call).await;
        let id = self.finish("create", outcome)?;
        self.guard()
            .id(id)
            .map_err(|what| self.fault("create", Fault::Oversize(what)))
    }

    /// Updates the record with this id.
    pub async fn update(&mut self, id: &str, entity: Entity) -> Result<(), CallError> {
        let wall = self.wall();
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let entity = wit::Entity::from(entity);
        let call = live.bindings.call_update(&mut live.store, id, &entity);
        let outcome = tokio::time::timeout(wall, call).await;
        self.finish("update", outcome)
    }

    /// Deactivates the record with this id.
    pub async fn deactivate(&mut self, kind: Kind, id: &str) -> Result<(), CallError> {
        let wall = self.wall();
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let call = live
            .bindings
            .call_deactivate(&mut live.store, kind.into(), id);
        let outcome = tokio::time::timeout(wall, call).await;
        self.finish("deactivate", outcome)
    }

    /// Searches the platform's users by name.
    pub async fn search_users(&mut self, query: &str) -> Result<Vec<User>, CallError> {
        let wall = self.wall();
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let call = live.bindings.call_search_users(&mut live.store, query);
        let outcome = tokio::time::timeout(wall, call).await;
        let users = self.finish("search-users", outcome)?;
        self.users("search-users", users)
    }

    /// Finds the platform's users with any of these email addresses.
    pub async fn find_by_email(&mut self, emails: &[String]) -> Result<Vec<User>, CallError> {
        let wall = self.wall();
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let call = live.bindings.call_find_by_email(&mut live.store, emails);
        let outcome = tokio::time::timeout(wall, call).await;
        let users = self.finish("find-by-email", outcome)?;
        self.users("find-by-email", users)
    }

    /// The platform id of the record of `kind` created with `external_id`, if any.
    pub async fn find(
        &mut self,
        kind: Kind,
        external_id: &str,
    ) -> Result<Option<String>, CallError> {
        let wall = self.wall();
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let call = live
            .bindings
            .call_find(&mut live.store, kind.into(), external_id);
        let outcome = tokio::time::timeout(wall, call).await;
        match self.finish("find", outcome)? {
            Some(id) => self
                .guard()
                .id(id)
                .map(Some)
                .map_err(|what| self.fault("find", Fault::Oversize(what))),
            None => Ok(None),
        }
    }

    /// One record of `kind` by its platform id, if the platform has it. A record over the
    /// size limits fails the call.
    pub async fn get(&mut self, kind: Kind, id: &str) -> Result<Option<Entity>, CallError> {
        let wall = self.wall();
        let live = self.ensure_live().await?;
        begin_call(&mut live.store);
        let call = live.bindings.call_get(&mut live.store, kind.into(), id);
        let outcome = tokio::time::timeout(wall, call).await;
        let Some(entity) = self.finish("get", outcome)? else {
            return Ok(None);
        };
        let page = Page {
            items: vec![entity.into()],
            ..Page::default()
        };
        let mut checked = self
            .guard()
            .page(page)
            .map_err(|what| self.fault("get", Fault::Oversize(what)))?;
        match (checked.items.pop(), checked.invalid.pop()) {
            (Some(entity), _) => Ok(Some(entity)),
            (None, Some(invalid)) => Err(self.fault("get", Fault::Oversize(invalid.reason))),
            (None, None) => Ok(None),
        }
    }

    fn users(&self, call: &'static str, users: Vec<wit::User>) -> Result<Vec<User>, CallError> {
        let users = users.into_iter().map(Into::into).collect();
        self.guard()
            .users(self.plugin.label(), users)
            .map_err(|what| self.fault(call, Fault::Oversize(what)))
    }
}

/// Starts the CPU and request budgets of a call.
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
