//! The previous contract, `ccsync:connector@0.1.0` (`wit/v0.1.0/`), still loaded: its
//! generated bindings, its host imports (delegated to the latest ones) and the conversions
//! between its types and the latest contract's. Nothing of 0.1.0 reaches the domain: a
//! component speaking it is driven through [`super::Plugin`], which converts every value at
//! the boundary, and answers `unsupported` for what 0.1.0 lacks (`find`, `get`). Its `create`
//! takes no external id, so a push through a 0.1.0 connector cannot recover a lost create.

use super::v0_2 as latest;
use crate::host::HostState;

wasmtime::component::bindgen!({
    path: "../../wit/v0.1.0",
    world: "plugin",
    imports: {
        "ccsync:connector/http.send": async,
        default: tracing,
    },
    exports: { default: async },
});

pub(crate) use ccsync::connector::{http, log, types as wit};
pub(crate) use exports::ccsync::connector::connector::Description;

impl wit::Host for HostState {}

impl http::Host for HostState {
    async fn send(&mut self, request: http::Request) -> Result<http::Response, http::HttpError> {
        let request = latest::http::Request {
            method: request.method,
            url: request.url,
            headers: request.headers.into_iter().map(header_up).collect(),
            body: request.body,
        };
        match <HostState as latest::http::Host>::send(self, request).await {
            Ok(response) => Ok(http::Response {
                status: response.status,
                headers: response.headers.into_iter().map(header_down).collect(),
                body: response.body,
            }),
            Err(error) => Err(match error {
                latest::http::HttpError::Denied(m) => http::HttpError::Denied(m),
                latest::http::HttpError::Timeout => http::HttpError::Timeout,
                latest::http::HttpError::TooLarge(n) => http::HttpError::TooLarge(n),
                latest::http::HttpError::Connection(m) => http::HttpError::Connection(m),
                latest::http::HttpError::InvalidRequest(m) => http::HttpError::InvalidRequest(m),
            }),
        }
    }
}

impl log::Host for HostState {
    fn log(&mut self, level: log::Level, message: String) {
        let level = match level {
            log::Level::Trace => latest::log::Level::Trace,
            log::Level::Debug => latest::log::Level::Debug,
            log::Level::Info => latest::log::Level::Info,
            log::Level::Warn => latest::log::Level::Warn,
            log::Level::Error => latest::log::Level::Error,
        };
        latest::log::Host::log(self, level, message);
    }
}

fn header_up(h: http::Header) -> latest::http::Header {
    latest::http::Header {
        name: h.name,
        value: h.value,
    }
}

fn header_down(h: latest::http::Header) -> http::Header {
    http::Header {
        name: h.name,
        value: h.value,
    }
}

fn pairs_up(extra: Vec<wit::KeyValue>) -> Vec<latest::wit::KeyValue> {
    extra
        .into_iter()
        .map(|kv| latest::wit::KeyValue {
            key: kv.key,
            value: kv.value,
        })
        .collect()
}

fn pairs_down(extra: Vec<latest::wit::KeyValue>) -> Vec<wit::KeyValue> {
    extra
        .into_iter()
        .map(|kv| wit::KeyValue {
            key: kv.key,
            value: kv.value,
        })
        .collect()
}

impl From<latest::wit::Kind> for wit::Kind {
    fn from(kind: latest::wit::Kind) -> Self {
        match kind {
            latest::wit::Kind::User => wit::Kind::User,
            latest::wit::Kind::Team => wit::Kind::Team,
            latest::wit::Kind::SecurityProfile => wit::Kind::SecurityProfile,
            latest::wit::Kind::Campaign => wit::Kind::Campaign,
            latest::wit::Kind::Disposition => wit::Kind::Disposition,
            latest::wit::Kind::AgentStatus => wit::Kind::AgentStatus,
        }
    }
}

impl From<wit::Kind> for latest::wit::Kind {
    fn from(kind: wit::Kind) -> Self {
        match kind {
            wit::Kind::User => latest::wit::Kind::User,
            wit::Kind::Team => latest::wit::Kind::Team,
            wit::Kind::SecurityProfile => latest::wit::Kind::SecurityProfile,
            wit::Kind::Campaign => latest::wit::Kind::Campaign,
            wit::Kind::Disposition => latest::wit::Kind::Disposition,
            wit::Kind::AgentStatus => latest::wit::Kind::AgentStatus,
        }
    }
}

impl From<wit::User> for latest::wit::User {
    fn from(u: wit::User) -> Self {
        latest::wit::User {
            id: u.id,
            username: u.username,
            first_name: u.first_name,
            last_name: u.last_name,
            email: u.email,
            active: u.active,
            team_id: u.team_id,
            security_profile_id: u.security_profile_id,
            roles: u.roles,
            permissions: u.permissions,
            primary_phone: u.primary_phone,
            phones: u.phones,
            employee_id: u.employee_id,
            site_id: u.site_id,
            groups: Vec::new(),
            password_set: None,
            extra: pairs_up(u.extra),
        }
    }
}

impl From<latest::wit::User> for wit::User {
    fn from(u: latest::wit::User) -> Self {
        wit::User {
            id: u.id,
            username: u.username,
            first_name: u.first_name,
            last_name: u.last_name,
            email: u.email,
            active: u.active,
            team_id: u.team_id,
            security_profile_id: u.security_profile_id,
            roles: u.roles,
            permissions: u.permissions,
            primary_phone: u.primary_phone,
            phones: u.phones,
            employee_id: u.employee_id,
            site_id: u.site_id,
            extra: pairs_down(u.extra),
        }
    }
}

impl From<wit::NamedItem> for latest::wit::NamedItem {
    fn from(i: wit::NamedItem) -> Self {
        latest::wit::NamedItem {
            id: i.id,
            name: i.name,
            active: i.active,
            group: None,
            extra: pairs_up(i.extra),
        }
    }
}

impl From<latest::wit::NamedItem> for wit::NamedItem {
    fn from(i: latest::wit::NamedItem) -> Self {
        wit::NamedItem {
            id: i.id,
            name: i.name,
            active: i.active,
            extra: pairs_down(i.extra),
        }
    }
}

impl From<wit::Entity> for latest::wit::Entity {
    fn from(e: wit::Entity) -> Self {
        match e {
            wit::Entity::User(u) => latest::wit::Entity::User(u.into()),
            wit::Entity::Team(t) => latest::wit::Entity::Team(latest::wit::Team {
                id: t.id,
                name: t.name,
                features: t.features,
                active: t.active,
            }),
            wit::Entity::SecurityProfile(p) => {
                latest::wit::Entity::SecurityProfile(latest::wit::SecurityProfile {
                    id: p.id,
                    name: p.name,
                    permissions: p.permissions,
                })
            }
            wit::Entity::Campaign(i) => latest::wit::Entity::Campaign(i.into()),
            wit::Entity::Disposition(i) => latest::wit::Entity::Disposition(i.into()),
            wit::Entity::AgentStatus(i) => latest::wit::Entity::AgentStatus(i.into()),
        }
    }
}

impl From<latest::wit::Entity> for wit::Entity {
    fn from(e: latest::wit::Entity) -> Self {
        match e {
            latest::wit::Entity::User(u) => wit::Entity::User(u.into()),
            latest::wit::Entity::Team(t) => wit::Entity::Team(wit::Team {
                id: t.id,
                name: t.name,
                features: t.features,
                active: t.active,
            }),
            latest::wit::Entity::SecurityProfile(p) => {
                wit::Entity::SecurityProfile(wit::SecurityProfile {
                    id: p.id,
                    name: p.name,
                    permissions: p.permissions,
                })
            }
            latest::wit::Entity::Campaign(i) => wit::Entity::Campaign(i.into()),
            latest::wit::Entity::Disposition(i) => wit::Entity::Disposition(i.into()),
            latest::wit::Entity::AgentStatus(i) => wit::Entity::AgentStatus(i.into()),
        }
    }
}

impl From<wit::Page> for latest::wit::Page {
    fn from(p: wit::Page) -> Self {
        latest::wit::Page {
            items: p.items.into_iter().map(Into::into).collect(),
            invalid: p
                .invalid
                .into_iter()
                .map(|i| latest::wit::InvalidRecord {
                    id: i.id,
                    reason: i.reason,
                })
                .collect(),
            next_cursor: p.next_cursor,
            watermark: p.watermark,
        }
    }
}

impl From<wit::Error> for latest::wit::Error {
    fn from(e: wit::Error) -> Self {
        match e {
            wit::Error::Unauthorized(m) => latest::wit::Error::Unauthorized(m),
            wit::Error::RateLimited(ms) => latest::wit::Error::RateLimited(ms),
            wit::Error::Transient(m) => latest::wit::Error::Transient(m),
            wit::Error::InvalidConfig(m) => latest::wit::Error::InvalidConfig(m),
            wit::Error::NotFound(m) => latest::wit::Error::NotFound(m),
            wit::Error::Rejected(m) => latest::wit::Error::Rejected(m),
            wit::Error::Unsupported(m) => latest::wit::Error::Unsupported(m),
        }
    }
}

impl From<Description> for latest::WitDescription {
    fn from(d: Description) -> Self {
        latest::WitDescription {
            name: d.name,
            version: d.version,
            reads: d.reads.into_iter().map(Into::into).collect(),
            writes: d.writes.into_iter().map(Into::into).collect(),
            origins: d.origins,
            capabilities: d.capabilities,
        }
    }
}

/// The settings, as 0.1.0 takes them.
pub(crate) fn settings(settings: &[latest::wit::KeyValue]) -> Vec<wit::KeyValue> {
    pairs_down(settings.to_vec())
}
