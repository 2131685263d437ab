//! The {{name}} connector: reads the users of the {{name}} API into ccsync.
//!
//! The API it speaks (replace it with your platform's):
//!
//! - `GET {base-url}/users?page=N` with `Authorization: Bearer {token}` answers
//!   `{"users": [{"id", "login", "firstName", "lastName", "email", "active", "teamId"}…],
//!   "next": N+1 or null}`, pages counted from 1.
//!
//! This file is the WIT glue: the contract's exports (`wit/connector.wit`, world `plugin`)
//! over [`settings`], [`client`] and [`mapping`]. The bindings are generated here, once, by
//! wit-bindgen. For token grants, typed field access and a scripted test host, see
//! connector-kit in the ccsync repository (plugins/connector-kit): what ccsync's own
//! connectors share.

mod client;
mod mapping;
mod settings;

use std::sync::Mutex;

use crate::client::Client;
use crate::exports::ccsync::connector::connector::{Description, Guest};
use crate::settings::Settings;
use ccsync::connector::types::{Entity, Error, KeyValue, Kind, Page, User};

wit_bindgen::generate!({
    path: "wit",
    world: "plugin",
});

/// The connector's name and version: keep them equal to plugin.toml (`ccsync plugin test`
/// checks it, and the host refuses a plugin whose describe() disagrees with its manifest).
const NAME: &str = "{{name}}";
const VERSION: &str = "0.1.0";

/// Why every write answers `unsupported`.
const READ_ONLY: &str = "{{name}} is read-only: it writes nothing";

/// The client of this instance: one instance serves one connection, and the host calls
/// `configure` before anything but `describe`.
static CLIENT: Mutex<Option<Client>> = Mutex::new(None);

/// Runs `call` with the configured client; `invalid-config` before `configure`.
fn with_client<T>(call: impl FnOnce(&Client) -> Result<T, Error>) -> Result<T, Error> {
    let guard = CLIENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match guard.as_ref() {
        Some(client) => call(client),
        None => Err(Error::InvalidConfig(
            "configure was not called before this call".into(),
        )),
    }
}

// Natively (`cargo test`) the component is not exported, yet its glue is type-checked.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Component;

impl Guest for Component {
    fn describe() -> Description {
        Description {
            name: NAME.into(),
            version: VERSION.into(),
            reads: vec![Kind::User],
            writes: Vec::new(),
            // The origins it may call: your platform's, and loopback for a local mock. Keep
            // them equal to plugin.toml's.
            origins: vec![
                "https://api.example.com".into(),
                "http://127.0.0.1:*".into(),
                "http://localhost:*".into(),
            ],
            capabilities: Vec::new(),
        }
    }

    fn configure(settings: Vec<KeyValue>) -> Result<(), Error> {
        let pairs = settings.iter().map(|kv| (kv.key.as_str(), kv.value.as_str()));
        let settings = Settings::parse(pairs).map_err(Error::InvalidConfig)?;
        *CLIENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some(Client::new(settings));
        Ok(())
    }

    fn check() -> Result<(), Error> {
        with_client(|client| client.users_page(1).map(|_| ()))
    }

    fn read(kind: Kind, cursor: Option<String>, _since: Option<String>) -> Result<Page, Error> {
        // No `incremental` capability is declared, so the host never asks for `since`.
        if kind != Kind::User {
            return Err(Error::Unsupported(format!(
                "{NAME} reads users only, not {kind:?}"
            )));
        }
        let page = match cursor.as_deref() {
            None => 1,
            Some(cursor) => cursor.parse::<u32>().map_err(|_| {
                Error::Rejected(format!("cursor {cursor:?} is not a page number"))
            })?,
        };
        with_client(|client| {
            let body = client.users_page(page)?;
            mapping::page(&body).map_err(|e| {
                Error::Transient(format!(
                    "GET /users?page={page} answered a body that is not a page of users: {e}"
                ))
            })
        })
    }

    fn create(_entity: Entity, _external_id: String) -> Result<String, Error> {
        Err(Error::Unsupported(READ_ONLY.into()))
    }

    fn find(_kind: Kind, _external_id: String) -> Result<Option<String>, Error> {
        Err(Error::Unsupported(READ_ONLY.into()))
    }

    fn get(_kind: Kind, _id: String) -> Result<Option<Entity>, Error> {
        Err(Error::Unsupported(format!(
            "{NAME} does not read one record by id"
        )))
    }

    fn update(_id: String, _entity: Entity) -> Result<(), Error> {
        Err(Error::Unsupported(READ_ONLY.into()))
    }

    fn deactivate(_kind: Kind, _id: String) -> Result<(), Error> {
        Err(Error::Unsupported(READ_ONLY.into()))
    }

    fn search_users(_query: String) -> Result<Vec<User>, Error> {
        Err(Error::Unsupported(format!("{NAME} does not search users")))
    }

    fn find_by_email(_emails: Vec<String>) -> Result<Vec<User>, Error> {
        Err(Error::Unsupported(format!(
            "{NAME} does not find users by email"
        )))
    }
}

// Only for wasm32: natively, a cdylib exporting the component's symbol names fails to link.
#[cfg(target_arch = "wasm32")]
export!(Component);
