//! A connector built against the previous contract, `ccsync:connector@0.1.0`
//! (`wit/v0.1.0/`), as a vendor's component released before 0.2.0 is: it reads one page of
//! two users. The host must load and run it unchanged.

use ccsync::connector::types::{Entity, Error, KeyValue, Kind, Page, User};
use exports::ccsync::connector::connector::{Description, Guest};

wit_bindgen::generate!({
    path: "../../../wit/v0.1.0",
    world: "plugin",
});

fn user(id: u32) -> Entity {
    Entity::User(User {
        id: id.to_string(),
        username: Some(format!("legacy{id}")),
        first_name: Some("Legacy".into()),
        last_name: Some(format!("User {id}")),
        email: Some(format!("legacy{id}@example.test")),
        active: true,
        team_id: None,
        security_profile_id: None,
        roles: vec![],
        permissions: vec![],
        primary_phone: None,
        phones: vec![],
        employee_id: Some(format!("L{id}")),
        site_id: None,
        extra: vec![],
    })
}

const READ_ONLY: &str = "legacy-connector reads users only";

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Component;

impl Guest for Component {
    fn describe() -> Description {
        Description {
            name: "legacy-connector".into(),
            version: "0.1.0".into(),
            reads: vec![Kind::User],
            writes: vec![],
            origins: vec![],
            capabilities: vec![],
        }
    }

    fn configure(_settings: Vec<KeyValue>) -> Result<(), Error> {
        Ok(())
    }

    fn check() -> Result<(), Error> {
        Ok(())
    }

    fn read(kind: Kind, _cursor: Option<String>, _since: Option<String>) -> Result<Page, Error> {
        if kind != Kind::User {
            return Err(Error::Unsupported(READ_ONLY.into()));
        }
        Ok(Page {
            items: vec![user(1), user(2)],
            invalid: vec![],
            next_cursor: None,
            watermark: None,
        })
    }

    fn create(_entity: Entity) -> Result<String, Error> {
        Err(Error::Unsupported(READ_ONLY.into()))
    }

    fn update(_id: String, _entity: Entity) -> Result<(), Error> {
        Err(Error::Unsupported(READ_ONLY.into()))
    }

    fn deactivate(_kind: Kind, _id: String) -> Result<(), Error> {
        Err(Error::Unsupported(READ_ONLY.into()))
    }

    fn search_users(_query: String) -> Result<Vec<User>, Error> {
        Err(Error::Unsupported(READ_ONLY.into()))
    }

    fn find_by_email(_emails: Vec<String>) -> Result<Vec<User>, Error> {
        Err(Error::Unsupported(READ_ONLY.into()))
    }
}

// Exported for wasm32 only: natively the crate builds as an empty library.
#[cfg(target_arch = "wasm32")]
export!(Component);
