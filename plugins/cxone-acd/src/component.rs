//! The WIT glue: the exported `connector` interface over one client per instance, with the
//! host's `http` and `log` imports as its host (the library's `ClientSlot` and `WitHost`).
//!
//! The exports are emitted for `wasm32` only (native builds type-check this glue but leave
//! the component symbols out; the native library exists for the unit tests).

use ccsync_admin_api::ClientSlot;

use crate::client::{AccessKeyAuth, admin_api_client};
use crate::describe::{NO_SEARCH, READ_ONLY, description};
use crate::settings::Settings;
use crate::wit::exports::{Description, Guest};
use crate::wit::types::{Entity, Error, KeyValue, Kind, Page, User};

static CLIENT: ClientSlot<AccessKeyAuth> = ClientSlot::new();

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
        CLIENT.set(admin_api_client(parsed));
        Ok(())
    }

    fn check() -> Result<(), Error> {
        CLIENT.with(|client, host| client.check(host))
    }

    fn read(kind: Kind, cursor: Option<String>, since: Option<String>) -> Result<Page, Error> {
        CLIENT.with(|client, host| client.read(host, kind, cursor.as_deref(), since.as_deref()))
    }

    fn create(_entity: Entity, _external_id: String) -> Result<String, Error> {
        Err(Error::Unsupported(READ_ONLY.into()))
    }

    fn update(_id: String, _entity: Entity) -> Result<(), Error> {
        Err(Error::Unsupported(READ_ONLY.into()))
    }

    fn deactivate(_kind: Kind, _id: String) -> Result<(), Error> {
        Err(Error::Unsupported(READ_ONLY.into()))
    }

    fn find(_kind: Kind, _external_id: String) -> Result<Option<String>, Error> {
        Err(Error::Unsupported(READ_ONLY.into()))
    }

    fn get(_kind: Kind, _id: String) -> Result<Option<Entity>, Error> {
        Err(Error::Unsupported(
            "no read by id: read the kind's pages".into(),
        ))
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
