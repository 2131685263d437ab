//! The latest contract, `ccsync:connector@0.2.0` (`wit/connector.wit`): its generated bindings
//! and the one place where its types are converted to and from the domain types of
//! `ccsync-model`. Older versions convert to these types ([`super::v0_1`]), so only the
//! latest types ever meet the domain.

use ccsync_model as model;

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "plugin",
    imports: {
        "ccsync:connector/http.send": async,
        default: tracing,
    },
    exports: { default: async },
});

pub(crate) use ccsync::connector::{http, log, types as wit};
pub(crate) use exports::ccsync::connector::connector::Description as WitDescription;

impl From<wit::Kind> for model::Kind {
    fn from(kind: wit::Kind) -> Self {
        match kind {
            wit::Kind::User => model::Kind::User,
            wit::Kind::Team => model::Kind::Team,
            wit::Kind::SecurityProfile => model::Kind::SecurityProfile,
            wit::Kind::Campaign => model::Kind::Campaign,
            wit::Kind::Disposition => model::Kind::Disposition,
            wit::Kind::AgentStatus => model::Kind::AgentStatus,
        }
    }
}

impl From<model::Kind> for wit::Kind {
    fn from(kind: model::Kind) -> Self {
        match kind {
            model::Kind::User => wit::Kind::User,
            model::Kind::Team => wit::Kind::Team,
            model::Kind::SecurityProfile => wit::Kind::SecurityProfile,
            model::Kind::Campaign => wit::Kind::Campaign,
            model::Kind::Disposition => wit::Kind::Disposition,
            model::Kind::AgentStatus => wit::Kind::AgentStatus,
        }
    }
}

fn pairs_from_wit(extra: Vec<wit::KeyValue>) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = extra.into_iter().map(|kv| (kv.key, kv.value)).collect();
    pairs.sort();
    pairs
}

fn pairs_to_wit(extra: Vec<(String, String)>) -> Vec<wit::KeyValue> {
    extra
        .into_iter()
        .map(|(key, value)| wit::KeyValue { key, value })
        .collect()
}

impl From<wit::User> for model::User {
    fn from(u: wit::User) -> Self {
        model::User {
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
            groups: u.groups,
            password_set: u.password_set,
            extra: pairs_from_wit(u.extra),
        }
    }
}

impl From<model::User> for wit::User {
    fn from(u: model::User) -> Self {
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
            groups: u.groups,
            password_set: u.password_set,
            extra: pairs_to_wit(u.extra),
        }
    }
}

impl From<wit::NamedItem> for model::NamedItem {
    fn from(i: wit::NamedItem) -> Self {
        model::NamedItem {
            id: i.id,
            name: i.name,
            active: i.active,
            group: i.group,
            extra: pairs_from_wit(i.extra),
        }
    }
}

impl From<model::NamedItem> for wit::NamedItem {
    fn from(i: model::NamedItem) -> Self {
        wit::NamedItem {
            id: i.id,
            name: i.name,
            active: i.active,
            group: i.group,
            extra: pairs_to_wit(i.extra),
        }
    }
}

impl From<wit::Entity> for model::Entity {
    fn from(e: wit::Entity) -> Self {
        match e {
            wit::Entity::User(u) => model::Entity::User(u.into()),
            wit::Entity::Team(t) => model::Entity::Team(model::Team {
                id: t.id,
                name: t.name,
                features: t.features,
                active: t.active,
            }),
            wit::Entity::SecurityProfile(p) => {
                model::Entity::SecurityProfile(model::SecurityProfile {
                    id: p.id,
                    name: p.name,
                    permissions: p.permissions,
                })
            }
            wit::Entity::Campaign(i) => model::Entity::Campaign(i.into()),
            wit::Entity::Disposition(i) => model::Entity::Disposition(i.into()),
            wit::Entity::AgentStatus(i) => model::Entity::AgentStatus(i.into()),
        }
    }
}

impl From<model::Entity> for wit::Entity {
    fn from(e: model::Entity) -> Self {
        match e {
            model::Entity::User(u) => wit::Entity::User(u.into()),
            model::Entity::Team(t) => wit::Entity::Team(wit::Team {
                id: t.id,
                name: t.name,
                features: t.features,
                active: t.active,
            }),
            model::Entity::SecurityProfile(p) => {
                wit::Entity::SecurityProfile(wit::SecurityProfile {
                    id: p.id,
                    name: p.name,
                    permissions: p.permissions,
                })
            }
            model::Entity::Campaign(i) => wit::Entity::Campaign(i.into()),
            model::Entity::Disposition(i) => wit::Entity::Disposition(i.into()),
            model::Entity::AgentStatus(i) => wit::Entity::AgentStatus(i.into()),
        }
    }
}

impl From<wit::Page> for model::Page {
    fn from(p: wit::Page) -> Self {
        model::Page {
            items: p.items.into_iter().map(Into::into).collect(),
            invalid: p
                .invalid
                .into_iter()
                .map(|i| model::InvalidRecord {
                    id: i.id,
                    reason: i.reason,
                })
                .collect(),
            next_cursor: p.next_cursor,
            watermark: p.watermark,
        }
    }
}

impl From<wit::Error> for model::ConnectorError {
    fn from(e: wit::Error) -> Self {
        match e {
            wit::Error::Unauthorized(m) => model::ConnectorError::Unauthorized(m),
            wit::Error::RateLimited(ms) => {
                model::ConnectorError::RateLimited { retry_after_ms: ms }
            }
            wit::Error::Transient(m) => model::ConnectorError::Transient(m),
            wit::Error::InvalidConfig(m) => model::ConnectorError::InvalidConfig(m),
            wit::Error::NotFound(m) => model::ConnectorError::NotFound(m),
            wit::Error::Rejected(m) => model::ConnectorError::Rejected(m),
            wit::Error::Unsupported(m) => model::ConnectorError::Unsupported(m),
        }
    }
}

impl From<WitDescription> for model::Description {
    fn from(d: WitDescription) -> Self {
        model::Description {
            name: d.name,
            version: d.version,
            reads: d.reads.into_iter().map(Into::into).collect(),
            writes: d.writes.into_iter().map(Into::into).collect(),
            origins: d.origins,
            capabilities: d.capabilities,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_round_trip_through_the_contract_types() {
        let user = model::Entity::User(model::User {
            id: "7".into(),
            username: Some("ann".into()),
            email: Some("ann@example.test".into()),
            active: true,
            phones: vec!["+1 555".into()],
            extra: vec![("a".into(), "1".into()), ("b".into(), "2".into())],
            ..model::User::default()
        });
        let back: model::Entity = wit::Entity::from(user.clone()).into();
        assert_eq!(back, user);
        for kind in model::Kind::ALL {
            assert_eq!(model::Kind::from(wit::Kind::from(kind)), kind);
        }
    }

    #[test]
    fn extra_attributes_are_sorted_at_the_boundary_so_hashes_are_stable() {
        let user = wit::User {
            id: "1".into(),
            username: None,
            first_name: None,
            last_name: None,
            email: None,
            active: true,
            team_id: None,
            security_profile_id: None,
            roles: vec![],
            permissions: vec![],
            primary_phone: None,
            phones: vec![],
            employee_id: None,
            site_id: None,
            groups: vec![],
            password_set: None,
            extra: vec![
                wit::KeyValue {
                    key: "z".into(),
                    value: "1".into(),
                },
                wit::KeyValue {
                    key: "a".into(),
                    value: "2".into(),
                },
            ],
        };
        let user = model::User::from(user);
        assert_eq!(user.extra[0].0, "a");
    }
}
