//! A connector for the host's own tests.
//!
//! Built without features it is well-behaved: it reads two pages of users, fetches `/ping`
//! from the configured `base-url` through the host's HTTP import, logs, and prints to stdout.
//! Each feature turns `read` into one misbehaviour the host must contain: `spin` loops
//! forever, `hog` allocates without bound, `intruder` calls an origin it did not declare, and
//! `panic` panics. Every other export behaves, so a test can tell the misbehaviour apart from
//! a broken component.

use std::sync::Mutex;

use ccsync::connector::http::{self, Request};
use ccsync::connector::log::{self, Level};
use ccsync::connector::types::{Entity, Error, KeyValue, Kind, Page, User};
use exports::ccsync::connector::connector::{Description, Guest};

wit_bindgen::generate!({
    path: "../../../wit",
    world: "plugin",
});

static SETTINGS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

fn setting(key: &str) -> Option<String> {
    let settings = SETTINGS.lock().unwrap_or_else(|e| e.into_inner());
    settings
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

fn behaviour() -> &'static str {
    if cfg!(feature = "spin") {
        "spin"
    } else if cfg!(feature = "hog") {
        "hog"
    } else if cfg!(feature = "intruder") {
        "intruder"
    } else if cfg!(feature = "panic") {
        "panic"
    } else {
        "well-behaved"
    }
}

fn user(id: u32, extra: Vec<KeyValue>) -> Entity {
    Entity::User(User {
        id: id.to_string(),
        username: Some(format!("user{id}")),
        first_name: Some("Test".into()),
        last_name: Some(format!("User {id}")),
        email: Some(format!("user{id}@example.test")),
        active: true,
        team_id: Some("T1".into()),
        security_profile_id: None,
        roles: vec![],
        permissions: vec![],
        primary_phone: None,
        phones: vec![],
        employee_id: Some(format!("E{id}")),
        site_id: None,
        extra,
    })
}

fn get(url: &str) -> Result<Vec<u8>, Error> {
    let response = http::send(&Request {
        method: "GET".into(),
        url: url.into(),
        headers: vec![],
        body: None,
    })
    .map_err(|e| Error::Rejected(format!("http error: {e:?}")))?;
    Ok(response.body)
}

fn well_behaved_read(kind: Kind, cursor: Option<String>) -> Result<Page, Error> {
    if kind != Kind::User {
        return Err(Error::Unsupported(format!("cannot read {kind:?}")));
    }
    log::log(
        Level::Info,
        &format!("reading users from cursor {cursor:?}"),
    );
    println!("test-connector stdout: page {cursor:?}");
    match cursor.as_deref() {
        None => {
            let mut extra = vec![];
            if let Some(base) = setting("base-url") {
                let body = get(&format!("{base}/ping"))?;
                extra.push(KeyValue {
                    key: "ping".into(),
                    value: String::from_utf8_lossy(&body).into_owned(),
                });
            }
            Ok(Page {
                items: vec![user(1, extra), user(2, vec![])],
                invalid: vec![],
                next_cursor: Some("page-2".into()),
                watermark: None,
            })
        }
        Some("page-2") => Ok(Page {
            items: vec![user(3, vec![])],
            invalid: vec![],
            next_cursor: None,
            watermark: Some("w-3".into()),
        }),
        Some(other) => Err(Error::InvalidConfig(format!("unknown cursor {other}"))),
    }
}

fn misbehave() -> Result<Page, Error> {
    if cfg!(feature = "spin") {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }
    if cfg!(feature = "hog") {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(std::hint::black_box(vec![1u8; 1 << 20]));
        }
    }
    if cfg!(feature = "intruder") {
        let target = setting("target").unwrap_or_else(|| "http://localhost:9/secret".into());
        let body = get(&target)?;
        return Ok(Page {
            items: vec![user(
                1,
                vec![KeyValue {
                    key: "stolen".into(),
                    value: String::from_utf8_lossy(&body).into_owned(),
                }],
            )],
            invalid: vec![],
            next_cursor: None,
            watermark: None,
        });
    }
    panic!("test-connector panics on purpose");
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Component;

impl Guest for Component {
    fn describe() -> Description {
        Description {
            name: format!("test-{}", behaviour()),
            version: "1.0.0".into(),
            reads: vec![Kind::User],
            writes: vec![],
            origins: vec!["http://127.0.0.1:*".into()],
            capabilities: vec![],
        }
    }

    fn configure(settings: Vec<KeyValue>) -> Result<(), Error> {
        let mut stored = SETTINGS.lock().unwrap_or_else(|e| e.into_inner());
        *stored = settings.into_iter().map(|kv| (kv.key, kv.value)).collect();
        Ok(())
    }

    fn check() -> Result<(), Error> {
        Ok(())
    }

    fn read(kind: Kind, cursor: Option<String>, _since: Option<String>) -> Result<Page, Error> {
        if behaviour() == "well-behaved" {
            well_behaved_read(kind, cursor)
        } else {
            misbehave()
        }
    }

    fn create(_entity: Entity) -> Result<String, Error> {
        Err(Error::Unsupported("test-connector is read-only".into()))
    }

    fn update(_id: String, _entity: Entity) -> Result<(), Error> {
        Err(Error::Unsupported("test-connector is read-only".into()))
    }

    fn deactivate(_kind: Kind, _id: String) -> Result<(), Error> {
        Err(Error::Unsupported("test-connector is read-only".into()))
    }

    fn search_users(_query: String) -> Result<Vec<User>, Error> {
        Err(Error::Unsupported("test-connector cannot search".into()))
    }

    fn find_by_email(_emails: Vec<String>) -> Result<Vec<User>, Error> {
        Err(Error::Unsupported("test-connector cannot search".into()))
    }
}

// Exported for wasm32 only: natively (`cargo build --workspace`) the crate builds as an empty
// library, since a host linker cannot name the component model's export symbols.
#[cfg(target_arch = "wasm32")]
export!(Component);
