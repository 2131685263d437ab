//! The WIT glue: the exported `connector` interface over one client per instance, with the
//! host's `http` and `log` imports as its host (connector-kit's `ClientSlot` and `WitHost`).
//!
//! The exports are emitted for `wasm32` only (native builds type-check this glue but leave
//! the component symbols out; the native library exists for the unit tests).

use ccsync_admin_api::Client;
use connector_kit::{ClientSlot, key_values, unsupported};

use crate::client::{AccessKeyAuth, admin_api_client};
use crate::describe::{NO_SEARCH, READ_ONLY, description};
use crate::settings::Settings;
use crate::wit::exports::{Description, Guest};
use crate::wit::types::{Entity, Error, KeyValue, Kind, Page, User};

static CLIENT: ClientSlot<Client<AccessKeyAuth>> = ClientSlot::new();

// Natively the component is never exported (see the `export!` below), yet its glue is still
// type-checked there.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Component;

impl Guest for Component {
    fn describe() -> Description {
        description()
    }

    fn configure(settings: Vec<KeyValue>) -> Result<(), Error> {
        CLIENT.set(admin_api_client(Settings::parse(key_values(&settings))?));
        Ok(())
    }

    fn check() -> Result<(), Error> {
        CLIENT.with(|client, host| client.check(host))
    }

    fn read(kind: Kind, cursor: Option<String>, since: Option<String>) -> Result<Page, Error> {
        CLIENT.with(|client, host| client.read(host, kind, cursor.as_deref(), since.as_deref()))
    }

    fn create(_entity: Entity, _external_id: String) -> Result<String, Error> {
        unsupported(READ_ONLY)
    }

    fn update(_id: String, _entity: Entity) -> Result<(), Error> {
        unsupported(READ_ONLY)
    }

    fn deactivate(_kind: Kind, _id: String) -> Result<(), Error> {
        unsupported(READ_ONLY)
    }

    fn find(_kind: Kind, _external_id: String) -> Result<Option<String>, Error> {
        unsupported(READ_ONLY)
    }

    fn get(_kind: Kind, _id: String) -> Result<Option<Entity>, Error> {
        unsupported("no read by id: read the kind's pages")
    }

    fn search_users(_query: String) -> Result<Vec<User>, Error> {
        unsupported(NO_SEARCH)
    }

    fn find_by_email(_emails: Vec<String>) -> Result<Vec<User>, Error> {
        unsupported(NO_SEARCH)
    }
}

// Only for wasm32: natively, a cdylib exporting the component's symbol names (with `:` and `#`)
// fails to link, since the linker's version script cannot express them.
#[cfg(target_arch = "wasm32")]
crate::bindings::export!(Component with_types_in crate::bindings);
