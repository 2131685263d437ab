//! What the WebAssembly plugin boundary costs: the `cxone-acd` connector reading every user of a
//! simulated CXone tenant as a component under `ccsync-runtime` (as the host runs it), and the
//! same connector compiled natively, talking HTTP through a native [`cxone_acd::Host`].
//!
//! The benchmark itself (`benches/boundary.rs`) times these reads and prints figures; this
//! library holds the three ways of reading, so that they do the same work and are tested:
//! [`wasm`] (component), [`native`] (native client, real HTTP) and [`replay`] (native client
//! over recorded responses, no HTTP: the connector's own parsing and mapping).

pub mod native;
pub mod replay;
pub mod stats;
pub mod wasm;

use ccsync_sim::AcdSim;
use cxone_acd::wit::types::{Kind, Page};
use cxone_acd::{Client, Host, Settings, SettingsError};

/// Why a benchmark read failed.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("the cxone-acd connector is not bundled in ccsync-bundled")]
    NotBundled,
    #[error("the bundled cxone-acd manifest is invalid: {0}")]
    Manifest(#[from] ccsync_plugin::ManifestError),
    #[error("the simulator's origin {origin} is not a valid origin pattern: {source}")]
    Origin {
        origin: String,
        #[source]
        source: ccsync_plugin::BadOrigin,
    },
    #[error(transparent)]
    Load(#[from] ccsync_runtime::LoadError),
    #[error(transparent)]
    Call(#[from] ccsync_runtime::CallError),
    #[error("the native connector's settings are invalid: {0}")]
    Settings(#[from] SettingsError),
    /// The native connector returned one of the contract's errors.
    #[error("native cxone-acd: read of users, page {page}: {error}")]
    Native { page: usize, error: String },
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
    #[error("the native read's thread failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// What one read of every user returned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Users mapped.
    pub users: usize,
    /// Agents the connector reported invalid.
    pub invalid: usize,
    /// Pages read.
    pub pages: usize,
}

impl Tally {
    fn add(&mut self, items: usize, invalid: usize) {
        self.users += items;
        self.invalid += invalid;
        self.pages += 1;
    }

    /// Every agent the read saw, mapped or not.
    pub fn records(&self) -> usize {
        self.users + self.invalid
    }
}

/// The connector settings for `sim`, as the host's demo configures them (the API found by
/// discovery), with `page_size` as `page-size` when given (else the connector's default).
pub fn connector_settings(sim: &AcdSim, page_size: Option<u32>) -> Vec<(String, String)> {
    let credentials = sim.credentials();
    let mut settings = vec![
        ("auth-url".to_owned(), sim.base_url()),
        ("tenant-id".to_owned(), sim.tenant_id().to_owned()),
        ("client-id".to_owned(), credentials.client_id),
        ("client-secret".to_owned(), credentials.client_secret),
        ("access-key-id".to_owned(), credentials.access_key_id),
        (
            "access-key-secret".to_owned(),
            credentials.access_key_secret,
        ),
    ];
    if let Some(size) = page_size {
        settings.push(("page-size".to_owned(), size.to_string()));
    }
    settings
}

/// The settings the native connector parses, exactly as its `configure` does.
pub fn native_settings(settings: &[(String, String)]) -> Result<Settings, SettingsError> {
    Settings::parse(settings.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// Reads every page of users with a native client over `host`, as the host drives a connector:
/// until a page has no next cursor.
pub fn read_all_users(client: &mut Client, host: &mut impl Host) -> Result<Tally, BenchError> {
    let mut tally = Tally::default();
    let mut cursor: Option<String> = None;
    loop {
        let page: Page = client
            .read(host, Kind::User, cursor.as_deref(), None)
            .map_err(|error| BenchError::Native {
                page: tally.pages,
                error: format!("{error:?}"),
            })?;
        tally.add(page.items.len(), page.invalid.len());
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(tally),
        }
    }
}
