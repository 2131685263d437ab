//! A connector for the host's own tests.
//!
//! Built without features it is well-behaved: it reads two pages of users, fetches `/ping`
//! from the configured `base-url` through the host's HTTP import, logs, and prints to stdout.
//! Each feature turns `read` into one misbehaviour the host must contain: `spin` loops
//! forever, `hog` allocates without bound, `intruder` calls an origin it did not declare,
//! `panic` panics, `slow-http` waits in (or floods) HTTP requests, `recurse` overflows its
//! stack, `bloat` returns over-size records and pages, `chatty` floods the log and stdout,
//! `smuggler` sends requests the contract forbids, and `leaker` copies its secret into what it
//! returns. Their parameters come from settings (see `ccsync_bundled::test_plugins`). Every
//! other export behaves, so a test can tell the misbehaviour apart from a broken component.

use std::sync::Mutex;

use ccsync::connector::http::{self, Request};
use ccsync::connector::log::{self, Level};
use ccsync::connector::types::{Entity, Error, InvalidRecord, KeyValue, Kind, Page, User};
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
    } else if cfg!(feature = "slow-http") {
        "slow-http"
    } else if cfg!(feature = "recurse") {
        "recurse"
    } else if cfg!(feature = "bloat") {
        "bloat"
    } else if cfg!(feature = "chatty") {
        "chatty"
    } else if cfg!(feature = "smuggler") {
        "smuggler"
    } else if cfg!(feature = "leaker") {
        "leaker"
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
        groups: vec![],
        password_set: None,
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

fn number(key: &str) -> usize {
    setting(key).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn one_user_page(users: Vec<Entity>) -> Page {
    Page {
        items: users,
        invalid: vec![],
        next_cursor: None,
        watermark: None,
    }
}

fn slow_http() -> Result<Page, Error> {
    let target = setting("target").unwrap_or_default();
    for _ in 0..number("requests").max(1) {
        get(&target)?;
    }
    Ok(one_user_page(vec![user(1, vec![])]))
}

#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    let frame = std::hint::black_box([depth; 64]);
    recurse(frame[0] + 1) + frame[63]
}

fn bloat() -> Result<Page, Error> {
    let mut items = vec![];
    let big_field = number("big-field");
    if big_field > 0 {
        let Entity::User(mut big) = user(0, vec![]) else {
            unreachable!("user() makes users")
        };
        big.id = "big".into();
        big.username = Some("u".repeat(big_field));
        items.push(Entity::User(big));
    }
    let big_record = number("big-record");
    if big_record > 0 {
        let Entity::User(mut wide) = user(0, vec![]) else {
            unreachable!("user() makes users")
        };
        wide.id = "wide".into();
        wide.roles = vec!["r".repeat(1024); big_record.div_ceil(1024)];
        items.push(Entity::User(wide));
    }
    for id in 1..=number("users") {
        items.push(user(id as u32, vec![]));
    }
    Ok(one_user_page(items))
}

fn chatty() -> Result<Page, Error> {
    for i in 0..number("logs") {
        log::log(Level::Info, &format!("chatty line {i}"));
    }
    let log_bytes = number("log-bytes");
    if log_bytes > 0 {
        log::log(Level::Warn, &"L".repeat(log_bytes));
    }
    let stdout_bytes = number("stdout-bytes");
    if stdout_bytes > 0 {
        use std::io::Write;
        let chunk = vec![b'o'; 64 << 10];
        let mut out = std::io::stdout().lock();
        let mut left = stdout_bytes;
        while left > 0 {
            let n = left.min(chunk.len());
            let _ = out.write_all(&chunk[..n]);
            left -= n;
        }
        let _ = out.flush();
    }
    Ok(one_user_page(vec![user(1, vec![])]))
}

fn smuggle() -> Result<Page, Error> {
    let mut headers = vec![];
    if let Some(header) = setting("header") {
        let (name, value) = header.split_once(": ").unwrap_or((header.as_str(), ""));
        headers.push(http::Header {
            name: name.into(),
            value: value.into(),
        });
    }
    let response = http::send(&Request {
        method: setting("method").unwrap_or_else(|| "GET".into()),
        url: setting("url").unwrap_or_default(),
        headers,
        body: None,
    })
    .map_err(|e| Error::Rejected(format!("http error: {e:?}")))?;
    Ok(one_user_page(vec![user(
        1,
        vec![KeyValue {
            key: "status".into(),
            value: response.status.to_string(),
        }],
    )]))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn leak() -> Result<Page, Error> {
    let secret = setting("api-key").unwrap_or_default();
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    let (a, b) = secret.split_at(secret.len() / 2);
    log::log(Level::Info, &format!("my key is {secret}"));
    let mut extra = vec![
        KeyValue {
            key: "raw".into(),
            value: secret.clone(),
        },
        KeyValue {
            key: "basic".into(),
            value: base64(format!("user:{secret}").as_bytes()),
        },
        KeyValue {
            key: "split".into(),
            value: format!("{a} / {b}"),
        },
    ];
    extra.push(KeyValue {
        key: "hex".into(),
        value: hex,
    });
    let mut page = one_user_page(vec![user(1, extra)]);
    if let Some(Entity::User(leaky)) = page.items.first_mut() {
        leaky.email = Some(format!("{}@example.test", secret.to_uppercase()));
        leaky.groups = vec![format!("team-{secret}")];
    }
    page.invalid.push(InvalidRecord {
        id: Some("2".into()),
        reason: format!("agent 2 has the key {secret} in its notes"),
    });
    Ok(page)
}

fn misbehave() -> Result<Page, Error> {
    if cfg!(feature = "slow-http") {
        return slow_http();
    }
    if cfg!(feature = "recurse") {
        let depth = recurse(0);
        return Err(Error::Transient(format!("recursed {depth}")));
    }
    if cfg!(feature = "bloat") {
        return bloat();
    }
    if cfg!(feature = "chatty") {
        return chatty();
    }
    if cfg!(feature = "smuggler") {
        return smuggle();
    }
    if cfg!(feature = "leaker") {
        return leak();
    }
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

    fn create(_entity: Entity, _external_id: String) -> Result<String, Error> {
        Err(Error::Unsupported("test-connector is read-only".into()))
    }

    fn update(_id: String, _entity: Entity) -> Result<(), Error> {
        Err(Error::Unsupported("test-connector is read-only".into()))
    }

    fn deactivate(_kind: Kind, _id: String) -> Result<(), Error> {
        Err(Error::Unsupported("test-connector is read-only".into()))
    }

    fn find(_kind: Kind, _external_id: String) -> Result<Option<String>, Error> {
        Err(Error::Unsupported("test-connector is read-only".into()))
    }

    fn get(_kind: Kind, _id: String) -> Result<Option<Entity>, Error> {
        Err(Error::Unsupported(
            "no read by id: read the kind's pages".into(),
        ))
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
