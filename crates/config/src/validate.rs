//! From the file's shape to its meaning: units, defaults, references and topology.
//!
//! Each check reports into one [`Reporter`] and carries on, so a single `ccsync check` lists
//! every problem in the file. Cross-section rules live here too: a flow's source and target
//! must exist, one tenant may feed only one hub store of a kind (rule W3), and one tenant may be
//! configured only once.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ccsync_model::Kind;
use ccsync_plugin::OriginPattern;
use toml::Spanned;

use crate::error::{Location, Reporter, field_path};
use crate::raw::{Name, RawConfig, RawConnection, RawFlow, RawRuntime, RawSecretRef, RawSize};
use crate::secret::{ConfigPosition, SecretRef, SecretSource};
use crate::sections::{
    ConnectionConfig, Family, FlowConfig, HubKind, HubStore, Percent, PluginConfig, RuntimeLimits,
    Safety, Shape, Target, WriteAction,
};
use crate::units::{parse_duration, parse_size};
use crate::user_field::UserField;

/// A config whose every value has been checked.
pub(crate) struct Validated {
    pub data_dir: PathBuf,
    pub allow_unsigned: bool,
    pub runtime: RuntimeLimits,
    pub plugins: BTreeMap<String, PluginConfig>,
    pub stores: BTreeMap<String, HubStore>,
    pub connections: BTreeMap<String, ConnectionConfig>,
    pub flows: BTreeMap<String, FlowConfig>,
}

/// Resolves paths written in the config against its directory.
struct Context<'a> {
    file: &'a Path,
    text: &'a str,
    base_dir: &'a Path,
}

impl Context<'_> {
    fn resolve(&self, path: &str) -> PathBuf {
        // `components()` drops the `.` of `./data`, so paths print cleanly.
        self.base_dir.join(path).components().collect()
    }

    fn position(&self, span: Range<usize>) -> ConfigPosition {
        ConfigPosition {
            file: self.file.to_path_buf(),
            location: Location::of_offset(self.text, span.start),
        }
    }
}

const MIN_SCHEDULE: Duration = Duration::from_secs(1);
const MIN_TIMEOUT: Duration = Duration::from_millis(1);
const DEFAULT_DATA_DIR: &str = "data";

pub(crate) fn validate(
    raw: RawConfig,
    file: &Path,
    text: &str,
    base_dir: &Path,
    engine: &[Family],
) -> Result<Validated, crate::ConfigError> {
    let cx = Context {
        file,
        text,
        base_dir,
    };
    let mut r = Reporter::new(file, text);

    let data_dir = match &raw.data_dir {
        Some(dir) if dir.get_ref().trim().is_empty() => {
            r.at(dir.span(), "data_dir".into(), "must not be empty");
            cx.resolve(DEFAULT_DATA_DIR)
        }
        Some(dir) => cx.resolve(dir.get_ref()),
        None => cx.resolve(DEFAULT_DATA_DIR),
    };
    let runtime = runtime(&mut r, &raw.runtime);

    let mut plugins = BTreeMap::new();
    for (name, plugin) in &raw.plugins {
        check_name(&mut r, "plugins", name);
        let path = &plugin.path;
        if path.get_ref().trim().is_empty() {
            r.at(
                path.span(),
                field_path(["plugins", name.get_ref(), "path"]),
                "must not be empty",
            );
        }
        plugins.insert(
            name.get_ref().clone(),
            PluginConfig {
                name: name.get_ref().clone(),
                path: cx.resolve(path.get_ref()),
            },
        );
    }

    let stores = stores(&mut r, &raw);

    let mut connections = BTreeMap::new();
    for (name, raw_connection) in &raw.connections {
        let connection = connection(&mut r, &cx, name, raw_connection, &plugins, &stores);
        connections.insert(name.get_ref().clone(), connection);
    }
    check_tenants_unique(&mut r, &raw.connections);

    let mut flows = BTreeMap::new();
    for (name, raw_flow) in &raw.flows {
        if let Some(flow) = flow(&mut r, name, raw_flow, &connections, &stores, engine) {
            flows.insert(name.get_ref().clone(), flow);
        }
    }
    check_topology(&mut r, &raw.flows, &flows);

    r.finish(Validated {
        data_dir,
        allow_unsigned: raw.allow_unsigned,
        runtime,
        plugins,
        stores,
        connections,
        flows,
    })
}

/// Names of plugins, stores, connections and flows appear in keys, logs, the CLI and the
/// database; a dot or a space in one would make field paths and command lines ambiguous.
fn check_name(r: &mut Reporter<'_>, section: &str, name: &Name) {
    let text = name.get_ref();
    let valid = !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        r.at(
            name.span(),
            field_path([section, text.as_str()]),
            format!(
                "invalid name \"{}\": use 1 to 64 letters, digits, '-' or '_'",
                text.escape_default()
            ),
        );
    }
}

fn known(names: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let list: Vec<String> = names.into_iter().map(|n| n.as_ref().to_owned()).collect();
    if list.is_empty() {
        "none configured".to_owned()
    } else {
        format!("known: {}", list.join(", "))
    }
}

fn runtime(r: &mut Reporter<'_>, raw: &RawRuntime) -> RuntimeLimits {
    let defaults = RuntimeLimits::default();
    let size = |r: &mut Reporter<'_>, value: &Option<Spanned<RawSize>>, key: &str, default| {
        let Some(value) = value else { return default };
        let parsed = match value.get_ref() {
            RawSize::Bytes(n) if *n > 0 => Ok(n.unsigned_abs()),
            RawSize::Bytes(n) => Err(format!("size {n} must be greater than zero")),
            RawSize::Text(text) => parse_size(text),
        };
        parsed.unwrap_or_else(|message| {
            r.at(value.span(), field_path(["runtime", key]), message);
            default
        })
    };
    let memory_limit = size(r, &raw.memory_limit, "memory_limit", defaults.memory_limit);
    let max_response_size = size(
        r,
        &raw.max_response_size,
        "max_response_size",
        defaults.max_response_size,
    );
    let call_timeout = duration(
        r,
        &raw.call_timeout,
        field_path(["runtime", "call_timeout"]),
        defaults.call_timeout,
        MIN_TIMEOUT,
    );
    let wall_timeout = duration(
        r,
        &raw.wall_timeout,
        field_path(["runtime", "wall_timeout"]),
        defaults.wall_timeout,
        MIN_TIMEOUT,
    );
    let http_timeout = duration(
        r,
        &raw.http_timeout,
        field_path(["runtime", "http_timeout"]),
        defaults.http_timeout,
        MIN_TIMEOUT,
    );
    let max_requests_per_call = integer(
        r,
        &raw.max_requests_per_call,
        field_path(["runtime", "max_requests_per_call"]),
        1,
        defaults.max_requests_per_call,
    );
    let max_field_size = size(
        r,
        &raw.max_field_size,
        "max_field_size",
        defaults.max_field_size,
    );
    let max_record_size = size(
        r,
        &raw.max_record_size,
        "max_record_size",
        defaults.max_record_size,
    );
    let max_page_size = size(
        r,
        &raw.max_page_size,
        "max_page_size",
        defaults.max_page_size,
    );
    let max_log_message_size = size(
        r,
        &raw.max_log_message_size,
        "max_log_message_size",
        defaults.max_log_message_size,
    );
    let log_rate = integer(
        r,
        &raw.log_rate,
        field_path(["runtime", "log_rate"]),
        1,
        defaults.log_rate,
    );
    let log_burst = integer(
        r,
        &raw.log_burst,
        field_path(["runtime", "log_burst"]),
        1,
        defaults.log_burst,
    );
    RuntimeLimits {
        memory_limit,
        call_timeout,
        wall_timeout,
        http_timeout,
        max_response_size,
        max_requests_per_call,
        max_field_size,
        max_record_size,
        max_page_size,
        max_log_message_size,
        log_rate,
        log_burst,
    }
}

fn duration(
    r: &mut Reporter<'_>,
    value: &Option<Spanned<String>>,
    field: String,
    default: Duration,
    min: Duration,
) -> Duration {
    let Some(value) = value else { return default };
    parse_duration(value.get_ref(), min).unwrap_or_else(|message| {
        r.at(value.span(), field, message);
        default
    })
}

/// The built-in stores `wfm` and `wfo`, plus any declared. Redeclaring a built-in store with its
/// own kind is allowed (it documents the file); with another kind it is an error.
fn stores(r: &mut Reporter<'_>, raw: &RawConfig) -> BTreeMap<String, HubStore> {
    let mut stores: BTreeMap<String, HubStore> = HubKind::ALL
        .into_iter()
        .map(|kind| {
            let name = kind.as_str().to_owned();
            (name.clone(), HubStore { name, kind })
        })
        .collect();
    for (name, store) in &raw.stores {
        check_name(r, "stores", name);
        let field = field_path(["stores", name.get_ref(), "kind"]);
        let Some(kind) = HubKind::ALL
            .into_iter()
            .find(|k| k.as_str() == store.kind.get_ref())
        else {
            r.at(
                store.kind.span(),
                field,
                format!(
                    "unknown hub store kind \"{}\" (expected wfm or wfo)",
                    store.kind.get_ref()
                ),
            );
            continue;
        };
        if let Some(builtin) = stores.get(name.get_ref())
            && builtin.kind != kind
        {
            r.at(
                store.kind.span(),
                field,
                format!(
                    "\"{}\" is the built-in {} store; choose another name",
                    name.get_ref(),
                    builtin.kind.label()
                ),
            );
            continue;
        }
        stores.insert(
            name.get_ref().clone(),
            HubStore {
                name: name.get_ref().clone(),
                kind,
            },
        );
    }
    stores
}

fn connection(
    r: &mut Reporter<'_>,
    cx: &Context<'_>,
    name: &Name,
    raw: &RawConnection,
    plugins: &BTreeMap<String, PluginConfig>,
    stores: &BTreeMap<String, HubStore>,
) -> ConnectionConfig {
    let n = name.get_ref().as_str();
    check_name(r, "connections", name);
    if stores.contains_key(n) {
        r.at(
            name.span(),
            field_path(["connections", n]),
            format!("\"{n}\" is also a hub store name; a flow target \"{n}\" would be ambiguous"),
        );
    }
    if !plugins.contains_key(raw.plugin.get_ref()) {
        r.at(
            raw.plugin.span(),
            field_path(["connections", n, "plugin"]),
            format!(
                "unknown plugin \"{}\" ({})",
                raw.plugin.get_ref(),
                known(plugins.keys())
            ),
        );
    }

    let tenant = raw.tenant.get_ref();
    if tenant.is_empty() || tenant.trim() != tenant || tenant.chars().any(char::is_control) {
        r.at(
            raw.tenant.span(),
            field_path(["connections", n, "tenant"]),
            "must be non-empty, without leading or trailing spaces or control characters",
        );
    }

    let mut allowed_origins: Vec<OriginPattern> = Vec::new();
    for (i, text) in raw.allowed_origins.iter().enumerate() {
        let field = format!("{}[{i}]", field_path(["connections", n, "allowed_origins"]));
        // Checked before parsing so the message cannot echo a password written in the URL.
        if text.get_ref().contains('@') {
            r.at(
                text.span(),
                field,
                "invalid origin: must not contain credentials (user:password@)",
            );
            continue;
        }
        match text.get_ref().parse::<OriginPattern>() {
            Ok(origin) if allowed_origins.contains(&origin) => {
                r.at(
                    text.span(),
                    field,
                    format!("origin {origin} is listed twice"),
                );
            }
            Ok(origin) => allowed_origins.push(origin),
            Err(e) => r.at(text.span(), field, e.to_string()),
        }
    }

    let mut secrets = Vec::new();
    for (key, value) in &raw.secrets {
        let field = field_path(["connections", n, "secrets", key.get_ref()]);
        if raw.settings.contains_key(key.get_ref().as_str()) {
            r.at(
                key.span(),
                field.clone(),
                format!(
                    "\"{}\" is both a setting and a secret; the plugin would see two values",
                    key.get_ref()
                ),
            );
        }
        let source = match value.get_ref() {
            RawSecretRef::Env(var) => {
                if var.is_empty() || var.contains(['=', '\0']) {
                    r.at(
                        value.span(),
                        field.clone(),
                        format!(
                            "invalid environment variable name \"{}\"",
                            var.escape_default()
                        ),
                    );
                }
                SecretSource::Env(var.clone())
            }
            RawSecretRef::File(path) => {
                if path.trim().is_empty() {
                    r.at(
                        value.span(),
                        field.clone(),
                        "secret file path must not be empty",
                    );
                }
                SecretSource::File(cx.resolve(path))
            }
        };
        secrets.push(SecretRef {
            key: key.get_ref().clone(),
            source,
            origin: cx.position(value.span()),
        });
    }

    ConnectionConfig {
        name: n.to_owned(),
        plugin: raw.plugin.get_ref().clone(),
        tenant: tenant.clone(),
        allowed_origins,
        settings: raw
            .settings
            .iter()
            .map(|(k, v)| (k.get_ref().clone(), v.clone()))
            .collect(),
        secrets,
    }
}

/// A tenant label names one record namespace: hub records are keyed by (tenant, kind, id).
/// Two connections with one label, even of different plugins, would merge their records, and
/// a full read of one would deactivate the other's; so each connection needs its own.
fn check_tenants_unique(r: &mut Reporter<'_>, connections: &BTreeMap<Name, RawConnection>) {
    let mut in_file_order: Vec<(&Name, &RawConnection)> = connections.iter().collect();
    in_file_order.sort_by_key(|(name, _)| name.span().start);
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for (name, connection) in in_file_order {
        let tenant = connection.tenant.get_ref().as_str();
        if let Some(&first) = seen.get(tenant) {
            r.at(
                connection.tenant.span(),
                field_path(["connections", name.get_ref(), "tenant"]),
                format!(
                    "connections \"{first}\" and \"{}\" both use tenant \"{tenant}\"; a tenant \
                     label names one record namespace, so their records would merge: give each \
                     connection its own",
                    name.get_ref(),
                ),
            );
        } else {
            seen.insert(tenant, name.get_ref());
        }
    }
}

fn flow(
    r: &mut Reporter<'_>,
    name: &Name,
    raw: &RawFlow,
    connections: &BTreeMap<String, ConnectionConfig>,
    stores: &BTreeMap<String, HubStore>,
    engine: &[Family],
) -> Option<FlowConfig> {
    let n = name.get_ref().as_str();
    check_name(r, "flows", name);
    let field = |key: &str| field_path(["flows", n, key]);

    let source = raw.source.get_ref();
    let source_ok = connections.contains_key(source);
    if !source_ok {
        let message = if stores.contains_key(source) {
            format!(
                "\"{source}\" is a hub store; a flow's source must be a connection ({})",
                known(connections.keys())
            )
        } else {
            format!(
                "unknown connection \"{source}\" ({})",
                known(connections.keys())
            )
        };
        r.at(raw.source.span(), field("source"), message);
    }

    let target_name = raw.target.get_ref();
    let target = if let Some(store) = stores.get(target_name) {
        Some(Target::Hub(store.clone()))
    } else if connections.contains_key(target_name) {
        if target_name == source {
            r.at(
                raw.target.span(),
                field("target"),
                format!("a flow cannot write back to its own source \"{source}\" (rule W1)"),
            );
        }
        Some(Target::Connection(target_name.clone()))
    } else {
        r.at(
            raw.target.span(),
            field("target"),
            format!(
                "unknown target \"{target_name}\" (hub stores: {}; connections: {})",
                stores.keys().cloned().collect::<Vec<_>>().join(", "),
                if connections.is_empty() {
                    "none configured".to_owned()
                } else {
                    connections.keys().cloned().collect::<Vec<_>>().join(", ")
                }
            ),
        );
        None
    };

    let kinds = distinct(r, raw.kinds.get_ref(), &field("kinds"), |s| {
        s.parse::<Kind>().map_err(|e| e.to_string())
    });
    if raw.kinds.get_ref().is_empty() {
        r.at(
            raw.kinds.span(),
            field("kinds"),
            "must list at least one kind",
        );
    }

    let interval = duration(
        r,
        &raw.interval,
        field("interval"),
        FlowConfig::DEFAULT_INTERVAL,
        MIN_SCHEDULE,
    );
    let full_every = duration(
        r,
        &raw.full_every,
        field("full_every"),
        FlowConfig::DEFAULT_FULL_EVERY,
        MIN_SCHEDULE,
    );

    let required_fields = match &raw.required_fields {
        Some(list) => distinct(r, list, &field("required_fields"), |s| {
            s.parse::<UserField>().map_err(|e| e.to_string())
        }),
        None => UserField::DEFAULT_REQUIRED.to_vec(),
    };

    let defaults = Safety::default();
    let safety = Safety {
        max_deactivations: integer(
            r,
            &raw.max_deactivations,
            field("max_deactivations"),
            0,
            defaults.max_deactivations,
        ),
        max_deactivation_percent: percent(
            r,
            &raw.max_deactivation_percent,
            field("max_deactivation_percent"),
            defaults.max_deactivation_percent,
        ),
        max_shrink_percent: percent(
            r,
            &raw.max_shrink_percent,
            field("max_shrink_percent"),
            defaults.max_shrink_percent,
        ),
        quarantine_after: integer(
            r,
            &raw.quarantine_after,
            field("quarantine_after"),
            1,
            defaults.quarantine_after,
        ),
    };

    let target = target?;
    let family = family(r, n, raw, &target, engine)?;
    let actions = actions(r, n, raw, family);
    if family == Family::Wfo {
        let missing: Vec<&str> = [Kind::Team, Kind::SecurityProfile, Kind::User]
            .into_iter()
            .filter(|k| !kinds.contains(k))
            .map(Kind::as_str)
            .collect();
        if !missing.is_empty() {
            r.at(
                raw.kinds.span(),
                field("kinds"),
                format!(
                    "a WFO flow reads team, security-profile and user (rules H: a user's team \
                     decides its phones and billing, its security profile whether it is a WFO \
                     user): add {}",
                    missing.join(", ")
                ),
            );
        }
    }
    let scheduled = raw.interval.is_some() || family.shape() != Shape::Push;
    let manual = raw
        .manual
        .as_ref()
        .map_or_else(|| FlowConfig::default_manual(&target), |m| *m.get_ref());
    if !scheduled && !manual {
        let at = raw.manual.as_ref().map_or(0..0, |m| m.span());
        r.at(
            at,
            field("manual"),
            "a push flow without `interval` runs on demand only, so `manual = false` would \
             never let it run: give it an `interval`, or allow on-demand runs",
        );
    }
    source_ok.then(|| FlowConfig {
        name: n.to_owned(),
        source: source.clone(),
        manual,
        target,
        family,
        kinds,
        interval,
        scheduled,
        full_every,
        required_fields,
        safety,
        actions,
    })
}

/// What a push flow may do at its target: `create` and `update` by default, or the subset
/// `actions` lists. A push never deactivates or deletes (rule D4), and the other shapes write
/// nothing to a connection, so those are refused here, not ignored.
fn actions(r: &mut Reporter<'_>, flow: &str, raw: &RawFlow, family: Family) -> Vec<WriteAction> {
    let field = field_path(["flows", flow, "actions"]);
    let Some(written) = &raw.actions else {
        return match family.shape() {
            Shape::Push => vec![WriteAction::Create, WriteAction::Update],
            Shape::Project | Shape::Map => Vec::new(),
        };
    };
    if family.shape() != Shape::Push {
        r.at(
            written.span(),
            field,
            format!(
                "flow \"{flow}\" is a {} flow: only a push flow writes to its target",
                family.shape()
            ),
        );
        return Vec::new();
    }
    let rule = format!(
        "a {family} flow never deactivates or deletes at its target (rule {}4): allowed are \
         create and update",
        family.rules()
    );
    let actions = distinct(r, written.get_ref(), &field, |s| {
        match s.parse::<WriteAction>()? {
            WriteAction::Deactivate | WriteAction::Delete => Err(rule.clone()),
            action => Ok(action),
        }
    });
    if written.get_ref().is_empty() {
        r.at(written.span(), field, "must list at least one action");
    }
    actions
}

/// The flow's rule family: implied by a hub target (an explicit `family` must agree), named by
/// `family` for a connection target. A family this build's engine cannot run is refused here,
/// so such a flow never runs as a silent no-op.
fn family(
    r: &mut Reporter<'_>,
    flow: &str,
    raw: &RawFlow,
    target: &Target,
    engine: &[Family],
) -> Option<Family> {
    let field = field_path(["flows", flow, "family"]);
    let written = match &raw.family {
        Some(value) => match value.get_ref().parse::<Family>() {
            Ok(family) => Some((family, value.span())),
            Err(message) => {
                r.at(value.span(), field, message);
                return None;
            }
        },
        None => None,
    };
    let (family, span, field) = match (target, written) {
        (Target::Hub(store), written) => {
            let implied = Family::of_hub(store.kind);
            match written {
                Some((family, span)) if family != implied => {
                    r.at(
                        span,
                        field,
                        format!(
                            "the {} store \"{}\" is kept by family \"{implied}\", not \"{family}\"",
                            store.kind.label(),
                            store.name
                        ),
                    );
                    return None;
                }
                Some((_, span)) => (implied, span, field),
                None => (
                    implied,
                    raw.target.span(),
                    field_path(["flows", flow, "target"]),
                ),
            }
        }
        (Target::Connection(name), Some((family, span))) => {
            if family.shape() == Shape::Project {
                r.at(
                    span,
                    field,
                    format!(
                        "family \"{family}\" keeps hub accounts; its target must be a hub store, \
                         not connection \"{name}\""
                    ),
                );
                return None;
            }
            (family, span, field)
        }
        (Target::Connection(name), None) => {
            r.at(
                raw.target.span(),
                field_path(["flows", flow, "target"]),
                format!(
                    "the target is connection \"{name}\": say what the flow does with it, \
                     family = \"presence\" (map users to its directory) or \"dialer\" (push \
                     records to it)"
                ),
            );
            return None;
        }
    };
    if !engine.contains(&family) {
        let built: Vec<&str> = engine.iter().map(|f| f.as_str()).collect();
        r.at(
            span,
            field,
            format!(
                "flow \"{flow}\" is of family \"{family}\" (rules {}), which this ccsync \
                 cannot run yet (families it runs: {}); the flow is refused rather than run \
                 as a no-op",
                family.rules(),
                built.join(", ")
            ),
        );
        return None;
    }
    Some(family)
}

/// Parses each list item, reporting unparseable and repeated ones at the item.
fn distinct<T: PartialEq + std::fmt::Display>(
    r: &mut Reporter<'_>,
    items: &[Spanned<String>],
    field: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item_field = format!("{field}[{i}]");
        match parse(item.get_ref()) {
            Ok(value) if out.contains(&value) => {
                r.at(
                    item.span(),
                    item_field,
                    format!("\"{value}\" is listed twice"),
                );
            }
            Ok(value) => out.push(value),
            Err(message) => r.at(item.span(), item_field, message),
        }
    }
    out
}

fn integer(
    r: &mut Reporter<'_>,
    value: &Option<Spanned<i64>>,
    field: String,
    min: u32,
    default: u32,
) -> u32 {
    let Some(value) = value else { return default };
    match u32::try_from(*value.get_ref()) {
        Ok(n) if n >= min => n,
        _ => {
            r.at(
                value.span(),
                field,
                format!(
                    "{} is out of range ({min} to {})",
                    value.get_ref(),
                    u32::MAX
                ),
            );
            default
        }
    }
}

fn percent(
    r: &mut Reporter<'_>,
    value: &Option<Spanned<i64>>,
    field: String,
    default: Percent,
) -> Percent {
    let Some(value) = value else { return default };
    match u8::try_from(*value.get_ref()).ok().and_then(Percent::new) {
        Some(p) => p,
        None => {
            r.at(
                value.span(),
                field,
                format!("{} is not a percentage (0 to 100)", value.get_ref()),
            );
            default
        }
    }
}

/// Rule W3 and overlapping flows, judged across all flows in file order so the later flow is
/// the one reported.
fn check_topology(
    r: &mut Reporter<'_>,
    raw: &BTreeMap<Name, RawFlow>,
    flows: &BTreeMap<String, FlowConfig>,
) {
    let mut in_file_order: Vec<(&Name, &RawFlow, &FlowConfig)> = raw
        .iter()
        .filter_map(|(name, raw)| Some((name, raw, flows.get(name.get_ref())?)))
        .collect();
    in_file_order.sort_by_key(|(name, _, _)| name.span().start);

    // (source connection, hub kind) -> (store, flow) that claimed it first.
    let mut hub_feeds: HashMap<(&str, HubKind), (&str, &str)> = HashMap::new();
    // (source, target, kind) -> flow that syncs it first.
    let mut coverage: HashMap<(&str, &str, Kind), &str> = HashMap::new();

    for (name, raw_flow, flow) in in_file_order {
        let n = name.get_ref().as_str();
        if let Target::Hub(store) = &flow.target {
            let key = (flow.source.as_str(), store.kind);
            match hub_feeds.get(&key) {
                Some(&(first_store, first_flow)) if first_store != store.name => {
                    r.at(
                        raw_flow.target.span(),
                        field_path(["flows", n, "target"]),
                        format!(
                            "flows \"{first_flow}\" and \"{n}\" feed connection \"{}\" into two {} \
                             stores (\"{first_store}\" and \"{}\"); one tenant may feed only one \
                             {} store (rule W3)",
                            flow.source,
                            store.kind.label(),
                            store.name,
                            store.kind.label()
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    hub_feeds.insert(key, (store.name.as_str(), n));
                }
            }
        }
        for kind in &flow.kinds {
            let key = (flow.source.as_str(), flow.target.name(), *kind);
            if let Some(first) = coverage.get(&key) {
                let kinds = raw_flow.kinds.get_ref();
                let (span, item_field) =
                    match kinds.iter().position(|k| k.get_ref() == kind.as_str()) {
                        Some(i) => (
                            kinds[i].span(),
                            format!("{}[{i}]", field_path(["flows", n, "kinds"])),
                        ),
                        None => (raw_flow.kinds.span(), field_path(["flows", n, "kinds"])),
                    };
                r.at(
                    span,
                    item_field,
                    format!(
                        "flow \"{first}\" already syncs {kind} from \"{}\" to \"{}\"",
                        flow.source,
                        flow.target.name()
                    ),
                );
            } else {
                coverage.insert(key, n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Config, Family, HubKind, Target};

    /// Two plugins, three connections: the common head of the test configs.
    const HEAD: &str = r#"[plugins.cxone-acd]
path = "cxone-acd.wasm"
[plugins.ringcentral]
path = "rc.wasm"
[connections.acd-east]
plugin = "cxone-acd"
tenant = "east"
[connections.acd-west]
plugin = "cxone-acd"
tenant = "west"
[connections.rc]
plugin = "ringcentral"
tenant = "main"
"#;

    fn problems(text: &str) -> Vec<String> {
        match Config::from_str(text, "ccsync.toml", &Family::ALL) {
            Ok(_) => Vec::new(),
            Err(e) => e.problems().iter().map(ToString::to_string).collect(),
        }
    }

    /// `line:column` of the only occurrence of `needle` in `text`, so expectations name the
    /// position without counting by hand.
    fn pos(text: &str, needle: &str) -> String {
        assert_eq!(text.matches(needle).count(), 1, "{needle:?} must be unique");
        position(text, text.find(needle).unwrap())
    }

    /// `line:column` of the last occurrence of `needle`.
    fn last_pos(text: &str, needle: &str) -> String {
        position(text, text.rfind(needle).unwrap())
    }

    fn position(text: &str, offset: usize) -> String {
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        format!("{line}:{column}")
    }

    fn with_head(rest: &str) -> String {
        format!("{HEAD}{rest}")
    }

    #[test]
    fn unknown_source_connection_names_file_line_field_and_known_connections() {
        let text = r#"[plugins.cxone-acd]
path = "cxone-acd.wasm"

[connections.acd-east]
plugin = "cxone-acd"
tenant = "east"
[connections.acd-west]
plugin = "cxone-acd"
tenant = "west"

[flows.wfm-east]
source = "acd-wst"
target = "wfm"
kinds = ["user"]
"#;
        assert_eq!(
            problems(text),
            [
                "ccsync.toml:12:10: flows.wfm-east.source: unknown connection \"acd-wst\" (known: acd-east, acd-west)"
            ]
        );
    }

    #[test]
    fn hub_store_as_flow_source_is_refused() {
        let text = with_head(
            "[flows.f]\nsource = \"wfm\"\ntarget = \"rc\"\nfamily = \"presence\"\nkinds = [\"user\"]\n",
        );
        assert_eq!(
            problems(&text),
            [format!(
                "ccsync.toml:{}: flows.f.source: \"wfm\" is a hub store; a flow's source must be a connection (known: acd-east, acd-west, rc)",
                pos(&text, "\"wfm\"")
            )]
        );
    }

    #[test]
    fn unknown_target_lists_hub_stores_and_connections() {
        let text =
            with_head("[flows.f]\nsource = \"acd-east\"\ntarget = \"wfn\"\nkinds = [\"user\"]\n");
        assert_eq!(
            problems(&text),
            [format!(
                "ccsync.toml:{}: flows.f.target: unknown target \"wfn\" (hub stores: wfm, wfo; connections: acd-east, acd-west, rc)",
                pos(&text, "\"wfn\"")
            )]
        );
    }

    #[test]
    fn flow_targeting_its_own_source_is_refused_by_rule_w1() {
        let text = with_head(
            "[flows.f]\nsource = \"rc\"\ntarget = \"rc\"\nfamily = \"presence\"\nkinds = [\"user\"]\n",
        );
        let problems = problems(&text);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains(
                "flows.f.target: a flow cannot write back to its own source \"rc\" (rule W1)"
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn connection_with_unknown_plugin_names_known_plugins() {
        let text = with_head("[connections.x]\nplugin = \"cxone\"\ntenant = \"t\"\n");
        assert_eq!(
            problems(&text),
            [format!(
                "ccsync.toml:{}: connections.x.plugin: unknown plugin \"cxone\" (known: cxone-acd, ringcentral)",
                pos(&text, "\"cxone\"")
            )]
        );
    }

    #[test]
    fn unknown_and_repeated_kinds_are_reported_at_the_list_item() {
        let text = with_head(
            "[flows.f]\nsource = \"acd-east\"\ntarget = \"wfm\"\nkinds = [\"team\", \"users\", \"team\"]\n",
        );
        let kinds_at = pos(&text, "\"team\", \"users\"");
        let (line, _) = kinds_at.split_once(':').unwrap();
        assert_eq!(
            problems(&text),
            [
                format!(
                    "ccsync.toml:{line}:18: flows.f.kinds[1]: unknown kind `users` (expected one of: user, team, security-profile, campaign, disposition, agent-status)"
                ),
                format!("ccsync.toml:{line}:27: flows.f.kinds[2]: \"team\" is listed twice"),
            ]
        );
    }

    #[test]
    fn empty_kinds_is_refused() {
        let text = with_head("[flows.f]\nsource = \"acd-east\"\ntarget = \"wfm\"\nkinds = []\n");
        assert_eq!(
            problems(&text),
            [format!(
                "ccsync.toml:{}: flows.f.kinds: must list at least one kind",
                pos(&text, "[]")
            )]
        );
    }

    #[test]
    fn sandbox_limits_out_of_range_are_each_reported() {
        let text = with_head(
            "[runtime]\nwall_timeout = \"soon\"\nmax_requests_per_call = 0\n\
             max_field_size = \"1MB\"\nmax_record_size = 0\nmax_page_size = -1\n\
             max_log_message_size = \"x\"\nlog_rate = 0\nlog_burst = -5\n",
        );
        let fields: Vec<String> = problems(&text)
            .iter()
            .map(|p| p.split(": ").nth(1).unwrap().to_owned())
            .collect();
        assert_eq!(
            fields,
            [
                "runtime.wall_timeout",
                "runtime.max_requests_per_call",
                "runtime.max_field_size",
                "runtime.max_record_size",
                "runtime.max_page_size",
                "runtime.max_log_message_size",
                "runtime.log_rate",
                "runtime.log_burst",
            ]
        );
    }

    #[test]
    fn unparseable_durations_and_sizes_are_all_reported_in_file_order() {
        let text = with_head(
            "[runtime]\nmemory_limit = \"256MB\"\ncall_timeout = \"soon\"\nmax_response_size = 0\n\
             [flows.f]\nsource = \"acd-east\"\ntarget = \"wfm\"\nkinds = [\"user\"]\n\
             interval = \"0s\"\nfull_every = \"1d\"\n",
        );
        let problems = problems(&text);
        let fields: Vec<&str> = problems
            .iter()
            .map(|p| p.split(": ").nth(1).unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "runtime.memory_limit",
                "runtime.call_timeout",
                "runtime.max_response_size",
                "flows.f.interval",
                "flows.f.full_every"
            ]
        );
        assert!(problems[0].starts_with(&format!("ccsync.toml:{}:", pos(&text, "\"256MB\""))));
        assert!(
            problems[0].contains("unknown unit \"MB\""),
            "{}",
            problems[0]
        );
        assert!(
            problems[1].contains("invalid duration \"soon\""),
            "{}",
            problems[1]
        );
        assert!(
            problems[2].contains("must be greater than zero"),
            "{}",
            problems[2]
        );
        assert!(
            problems[3].contains("too short (minimum 1s)"),
            "{}",
            problems[3]
        );
        assert!(
            problems[4].contains("days and longer are not accepted"),
            "{}",
            problems[4]
        );
    }

    #[test]
    fn percentages_and_counts_out_of_range_are_refused() {
        let text = with_head(
            "[flows.f]\nsource = \"acd-east\"\ntarget = \"wfm\"\nkinds = [\"user\"]\n\
             max_deactivations = -1\nmax_deactivation_percent = 101\nmax_shrink_percent = -5\n\
             quarantine_after = 0\n",
        );
        assert_eq!(
            problems(&text),
            [
                format!(
                    "ccsync.toml:{}: flows.f.max_deactivations: -1 is out of range (0 to 4294967295)",
                    pos(&text, "-1")
                ),
                format!(
                    "ccsync.toml:{}: flows.f.max_deactivation_percent: 101 is not a percentage (0 to 100)",
                    pos(&text, "101")
                ),
                format!(
                    "ccsync.toml:{}: flows.f.max_shrink_percent: -5 is not a percentage (0 to 100)",
                    pos(&text, "-5")
                ),
                format!(
                    "ccsync.toml:{}: flows.f.quarantine_after: 0 is out of range (1 to 4294967295)",
                    pos(&text, "0\n")
                ),
            ]
        );
    }

    #[test]
    fn w3_one_tenant_feeding_two_wfm_stores_is_an_error_naming_both_flows() {
        let text = with_head(
            "[stores.wfm2]\nkind = \"wfm\"\n\
             [flows.east-a]\nsource = \"acd-east\"\ntarget = \"wfm\"\nkinds = [\"user\"]\n\
             [flows.east-b]\nsource = \"acd-east\"\ntarget = \"wfm2\"\nkinds = [\"user\"]\n",
        );
        assert_eq!(
            problems(&text),
            [format!(
                "ccsync.toml:{}: flows.east-b.target: flows \"east-a\" and \"east-b\" feed connection \"acd-east\" into two WFM stores (\"wfm\" and \"wfm2\"); one tenant may feed only one WFM store (rule W3)",
                pos(&text, "\"wfm2\"\nkinds")
            )]
        );
    }

    #[test]
    fn w3_several_tenants_may_feed_one_store_and_one_tenant_may_feed_each_kind() {
        let text = with_head(
            "[flows.east]\nsource = \"acd-east\"\ntarget = \"wfm\"\nkinds = [\"user\"]\n\
             [flows.west]\nsource = \"acd-west\"\ntarget = \"wfm\"\nkinds = [\"user\"]\n\
             [flows.east-wfo]\nsource = \"acd-east\"\ntarget = \"wfo\"\nkinds = [\"team\", \"security-profile\", \"user\"]\n\
             [flows.east-teams]\nsource = \"acd-east\"\ntarget = \"wfm\"\nkinds = [\"team\"]\n",
        );
        let config = Config::from_str(&text, "ccsync.toml", &Family::ALL).unwrap();
        assert_eq!(config.flows().len(), 4);
        let east_wfo = config.flow("east-wfo").unwrap();
        assert!(matches!(&east_wfo.target, Target::Hub(s) if s.kind == HubKind::Wfo));
    }

    #[test]
    fn same_plugin_and_tenant_in_two_connections_is_refused() {
        let text =
            with_head("[connections.acd-east2]\nplugin = \"cxone-acd\"\ntenant = \"east\"\n");
        assert_eq!(
            problems(&text),
            [format!(
                "ccsync.toml:{}: connections.acd-east2.tenant: connections \"acd-east\" and \"acd-east2\" both use tenant \"east\"; a tenant label names one record namespace, so their records would merge: give each connection its own",
                last_pos(&text, "\"east\"")
            )]
        );
    }

    #[test]
    fn two_connections_of_different_plugins_never_share_a_tenant_namespace() {
        let text =
            with_head("[connections.rc-east]\nplugin = \"ringcentral\"\ntenant = \"east\"\n");
        assert_eq!(
            problems(&text),
            [format!(
                "ccsync.toml:{}: connections.rc-east.tenant: connections \"acd-east\" and \"rc-east\" both use tenant \"east\"; a tenant label names one record namespace, so their records would merge: give each connection its own",
                last_pos(&text, "\"east\"")
            )]
        );
    }

    #[test]
    fn family_is_implied_by_a_hub_target_and_named_for_a_connection_target() {
        let text = with_head(
            "[flows.w]\nsource = \"acd-east\"\ntarget = \"wfm\"\nkinds = [\"user\"]\n\
             [flows.h]\nsource = \"acd-west\"\ntarget = \"wfo\"\nfamily = \"wfo\"\nkinds = [\"team\", \"security-profile\", \"user\"]\n\
             [flows.d]\nsource = \"acd-east\"\ntarget = \"rc\"\nfamily = \"dialer\"\nkinds = [\"user\"]\n",
        );
        let config = Config::from_str(&text, "ccsync.toml", &Family::ALL).unwrap();
        let family = |f: &str| config.flow(f).unwrap().family;
        assert_eq!(
            [family("w"), family("h"), family("d")],
            [Family::Wfm, Family::Wfo, Family::Dialer]
        );
        assert_eq!(Family::Dialer.shape(), crate::Shape::Push);
    }

    #[test]
    fn a_wfo_flow_that_reads_no_teams_or_profiles_is_refused_naming_what_to_add() {
        let text =
            with_head("[flows.h]\nsource = \"acd-west\"\ntarget = \"wfo\"\nkinds = [\"user\"]\n");
        let message = Config::from_str(&text, "ccsync.toml", &Family::ALL)
            .unwrap_err()
            .to_string();
        assert!(message.contains("flows.h.kinds"), "{message}");
        assert!(message.contains("add team, security-profile"), "{message}");
    }

    #[test]
    fn a_push_flow_runs_on_demand_unless_given_an_interval() {
        let text = with_head(
            "[flows.d]\nsource = \"acd-east\"\ntarget = \"rc\"\nfamily = \"dialer\"\nkinds = [\"user\"]\n\
             [flows.e]\nsource = \"acd-east\"\ntarget = \"rc\"\nfamily = \"dialer\"\nkinds = [\"campaign\"]\n\
             interval = \"1h\"\n\
             [flows.w]\nsource = \"acd-west\"\ntarget = \"wfm\"\nkinds = [\"user\"]\n",
        );
        let config = Config::from_str(&text, "ccsync.toml", &Family::ALL).unwrap();
        let scheduled = |f: &str| config.flow(f).unwrap().scheduled;
        assert_eq!(
            [scheduled("d"), scheduled("e"), scheduled("w")],
            [false, true, true]
        );
    }

    #[test]
    fn a_push_flow_on_demand_only_that_refuses_on_demand_runs_is_refused() {
        let text = with_head(
            "[flows.d]\nsource = \"acd-east\"\ntarget = \"rc\"\nfamily = \"dialer\"\nkinds = [\"user\"]\n\
             manual = false\n",
        );
        let message = Config::from_str(&text, "ccsync.toml", &Family::ALL)
            .unwrap_err()
            .to_string();
        assert!(message.contains("flows.d.manual"), "{message}");
        assert!(message.contains("never let it run"), "{message}");
    }

    #[test]
    fn a_connection_target_without_a_family_is_refused() {
        let text =
            with_head("[flows.f]\nsource = \"acd-east\"\ntarget = \"rc\"\nkinds = [\"user\"]\n");
        assert_eq!(
            problems(&text),
            [format!(
                "ccsync.toml:{}: flows.f.target: the target is connection \"rc\": say what the flow does with it, family = \"presence\" (map users to its directory) or \"dialer\" (push records to it)",
                pos(&text, "\"rc\"")
            )]
        );
    }

    #[test]
    fn a_family_that_disagrees_with_its_hub_store_is_refused() {
        let text = with_head(
            "[flows.f]\nsource = \"acd-east\"\ntarget = \"wfm\"\nfamily = \"wfo\"\nkinds = [\"user\"]\n\
             [flows.g]\nsource = \"acd-west\"\ntarget = \"rc\"\nfamily = \"wfm\"\nkinds = [\"user\"]\n",
        );
        assert_eq!(
            problems(&text),
            [
                format!(
                    "ccsync.toml:{}: flows.f.family: the WFM store \"wfm\" is kept by family \"wfm\", not \"wfo\"",
                    pos(&text, "\"wfo\"")
                ),
                format!(
                    "ccsync.toml:{}: flows.g.family: family \"wfm\" keeps hub accounts; its target must be a hub store, not connection \"rc\"",
                    last_pos(&text, "\"wfm\"")
                ),
            ]
        );
    }

    #[test]
    fn a_push_flow_may_create_and_update_but_never_deactivate_or_delete_rule_d4() {
        let text = with_head(
            "[flows.d]\nsource = \"acd-east\"\ntarget = \"rc\"\nfamily = \"dialer\"\nkinds = [\"user\"]\n\
             actions = [\"create\", \"delete\"]\n\
             [flows.w]\nsource = \"acd-west\"\ntarget = \"wfm\"\nkinds = [\"user\"]\nactions = [\"create\"]\n",
        );
        assert_eq!(
            problems(&text),
            [
                format!(
                    "ccsync.toml:{}: flows.d.actions[1]: a dialer flow never deactivates or deletes at its target (rule D4): allowed are create and update",
                    pos(&text, "\"delete\"")
                ),
                format!(
                    "ccsync.toml:{}: flows.w.actions: flow \"w\" is a project flow: only a push flow writes to its target",
                    pos(&text, "[\"create\"]")
                ),
            ]
        );
        let ok = with_head(
            "[flows.d]\nsource = \"acd-east\"\ntarget = \"rc\"\nfamily = \"dialer\"\nkinds = [\"user\"]\n",
        );
        let config = Config::from_str(&ok, "ccsync.toml", &Family::ALL).unwrap();
        assert_eq!(
            config.flow("d").unwrap().actions,
            [crate::WriteAction::Create, crate::WriteAction::Update]
        );
    }

    #[test]
    fn a_flow_of_a_family_the_engine_cannot_run_is_refused_at_load_naming_the_flow() {
        let text = with_head(
            "[flows.wfo-east]\nsource = \"acd-east\"\ntarget = \"wfo\"\nkinds = [\"team\", \"security-profile\", \"user\"]\n",
        );
        let problems: Vec<String> = match Config::from_str(&text, "ccsync.toml", &[Family::Wfm]) {
            Ok(_) => Vec::new(),
            Err(e) => e.problems().iter().map(ToString::to_string).collect(),
        };
        assert_eq!(
            problems,
            [format!(
                "ccsync.toml:{}: flows.wfo-east.target: flow \"wfo-east\" is of family \"wfo\" (rules H), which this ccsync cannot run yet (families it runs: wfm); the flow is refused rather than run as a no-op",
                pos(&text, "\"wfo\"")
            )]
        );
    }

    #[test]
    fn two_flows_syncing_the_same_kind_between_the_same_ends_are_refused() {
        let text = with_head(
            "[flows.a]\nsource = \"acd-east\"\ntarget = \"rc\"\nfamily = \"presence\"\nkinds = [\"user\"]\n\
             [flows.b]\nsource = \"acd-east\"\ntarget = \"rc\"\nfamily = \"presence\"\nkinds = [\"team\", \"user\"]\n",
        );
        assert_eq!(
            problems(&text),
            [format!(
                "ccsync.toml:{}: flows.b.kinds[1]: flow \"a\" already syncs user from \"acd-east\" to \"rc\"",
                last_pos(&text, "\"user\"")
            )]
        );
    }

    #[test]
    fn names_outside_letters_digits_dash_underscore_are_refused() {
        let text = with_head(
            "[flows.\"wfm east\"]\nsource = \"acd-east\"\ntarget = \"wfm\"\nkinds = [\"user\"]\n",
        );
        assert_eq!(
            problems(&text),
            [format!(
                "ccsync.toml:{}: flows.\"wfm east\": invalid name \"wfm east\": use 1 to 64 letters, digits, '-' or '_'",
                pos(&text, "\"wfm east\"")
            )]
        );
    }

    #[test]
    fn connection_named_like_a_hub_store_is_refused() {
        let text = with_head("[connections.wfo]\nplugin = \"ringcentral\"\ntenant = \"x\"\n");
        assert_eq!(
            problems(&text),
            [format!(
                "ccsync.toml:{}: connections.wfo: \"wfo\" is also a hub store name; a flow target \"wfo\" would be ambiguous",
                pos(&text, "wfo]")
            )]
        );
    }

    #[test]
    fn store_kinds_are_checked_and_built_in_stores_keep_their_kind() {
        let text = with_head(
            "[stores.wfm]\nkind = \"wfm\"\n[stores.wfo]\nkind = \"wfm\"\n[stores.qm]\nkind = \"qm\"\n",
        );
        assert_eq!(
            problems(&text),
            [
                format!(
                    "ccsync.toml:{}: stores.wfo.kind: \"wfo\" is the built-in WFO store; choose another name",
                    pos(&text, "\"wfm\"\n[stores.qm]")
                ),
                format!(
                    "ccsync.toml:{}: stores.qm.kind: unknown hub store kind \"qm\" (expected wfm or wfo)",
                    pos(&text, "\"qm\"")
                ),
            ]
        );
    }

    #[test]
    fn origins_are_parsed_as_patterns_and_bad_ones_reported_at_the_list_item() {
        let text = with_head(
            "[connections.x]\nplugin = \"ringcentral\"\ntenant = \"x\"\n\
             allowed_origins = [\"https://OK.example:443\", \"https://*.rc.example\", \"https://ok.example\", \
             \"http://h/api\", \"https://u:hunter2@h\"]\n",
        );
        let problems = problems(&text);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(
            problems[0],
            format!(
                "ccsync.toml:{}: connections.x.allowed_origins[2]: origin https://ok.example is listed twice",
                pos(&text, "\"https://ok.example\"")
            )
        );
        assert!(
            problems[1].starts_with(&format!(
                "ccsync.toml:{}: connections.x.allowed_origins[3]: invalid origin `http://h/api`",
                pos(&text, "\"http://h/api\"")
            )),
            "{problems:?}"
        );
        assert_eq!(
            problems[2],
            format!(
                "ccsync.toml:{}: connections.x.allowed_origins[4]: invalid origin: must not contain credentials (user:password@)",
                pos(&text, "\"https://u:")
            )
        );

        let valid = with_head(
            "[connections.x]\nplugin = \"ringcentral\"\ntenant = \"x\"\n\
             allowed_origins = [\"https://OK.example:443\", \"https://*.rc.example\"]\n",
        );
        let config = Config::from_str(&valid, "ccsync.toml", &Family::ALL).unwrap();
        let origins: Vec<String> = config
            .connection("x")
            .unwrap()
            .allowed_origins
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(origins, ["https://ok.example", "https://*.rc.example"]);
    }

    #[test]
    fn key_both_setting_and_secret_is_refused() {
        let text = with_head(
            "[connections.x]\nplugin = \"ringcentral\"\ntenant = \"x\"\n\
             [connections.x.settings]\ntoken = \"a\"\n[connections.x.secrets]\ntoken = { env = \"T\" }\n",
        );
        assert_eq!(
            problems(&text),
            [format!(
                "ccsync.toml:{}: connections.x.secrets.token: \"token\" is both a setting and a secret; the plugin would see two values",
                last_pos(&text, "token")
            )]
        );
    }

    #[test]
    fn unknown_required_field_is_refused() {
        let text = with_head(
            "[flows.f]\nsource = \"acd-east\"\ntarget = \"wfm\"\nkinds = [\"user\"]\n\
             required_fields = [\"email\", \"firstname\"]\n",
        );
        let problems = problems(&text);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with(&format!(
                "ccsync.toml:{}: flows.f.required_fields[1]: unknown user field \"firstname\"",
                pos(&text, "\"firstname\"")
            )),
            "{problems:?}"
        );
    }

    #[test]
    fn bad_secret_references_are_refused() {
        let text = with_head(
            "[connections.x]\nplugin = \"ringcentral\"\ntenant = \"x\"\n\
             [connections.x.secrets]\na = { env = \"\" }\nb = { file = \" \" }\n",
        );
        assert_eq!(
            problems(&text),
            [
                format!(
                    "ccsync.toml:{}: connections.x.secrets.a: invalid environment variable name \"\"",
                    pos(&text, "{ env")
                ),
                format!(
                    "ccsync.toml:{}: connections.x.secrets.b: secret file path must not be empty",
                    pos(&text, "{ file")
                ),
            ]
        );
    }

    #[test]
    fn tenant_must_be_non_empty_and_trimmed() {
        let text = with_head("[connections.x]\nplugin = \"ringcentral\"\ntenant = \" x\"\n");
        assert_eq!(
            problems(&text),
            [format!(
                "ccsync.toml:{}: connections.x.tenant: must be non-empty, without leading or trailing spaces or control characters",
                pos(&text, "\" x\"")
            )]
        );
    }

    #[test]
    fn empty_data_dir_and_plugin_path_are_refused() {
        let text = "data_dir = \"\"\n[plugins.p]\npath = \" \"\n";
        assert_eq!(
            problems(text),
            [
                "ccsync.toml:1:12: data_dir: must not be empty",
                "ccsync.toml:3:8: plugins.p.path: must not be empty",
            ]
        );
    }
}
