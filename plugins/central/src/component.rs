//! The WIT glue: the exported `connector` interface over one client per instance, with the
//! host's `http` and `log` imports as its host (connector-kit's `ClientSlot` and `WitHost`).
//!
//! Only `describe`, `configure`, `check` and `read` do anything; every other call is
//! unsupported for the one reason in [`READ_ONLY`].
//!
//! The exports are emitted for `wasm32` only (native builds type-check this glue but leave
//! the component symbols out; the native library exists for the unit tests).

use ccsync_admin_api::Client;
use connector_kit::{ClientSlot, key_values, unsupported};

use crate::describe::{READ_ONLY, description};
use crate::session::PasswordAuth;
use crate::settings::Settings;
use crate::wit::exports::{Description, Guest};
use crate::wit::types::{Entity, Error, KeyValue, Kind, Page, User};

static CLIENT: ClientSlot<Client<PasswordAuth>> = ClientSlot::new();

// Natively the component is never exported (see the `export!` below), yet its glue is still
// type-checked there.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Component;

impl Guest for Component {
    fn describe() -> Description {
        description()
    }

    fn configure(settings: Vec<KeyValue>) -> Result<(), Error> {
        let parsed = Settings::parse(key_values(&settings))?;
        let page_size = parsed.page_size;
        CLIENT.set(Client::new(PasswordAuth::new(parsed), page_size));
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
        unsupported(READ_ONLY)
    }

    fn search_users(_query: String) -> Result<Vec<User>, Error> {
        unsupported(READ_ONLY)
    }

    fn find_by_email(_emails: Vec<String>) -> Result<Vec<User>, Error> {
        unsupported(READ_ONLY)
    }
}

// Only for wasm32: natively, a cdylib exporting the component's symbol names (with `:` and `#`)
// fails to link, since the linker's version script cannot express them.
#[cfg(target_arch = "wasm32")]
crate::bindings::export!(Component with_types_in crate::bindings);
