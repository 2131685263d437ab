//! The WIT glue: the exported `connector` interface over one [`Client`] per instance, with
//! the host's `http` and `log` imports as its [`Host`].
//!
//! Each component instance serves one connection, so the client lives in a static; the host
//! calls `configure` first and then the other functions one at a time.
//!
//! The exports are emitted for `wasm32` only (native builds type-check this glue but leave
//! the component symbols out; the native library exists for the unit tests).

use std::sync::{Mutex, PoisonError};

use crate::bindings::ccsync::connector::{http, log};
use crate::client::{Client, Host};
use crate::describe::{NEVER_DEACTIVATES, NO_SEARCH, description};
use crate::settings::Settings;
use crate::wit::exports::{Description, Guest};
use crate::wit::types::{Entity, Error, KeyValue, Kind, Page, User};

static CLIENT: Mutex<Option<Client>> = Mutex::new(None);

/// The host imports.
struct WitHost;

impl Host for WitHost {
    fn send(&mut self, request: &http::Request) -> Result<http::Response, http::HttpError> {
        http::send(request)
    }

    fn log(&mut self, level: log::Level, message: &str) {
        log::log(level, message);
    }
}

fn with_client<T>(
    call: impl FnOnce(&mut Client, &mut WitHost) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut guard = CLIENT.lock().unwrap_or_else(PoisonError::into_inner);
    let client = guard
        .as_mut()
        .ok_or_else(|| Error::InvalidConfig("configure was not called before this call".into()))?;
    call(client, &mut WitHost)
}

// Natively the component is never exported (see the `export!` below), yet its glue is still
// type-checked there.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Component;

impl Guest for Component {
    fn describe() -> Description {
        description()
    }

    fn configure(settings: Vec<KeyValue>) -> Result<(), Error> {
        let parsed = Settings::parse(
            settings
                .iter()
                .map(|kv| (kv.key.as_str(), kv.value.as_str())),
        )
        .map_err(|e| Error::InvalidConfig(e.to_string()))?;
        *CLIENT.lock().unwrap_or_else(PoisonError::into_inner) = Some(Client::new(parsed));
        Ok(())
    }

    fn check() -> Result<(), Error> {
        with_client(|client, host| client.check(host))
    }

    fn read(kind: Kind, cursor: Option<String>, since: Option<String>) -> Result<Page, Error> {
        with_client(|client, host| client.read(host, kind, cursor.as_deref(), since.as_deref()))
    }

    fn create(entity: Entity, external_id: String) -> Result<String, Error> {
        with_client(|client, host| client.create(host, &entity, &external_id))
    }

    fn find(kind: Kind, external_id: String) -> Result<Option<String>, Error> {
        with_client(|client, host| client.find(host, kind, &external_id))
    }

    fn get(kind: Kind, id: String) -> Result<Option<Entity>, Error> {
        with_client(|client, host| client.get(host, kind, &id))
    }

    fn update(id: String, entity: Entity) -> Result<(), Error> {
        with_client(|client, host| client.update(host, &id, &entity))
    }

    fn deactivate(_kind: Kind, _id: String) -> Result<(), Error> {
        Err(Error::Unsupported(NEVER_DEACTIVATES.into()))
    }

    fn search_users(_query: String) -> Result<Vec<User>, Error> {
        Err(Error::Unsupported(NO_SEARCH.into()))
    }

    fn find_by_email(_emails: Vec<String>) -> Result<Vec<User>, Error> {
        Err(Error::Unsupported(NO_SEARCH.into()))
    }
}

// Only for wasm32: natively, a cdylib exporting the component's symbol names (with `:` and `#`)
// fails to link, since the linker's version script cannot express them.
#[cfg(target_arch = "wasm32")]
crate::bindings::export!(Component with_types_in crate::bindings);
