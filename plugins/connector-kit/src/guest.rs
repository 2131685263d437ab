//! A connector as a Rust type: [`Connector`] is the contract's `connector` interface with the
//! host passed in and every optional call answered `unsupported` by default, and
//! [`export_connector!`](crate::export_connector) makes a component of it.
//!
//! The component model calls the exports as free functions on one instance, which serves one
//! connection: `configure` first, then the other calls one at a time. So the configured
//! connector lives in a static slot of the instance, and each export runs on it with the
//! component's host ([`WitHost`]). Natively the same connector runs over any [`Host`] (a
//! scripted one, a recorded fixture, live HTTP), which is how it is unit-tested.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::{Mutex, PoisonError};

use crate::host::{Host, WitHost};
use crate::settings::SettingsError;
use crate::wit::exports::{Description, Guest};
use crate::wit::types::{Entity, Error, KeyValue, Kind, Page, User};

/// What a connector declares about itself, as constants: its `describe()` and, kept equal by
/// [`assert_manifest_declares`](crate::testing::assert_manifest_declares), its `plugin.toml`.
#[derive(Debug, Clone, Copy)]
pub struct About {
    /// The connector's name (`cxone-acd`).
    pub name: &'static str,
    /// Its version: `env!("CARGO_PKG_VERSION")`.
    pub version: &'static str,
    /// The kinds it reads.
    pub reads: &'static [Kind],
    /// The kinds it writes (none for a source).
    pub writes: &'static [Kind],
    /// The origins it may call (`https://*.example.com`, `http://127.0.0.1:*`).
    pub origins: &'static [&'static str],
    /// Its optional abilities (`incremental`, `search-users`, `find-by-email`).
    pub capabilities: &'static [&'static str],
}

impl About {
    /// The contract's description.
    pub fn description(&self) -> Description {
        let strings = |all: &[&str]| all.iter().map(|s| s.to_string()).collect();
        Description {
            name: self.name.into(),
            version: self.version.into(),
            reads: self.reads.to_vec(),
            writes: self.writes.to_vec(),
            origins: strings(self.origins),
            capabilities: strings(self.capabilities),
        }
    }
}

/// One connection to a platform: the contract's `connector` interface, each call with the host
/// it reaches the network through.
///
/// A connector implements `configure`, `check` and `read`; the writes, lookups and searches
/// default to `unsupported` with the reasons in [`NO_WRITES`](Self::NO_WRITES),
/// [`NO_GET`](Self::NO_GET) and [`NO_SEARCH`](Self::NO_SEARCH), which a connector overrides to
/// say why in its own words.
pub trait Connector: Sized + Send + 'static {
    /// What the connector declares: `describe()` returns it.
    const ABOUT: About;
    /// Why `create`, `update`, `deactivate` and `find` are unsupported.
    const NO_WRITES: &'static str = "this connector is a source: it writes nothing";
    /// Why `get` is unsupported.
    const NO_GET: &'static str = "this connector reads no record by id: read the kind's pages";
    /// Why `search-users` and `find-by-email` are unsupported.
    const NO_SEARCH: &'static str = "this connector does not search users";

    /// The connection for these settings; `invalid-config` naming the key when they cannot be
    /// used (see [`RawSettings`](crate::RawSettings)). Must not call the network.
    fn configure(settings: &[KeyValue]) -> Result<Self, Error>;

    /// Checks that the platform is reachable and the credentials work.
    fn check<H: Host>(&mut self, host: &mut H) -> Result<(), Error>;

    /// Reads one page of `kind` (see the WIT's `read`).
    fn read<H: Host>(
        &mut self,
        host: &mut H,
        kind: Kind,
        cursor: Option<&str>,
        since: Option<&str>,
    ) -> Result<Page, Error>;

    /// Creates a record stored with `external_id`; the platform's id of it.
    fn create<H: Host>(
        &mut self,
        _host: &mut H,
        _entity: &Entity,
        _external_id: &str,
    ) -> Result<String, Error> {
        unsupported(Self::NO_WRITES)
    }

    /// The id of the record of `kind` created with `external_id`.
    fn find<H: Host>(
        &mut self,
        _host: &mut H,
        _kind: Kind,
        _external_id: &str,
    ) -> Result<Option<String>, Error> {
        unsupported(Self::NO_WRITES)
    }

    /// One record of `kind` by its platform id.
    fn get<H: Host>(
        &mut self,
        _host: &mut H,
        _kind: Kind,
        _id: &str,
    ) -> Result<Option<Entity>, Error> {
        unsupported(Self::NO_GET)
    }

    /// Updates the record `id` to match `entity`.
    fn update<H: Host>(&mut self, _host: &mut H, _id: &str, _entity: &Entity) -> Result<(), Error> {
        unsupported(Self::NO_WRITES)
    }

    /// Deactivates (never deletes) the record `id`.
    fn deactivate<H: Host>(&mut self, _host: &mut H, _kind: Kind, _id: &str) -> Result<(), Error> {
        unsupported(Self::NO_WRITES)
    }

    /// Users whose name matches `query`.
    fn search_users<H: Host>(&mut self, _host: &mut H, _query: &str) -> Result<Vec<User>, Error> {
        unsupported(Self::NO_SEARCH)
    }

    /// Users with one of these emails.
    fn find_by_email<H: Host>(
        &mut self,
        _host: &mut H,
        _emails: &[String],
    ) -> Result<Vec<User>, Error> {
        unsupported(Self::NO_SEARCH)
    }
}

/// The answer of a call the connector does not serve, saying why.
pub fn unsupported<T>(why: &str) -> Result<T, Error> {
    Err(Error::Unsupported(why.into()))
}

/// The `configure` pairs as `(key, value)`, as the connectors' settings parsers read them.
pub fn key_values(settings: &[KeyValue]) -> impl Iterator<Item = (&str, &str)> {
    settings
        .iter()
        .map(|kv| (kv.key.as_str(), kv.value.as_str()))
}

/// Settings a connector cannot use are the connection's configuration to fix.
impl From<SettingsError> for Error {
    fn from(error: SettingsError) -> Self {
        Error::InvalidConfig(error.to_string())
    }
}

/// The configured connector of this instance. A component holds one connector type, so the
/// slot holds it as `Any` and [`Exported`] downcasts to its own type.
static CONNECTION: Mutex<Option<Box<dyn Any + Send>>> = Mutex::new(None);

/// The component's exports for connector `C` (what [`export_connector!`](crate::export_connector)
/// exports).
#[derive(Debug)]
pub struct Exported<C>(PhantomData<C>);

impl<C: Connector> Exported<C> {
    /// Runs `call` with the configured connector and the component's host; `invalid-config`
    /// when `configure` was not called first.
    fn with<T>(call: impl FnOnce(&mut C, &mut WitHost) -> Result<T, Error>) -> Result<T, Error> {
        let mut slot = CONNECTION.lock().unwrap_or_else(PoisonError::into_inner);
        let connector = slot
            .as_mut()
            .and_then(|c| c.downcast_mut::<C>())
            .ok_or_else(|| {
                Error::InvalidConfig("configure was not called before this call".into())
            })?;
        call(connector, &mut WitHost)
    }
}

impl<C: Connector> Guest for Exported<C> {
    fn describe() -> Description {
        C::ABOUT.description()
    }

    fn configure(settings: Vec<KeyValue>) -> Result<(), Error> {
        let connector = C::configure(&settings)?;
        *CONNECTION.lock().unwrap_or_else(PoisonError::into_inner) = Some(Box::new(connector));
        Ok(())
    }

    fn check() -> Result<(), Error> {
        Self::with(|c, host| c.check(host))
    }

    fn read(kind: Kind, cursor: Option<String>, since: Option<String>) -> Result<Page, Error> {
        Self::with(|c, host| c.read(host, kind, cursor.as_deref(), since.as_deref()))
    }

    fn create(entity: Entity, external_id: String) -> Result<String, Error> {
        Self::with(|c, host| c.create(host, &entity, &external_id))
    }

    fn find(kind: Kind, external_id: String) -> Result<Option<String>, Error> {
        Self::with(|c, host| c.find(host, kind, &external_id))
    }

    fn get(kind: Kind, id: String) -> Result<Option<Entity>, Error> {
        Self::with(|c, host| c.get(host, kind, &id))
    }

    fn update(id: String, entity: Entity) -> Result<(), Error> {
        Self::with(|c, host| c.update(host, &id, &entity))
    }

    fn deactivate(kind: Kind, id: String) -> Result<(), Error> {
        Self::with(|c, host| c.deactivate(host, kind, &id))
    }

    fn search_users(query: String) -> Result<Vec<User>, Error> {
        Self::with(|c, host| c.search_users(host, &query))
    }

    fn find_by_email(emails: Vec<String>) -> Result<Vec<User>, Error> {
        Self::with(|c, host| c.find_by_email(host, &emails))
    }
}

/// Makes a component of a [`Connector`]: exports the contract's `connector` interface over it.
///
/// ```ignore
/// connector_kit::export_connector!(my_connector::Client);
/// ```
///
/// The exports are emitted for `wasm32` only: natively a `cdylib` exporting the component's
/// symbol names (with `:` and `#`) fails to link, and the native library exists for tests.
#[macro_export]
macro_rules! export_connector {
    ($connector:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            type ExportedConnector = $crate::Exported<$connector>;
            $crate::bindings::__export_plugin_world!(ExportedConnector with_types_in $crate::bindings);
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ScriptedHost;

    /// A connector that serves only the required calls, counting its checks.
    struct Counting(u32);

    impl Connector for Counting {
        const ABOUT: About = About {
            name: "counting",
            version: "1.2.3",
            reads: &[Kind::Team],
            writes: &[],
            origins: &["http://127.0.0.1:*"],
            capabilities: &["incremental"],
        };
        const NO_SEARCH: &'static str = "counting searches nothing";

        fn configure(settings: &[KeyValue]) -> Result<Self, Error> {
            match key_values(settings).next() {
                Some(("start", n)) => Ok(Self(n.parse().map_err(|_| SettingsError::Invalid {
                    key: "start",
                    reason: "not a number".into(),
                })?)),
                _ => Err(SettingsError::Missing("start").into()),
            }
        }

        fn check<H: Host>(&mut self, _host: &mut H) -> Result<(), Error> {
            self.0 += 1;
            Ok(())
        }

        fn read<H: Host>(
            &mut self,
            _host: &mut H,
            _kind: Kind,
            _cursor: Option<&str>,
            _since: Option<&str>,
        ) -> Result<Page, Error> {
            Ok(Page {
                items: Vec::new(),
                invalid: Vec::new(),
                next_cursor: None,
                watermark: Some(self.0.to_string()),
            })
        }
    }

    fn start(n: &str) -> Vec<KeyValue> {
        vec![KeyValue {
            key: "start".into(),
            value: n.into(),
        }]
    }

    #[test]
    fn the_exports_describe_configure_and_then_reach_the_configured_connector() {
        type E = Exported<Counting>;
        let described = E::describe();
        assert_eq!(described.name, "counting");
        assert_eq!(described.origins, ["http://127.0.0.1:*"]);
        assert_eq!(described.capabilities, ["incremental"]);
        // The slot is the process's, shared by the tests of this module: one test owns it.
        assert_eq!(
            E::configure(Vec::new()),
            Err(Error::InvalidConfig(
                "setting `start` is required but missing".into()
            ))
        );
        *CONNECTION.lock().unwrap() = None;
        assert_eq!(
            E::check(),
            Err(Error::InvalidConfig(
                "configure was not called before this call".into()
            ))
        );
        E::configure(start("7")).unwrap();
        E::check().unwrap();
        let page = E::read(Kind::Team, None, None).unwrap();
        assert_eq!(page.watermark.as_deref(), Some("8"));
        assert_eq!(
            E::search_users("x".into()),
            Err(Error::Unsupported("counting searches nothing".into()))
        );
        assert_eq!(
            E::deactivate(Kind::Team, "1".into()),
            Err(Error::Unsupported(Counting::NO_WRITES.into()))
        );
    }

    #[test]
    fn a_connector_runs_natively_over_any_host() {
        let mut c = Counting::configure(&start("1")).unwrap();
        let mut host = ScriptedHost::default();
        c.check(&mut host).unwrap();
        assert_eq!(
            c.get(&mut host, Kind::Team, "1"),
            Err(Error::Unsupported(Counting::NO_GET.into()))
        );
        assert_eq!(c.0, 2);
    }

    #[test]
    fn settings_errors_are_invalid_config_naming_the_key() {
        assert_eq!(
            Error::from(SettingsError::Missing("base-url")),
            Error::InvalidConfig("setting `base-url` is required but missing".into())
        );
    }
}
