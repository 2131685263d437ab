//! The connector as the host runs it: the bundled `cxone-acd` component, loaded with its
//! manifest by `ccsync-runtime`, connected (instantiated and configured) for the simulator and
//! read page by page through `Connector::read`.

use std::time::{Duration, Instant};

use ccsync_model::Kind;
use ccsync_plugin::{Manifest, OriginPattern};
use ccsync_runtime::{Connection, LoadedPlugin, Runtime};

use crate::{BenchError, Tally};

/// The keys of the connector's secret settings, redacted from its logs as the host does.
const SECRET_KEYS: [&str; 2] = ["client-secret", "access-key-secret"];

/// Loads the bundled `cxone-acd` component with its manifest, as the host loads a signed
/// plugin: compiled afresh, or taken from the runtime's cache when it has one.
pub async fn load(runtime: &Runtime) -> Result<LoadedPlugin, BenchError> {
    let bundled = ccsync_bundled::connector("cxone-acd").ok_or(BenchError::NotBundled)?;
    let manifest = Manifest::from_toml_str(bundled.manifest, "plugins/cxone-acd/plugin.toml")?;
    Ok(runtime
        .load(bundled.component, "cxone-acd", Some(&manifest))
        .await?)
}

/// The connection of the host's demo: these settings, with the secrets marked, allowed to
/// reach `origin` (the simulator's base URL) only.
pub fn connection(settings: Vec<(String, String)>, origin: &str) -> Result<Connection, BenchError> {
    let allowed = origin
        .parse::<OriginPattern>()
        .map_err(|source| BenchError::Origin {
            origin: origin.to_owned(),
            source,
        })?;
    Ok(Connection {
        settings,
        secret_keys: SECRET_KEYS.iter().map(|k| (*k).to_owned()).collect(),
        allowed_origins: vec![allowed],
    })
}

/// One read of every user: connect (instantiate + configure), then read pages until the last.
#[derive(Debug, Clone, Copy)]
pub struct WasmRead {
    pub tally: Tally,
    /// Instantiating and configuring the component.
    pub connect: Duration,
    /// Connecting and reading, together.
    pub total: Duration,
}

/// Connects `plugin` for `connection` and reads every page of users.
pub async fn read_all_users(
    plugin: &LoadedPlugin,
    connection: Connection,
) -> Result<WasmRead, BenchError> {
    let started = Instant::now();
    let mut connector = plugin.connect(connection).await?;
    let connect = started.elapsed();
    let mut tally = Tally::default();
    let mut cursor: Option<String> = None;
    loop {
        let page = connector.read(Kind::User, cursor.as_deref(), None).await?;
        tally.add(page.items.len(), page.invalid.len());
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(WasmRead {
        tally,
        connect,
        total: started.elapsed(),
    })
}
