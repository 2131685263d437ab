//! The typed, validated sections of a config: what the rest of ccsync reads.
//!
//! Values here have their defaults applied, their units converted and their references checked,
//! so a consumer never re-validates: a `FlowConfig`'s source names a configured connection, its
//! percentages are 0–100, its durations are positive.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use ccsync_model::Kind;
use ccsync_plugin::OriginPattern;

use crate::secret::{Secret, SecretError, SecretRef};
use crate::user_field::UserField;

/// Limits of the plugin sandbox, from `[runtime]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeLimits {
    /// Linear memory cap per plugin instance, in bytes.
    pub memory_limit: u64,
    /// CPU deadline for one call into a plugin.
    pub call_timeout: Duration,
    /// Wall-clock deadline for one call into a plugin, its HTTP requests included.
    pub wall_timeout: Duration,
    /// Deadline for one outbound HTTP request a plugin makes.
    pub http_timeout: Duration,
    /// Largest HTTP response body handed to a plugin, in bytes.
    pub max_response_size: u64,
    /// Most outbound HTTP requests one call into a plugin may make.
    pub max_requests_per_call: u32,
    /// Largest text field of a record a plugin returns, in bytes.
    pub max_field_size: u64,
    /// Largest record a plugin returns (all its text), in bytes.
    pub max_record_size: u64,
    /// Largest page (or other result) one call may return, in bytes.
    pub max_page_size: u64,
    /// Longest log message or output line kept from a plugin, in bytes.
    pub max_log_message_size: u64,
    /// Log lines (log calls, stdout and stderr lines) per second one instance may write.
    pub log_rate: u32,
    /// Log lines one instance may write in a burst above `log_rate`.
    pub log_burst: u32,
}

impl Default for RuntimeLimits {
    fn default() -> Self {
        RuntimeLimits {
            memory_limit: 256 << 20,
            call_timeout: Duration::from_secs(30),
            wall_timeout: Duration::from_secs(120),
            http_timeout: Duration::from_secs(30),
            max_response_size: 16 << 20,
            max_requests_per_call: 500,
            max_field_size: 64 << 10,
            max_record_size: 1 << 20,
            max_page_size: 64 << 20,
            max_log_message_size: 8 << 10,
            log_rate: 100,
            log_burst: 1000,
        }
    }
}

/// A plugin file, from `[plugins.<name>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginConfig {
    /// The name connections refer to it by.
    pub name: String,
    /// The `.wasm` component, resolved against the config file's directory.
    pub path: PathBuf,
}

/// What a hub store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HubKind {
    /// WFM employee accounts (IEX).
    Wfm,
    /// WFO user accounts.
    Wfo,
}

impl HubKind {
    /// Both kinds, WFM first.
    pub const ALL: [HubKind; 2] = [HubKind::Wfm, HubKind::Wfo];

    /// The name used in the config file; also the name of the built-in store of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            HubKind::Wfm => "wfm",
            HubKind::Wfo => "wfo",
        }
    }

    /// The label operators know it by, for messages.
    pub fn label(self) -> &'static str {
        match self {
            HubKind::Wfm => "WFM",
            HubKind::Wfo => "WFO",
        }
    }
}

impl fmt::Display for HubKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A store of hub accounts: the built-in `wfm` and `wfo`, or one declared in `[stores.<name>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubStore {
    /// The store's name: `wfm` or `wfo` for a built-in store, else its key under `[stores]`.
    pub name: String,
    /// What the store holds.
    pub kind: HubKind,
}

/// One configured use of a plugin against one platform tenant, from `[connections.<name>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionConfig {
    /// The connection's name, its key under `[connections]`.
    pub name: String,
    /// The name of a configured plugin.
    pub plugin: String,
    /// The tenant id: part of every record key this connection produces.
    pub tenant: String,
    /// Origins the plugin may reach: a request must match one of these AND one the plugin's
    /// manifest declares. Distinct.
    pub allowed_origins: Vec<OriginPattern>,
    /// Passed to the plugin's `configure()`.
    pub settings: BTreeMap<String, String>,
    /// Where each secret comes from; read with [`ConnectionConfig::resolve_secrets`].
    pub secrets: Vec<SecretRef>,
}

impl ConnectionConfig {
    /// Reads this connection's secrets now, by key. Fails on the first that cannot be read.
    pub fn resolve_secrets(&self) -> Result<BTreeMap<String, Secret>, SecretError> {
        self.secrets
            .iter()
            .map(|r| Ok((r.key.clone(), r.resolve(&self.name)?)))
            .collect()
    }
}

/// Where a flow writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A hub store (the host's own accounts).
    Hub(HubStore),
    /// Another connection, by name.
    Connection(String),
}

impl Target {
    /// The name as written in `target = "…"`.
    pub fn name(&self) -> &str {
        match self {
            Target::Hub(store) => &store.name,
            Target::Connection(name) => name,
        }
    }
}

/// The rule family that governs a flow, and with it the flow's shape: what the flow does
/// once its source connection is read into hub records.
///
/// A hub target implies its family (a `wfm` store: [`Family::Wfm`], a `wfo` store:
/// [`Family::Wfo`]); a connection target names it with the flow's `family` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Rules W: IEX WFM employee accounts in a hub store.
    Wfm,
    /// Rules H: WFO hybrid user accounts in a hub store.
    Wfo,
    /// Rules P: hub users mapped to a directory connection (links only).
    Presence,
    /// Rules D: selected hub records pushed to a writable connection.
    Dialer,
}

/// What a flow's family does with the hub records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// Keeps hub accounts in step with the records.
    Project,
    /// Links hub users to a target directory's users; writes nothing.
    Map,
    /// Creates and updates records at a target connection.
    Push,
}

impl Family {
    /// Every family, in the design's order.
    pub const ALL: [Family; 4] = [Family::Wfm, Family::Wfo, Family::Presence, Family::Dialer];

    /// The name used in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Wfm => "wfm",
            Family::Wfo => "wfo",
            Family::Presence => "presence",
            Family::Dialer => "dialer",
        }
    }

    /// The letter of the family's rules (W1…, H1…, P1…, D1…).
    pub fn rules(self) -> char {
        match self {
            Family::Wfm => 'W',
            Family::Wfo => 'H',
            Family::Presence => 'P',
            Family::Dialer => 'D',
        }
    }

    /// What flows of this family do.
    pub fn shape(self) -> Shape {
        match self {
            Family::Wfm | Family::Wfo => Shape::Project,
            Family::Presence => Shape::Map,
            Family::Dialer => Shape::Push,
        }
    }

    /// The family a hub store of `kind` implies.
    pub fn of_hub(kind: HubKind) -> Family {
        match kind {
            HubKind::Wfm => Family::Wfm,
            HubKind::Wfo => Family::Wfo,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Family {
    type Err = String;

    fn from_str(s: &str) -> Result<Family, String> {
        Family::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Family::ALL.iter().map(|f| f.as_str()).collect();
                format!("unknown family \"{s}\" (families: {})", names.join(", "))
            })
    }
}

impl Shape {
    /// The name status and reports use.
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Project => "project",
            Shape::Map => "map",
            Shape::Push => "push",
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A whole-number percentage, 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(u8);

impl Percent {
    /// `None` above 100.
    pub fn new(value: u8) -> Option<Percent> {
        (value <= 100).then_some(Percent(value))
    }

    /// The percentage, 0 to 100.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

/// The thresholds that stop a flow before it does damage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Safety {
    /// A run planning more deactivations than this stops for approval.
    pub max_deactivations: u32,
    /// … or more than this share of the target's active accounts.
    pub max_deactivation_percent: Percent,
    /// A full read returning at least this much fewer records than the last complete full
    /// read causes no deactivation by absence (until a next full read confirms the size).
    pub max_shrink_percent: Percent,
    /// Failing runs in a row before the flow is quarantined.
    pub quarantine_after: u32,
}

impl Default for Safety {
    fn default() -> Self {
        Safety {
            max_deactivations: 50,
            max_deactivation_percent: Percent(10),
            max_shrink_percent: Percent(20),
            quarantine_after: 5,
        }
    }
}

/// A one-way sync from a source connection to a target, from `[flows.<name>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowConfig {
    /// The flow's name, its key under `[flows]`.
    pub name: String,
    /// The name of a configured connection.
    pub source: String,
    /// Where the flow writes: a hub store or another connection.
    pub target: Target,
    /// The rule family that acts on the records (and with it the flow's shape).
    pub family: Family,
    /// Distinct, in the order written.
    pub kinds: Vec<Kind>,
    /// Time between scheduled runs (rule W2).
    pub interval: Duration,
    /// Whether `ccsync serve` runs the flow every `interval`. Every flow is scheduled but a
    /// push flow written without `interval`: it runs on demand only (`ccsync sync`), as the
    /// dialer's Synchronize button does: the operator pulls when the selection is ready.
    pub scheduled: bool,
    /// Time between full reconciliations.
    pub full_every: Duration,
    /// Whether on-demand runs (`ccsync sync`) are allowed.
    pub manual: bool,
    /// Fields a source user must have for a complete account (rule W6); distinct.
    pub required_fields: Vec<UserField>,
    /// The thresholds that stop the flow before it does damage.
    pub safety: Safety,
    /// What a push flow may do at its target (`actions`); empty for the other shapes, which
    /// write nothing to a connection.
    pub actions: Vec<WriteAction>,
}

/// A write a push flow may make at its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WriteAction {
    /// Create a record the target does not have.
    Create,
    /// Update a record the flow created (or an operator pinned).
    Update,
    /// Deactivate a record at the target.
    Deactivate,
    /// Delete a record at the target.
    Delete,
}

impl WriteAction {
    /// Every action, as written in the config.
    pub const ALL: [WriteAction; 4] = [
        WriteAction::Create,
        WriteAction::Update,
        WriteAction::Deactivate,
        WriteAction::Delete,
    ];

    /// The name used in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            WriteAction::Create => "create",
            WriteAction::Update => "update",
            WriteAction::Deactivate => "deactivate",
            WriteAction::Delete => "delete",
        }
    }
}

impl fmt::Display for WriteAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for WriteAction {
    type Err = String;

    fn from_str(s: &str) -> Result<WriteAction, String> {
        WriteAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                format!("unknown action \"{s}\" (actions: create, update, deactivate, delete)")
            })
    }
}

impl FlowConfig {
    /// The default `interval`: 15 minutes.
    pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15 * 60);
    /// The default `full_every`: 24 hours.
    pub const DEFAULT_FULL_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

    /// The default of `manual`: on-demand runs are refused for a WFM hub target (the IEX
    /// behaviour, rule W2) and allowed for every other target.
    pub fn default_manual(target: &Target) -> bool {
        !matches!(
            target,
            Target::Hub(HubStore {
                kind: HubKind::Wfm,
                ..
            })
        )
    }
}
