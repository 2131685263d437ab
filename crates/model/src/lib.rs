//! The domain types of ccsync.
//!
//! Connectors speak the WIT contract (`wit/connector.wit`); everything else in the host speaks
//! these types. The runtime converts between the two exactly once, at the plugin boundary, so
//! the store, the sync rules and the CLI never see a generated binding type and a contract
//! change touches one conversion module.

#![warn(missing_docs)]

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A collection of records a connector can read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// People: agents, supervisors, administrators.
    User,
    /// Teams, with the features enabled on them.
    Team,
    /// Security profiles (roles), with the permissions they grant.
    SecurityProfile,
    /// Campaigns (an ACD's skills are imported as campaigns).
    Campaign,
    /// Call dispositions.
    Disposition,
    /// Agent statuses (unavailable codes).
    AgentStatus,
}

impl Kind {
    /// Every kind, in the order a full sync reads them (teams and profiles before the users
    /// that refer to them).
    pub const ALL: [Kind; 6] = [
        Kind::Team,
        Kind::SecurityProfile,
        Kind::User,
        Kind::Campaign,
        Kind::Disposition,
        Kind::AgentStatus,
    ];

    /// The kind's name as used in config files, the CLI and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Team => "team",
            Kind::SecurityProfile => "security-profile",
            Kind::Campaign => "campaign",
            Kind::Disposition => "disposition",
            Kind::AgentStatus => "agent-status",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no kind.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "unknown kind `{0}` (expected one of: user, team, security-profile, campaign, disposition, agent-status)"
)]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

/// A person on a platform. Optional fields are `None` where the platform has no value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct User {
    /// The platform's own id for the user, unique within one tenant.
    pub id: String,
    /// Login name.
    pub username: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Email address, as the platform holds it (the host normalises when it compares).
    pub email: Option<String>,
    /// Whether the platform considers the user active.
    pub active: bool,
    /// The id of the user's team, if any.
    pub team_id: Option<String>,
    /// The id of the user's security profile, if any.
    pub security_profile_id: Option<String>,
    /// Names of the roles the user holds.
    pub roles: Vec<String>,
    /// Permissions granted to the user, resolved from the security profile and roles.
    pub permissions: Vec<String>,
    /// The primary phone number, if any.
    pub primary_phone: Option<String>,
    /// Every phone number of the user, primary included.
    pub phones: Vec<String>,
    /// The employee id (an HR or payroll number).
    pub employee_id: Option<String>,
    /// The site (location) the user works at.
    pub site_id: Option<String>,
    /// The groups the user belongs to at the platform, by name (a dialer's `Call Center
    /// Agents`). Left out of the JSON form when empty, so records of sources that have none
    /// hash as before the field existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Whether the user has a password at the platform; `None` where it does not say. Left
    /// out of the JSON form when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_set: Option<bool>,
    /// Attributes the contract has no field for, sorted by key.
    pub extra: Vec<(String, String)>,
}

/// A team and the features enabled on it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Team {
    /// The platform's own id for the team.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Names of the features enabled on the team (for example `WFM Advanced`).
    pub features: Vec<String>,
    /// Whether the team is active.
    pub active: bool,
}

/// A security profile (role) and the permissions it grants.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SecurityProfile {
    /// The platform's own id for the profile.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Names of the permissions granted (for example `User Mapping: Map`).
    pub permissions: Vec<String>,
}

/// A campaign, disposition or agent status.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NamedItem {
    /// The platform's own id for the item.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether the item is active.
    pub active: bool,
    /// The list the item is filed in at the platform (a dialer's `CC Campaigns`); `None`
    /// where the platform has no such lists. Left out of the JSON form when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Attributes the contract has no field for, sorted by key.
    pub extra: Vec<(String, String)>,
}

/// One record of any kind.
// Most records are users; boxing them would cost an allocation per record for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Entity {
    /// A user.
    User(User),
    /// A team.
    Team(Team),
    /// A security profile.
    SecurityProfile(SecurityProfile),
    /// A campaign.
    Campaign(NamedItem),
    /// A disposition.
    Disposition(NamedItem),
    /// An agent status.
    AgentStatus(NamedItem),
}

impl Entity {
    /// The kind of the record.
    pub fn kind(&self) -> Kind {
        match self {
            Entity::User(_) => Kind::User,
            Entity::Team(_) => Kind::Team,
            Entity::SecurityProfile(_) => Kind::SecurityProfile,
            Entity::Campaign(_) => Kind::Campaign,
            Entity::Disposition(_) => Kind::Disposition,
            Entity::AgentStatus(_) => Kind::AgentStatus,
        }
    }

    /// The platform's id of the record.
    pub fn id(&self) -> &str {
        match self {
            Entity::User(u) => &u.id,
            Entity::Team(t) => &t.id,
            Entity::SecurityProfile(p) => &p.id,
            Entity::Campaign(i) | Entity::Disposition(i) | Entity::AgentStatus(i) => &i.id,
        }
    }

    /// Whether the platform considers the record active (profiles always are).
    pub fn active(&self) -> bool {
        match self {
            Entity::User(u) => u.active,
            Entity::Team(t) => t.active,
            Entity::SecurityProfile(_) => true,
            Entity::Campaign(i) | Entity::Disposition(i) | Entity::AgentStatus(i) => i.active,
        }
    }

    /// A short human name for messages and logs.
    pub fn display_name(&self) -> String {
        match self {
            Entity::User(u) => u
                .username
                .clone()
                .or_else(|| u.email.clone())
                .unwrap_or_else(|| format!("user {}", u.id)),
            Entity::Team(t) => t.name.clone(),
            Entity::SecurityProfile(p) => p.name.clone(),
            Entity::Campaign(i) | Entity::Disposition(i) | Entity::AgentStatus(i) => i.name.clone(),
        }
    }

    /// A SHA-256 over the record's canonical JSON form: equal records hash equal, and any
    /// change to any field changes the hash. Used to detect change without field comparison.
    pub fn content_hash(&self) -> String {
        self.encode().hash
    }

    /// The record's canonical JSON form and its [`content_hash`](Self::content_hash), from
    /// one serialisation: what the hub stores and compares, computed once per record read.
    pub fn encode(&self) -> Encoded {
        let json = serde_json::to_string(self).expect("entities always serialise to JSON");
        let hash = hex::encode(Sha256::digest(json.as_bytes()));
        Encoded { json, hash }
    }

    /// A record of `kind` from its JSON form (as [`encode`](Self::encode) writes it).
    ///
    /// The kind is known from where the JSON is kept, so the record's own fields are read
    /// directly: deserialising the tagged enum would first buffer every field to find the
    /// tag, which costs several times as much. The `kind` key in the JSON is not consulted.
    pub fn decode(kind: Kind, json: &str) -> serde_json::Result<Entity> {
        Ok(match kind {
            Kind::User => Entity::User(serde_json::from_str(json)?),
            Kind::Team => Entity::Team(serde_json::from_str(json)?),
            Kind::SecurityProfile => Entity::SecurityProfile(serde_json::from_str(json)?),
            Kind::Campaign => Entity::Campaign(serde_json::from_str(json)?),
            Kind::Disposition => Entity::Disposition(serde_json::from_str(json)?),
            Kind::AgentStatus => Entity::AgentStatus(serde_json::from_str(json)?),
        })
    }
}

/// A record's canonical JSON form and the SHA-256 of it (hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The JSON, with the `kind` tag.
    pub json: String,
    /// `hex(sha256(json))`: [`Entity::content_hash`].
    pub hash: String,
}

/// A source record a connector could not map.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InvalidRecord {
    /// The record's id on the platform, when it could be read.
    pub id: Option<String>,
    /// What is wrong, naming the field.
    pub reason: String,
}

/// One page of a read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Page {
    /// The records of this page, all of the kind that was asked for.
    pub items: Vec<Entity>,
    /// Records the connector could not map; a read with any is partial.
    pub invalid: Vec<InvalidRecord>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
    /// The source's high-water mark for the next incremental read.
    pub watermark: Option<String>,
}

/// What a connector says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    /// The connector's name (for example `cxone-acd`).
    pub name: String,
    /// The connector's version (semver).
    pub version: String,
    /// The kinds it can read.
    pub reads: Vec<Kind>,
    /// The kinds it can write; empty for a read-only connector.
    pub writes: Vec<Kind>,
    /// The origins it may call (`scheme://host[:port]`, `*` allowed as the leftmost host label
    /// and as the port); the host intersects them with what the operator allows.
    pub origins: Vec<String>,
    /// Optional abilities, by name (for example `incremental`, `search-users`, `find-by-email`).
    pub capabilities: Vec<String>,
}

/// How an error should be handled, independent of its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorClass {
    /// Retry later with backoff.
    Transient,
    /// Retry after the delay the platform gave.
    RateLimited,
    /// Credentials refused: an operator must act.
    Auth,
    /// Configuration wrong: an operator must act.
    Config,
    /// This record was refused; the others go on.
    Rejected,
    /// The plugin broke a sandbox limit or trapped (a deadline, its memory, a panic, an
    /// over-size result): its own fault, deterministic for the same input, so never retried.
    Plugin,
}

impl ErrorClass {
    /// Whether a retry of the same call can succeed without an operator.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorClass::Transient | ErrorClass::RateLimited)
    }
}

/// An error a connector returned, as the contract's `error` variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ConnectorError {
    /// The credentials were refused, even after the connector renewed its token.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The platform asked to slow down.
    #[error("rate limited: retry after {retry_after_ms} ms")]
    RateLimited {
        /// How long to wait before calling again, in milliseconds.
        retry_after_ms: u64,
    },
    /// A passing failure (a 5xx, a timeout, a dropped connection); retried with backoff.
    #[error("transient failure: {0}")]
    Transient(String),
    /// The settings given to `configure` are wrong or incomplete.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// The record the call named does not exist on the platform.
    #[error("not found: {0}")]
    NotFound(String),
    /// The platform refused this record (validation, conflict); other records go on.
    #[error("rejected: {0}")]
    Rejected(String),
    /// The connector does not support this call or kind (for example a write on a read-only
    /// connector).
    #[error("not supported: {0}")]
    Unsupported(String),
}

impl ConnectorError {
    /// How the host should handle this error: retry, wait, stop, or skip the record.
    pub fn class(&self) -> ErrorClass {
        match self {
            ConnectorError::Unauthorized(_) => ErrorClass::Auth,
            ConnectorError::RateLimited { .. } => ErrorClass::RateLimited,
            ConnectorError::Transient(_) => ErrorClass::Transient,
            ConnectorError::InvalidConfig(_) | ConnectorError::Unsupported(_) => ErrorClass::Config,
            ConnectorError::NotFound(_) | ConnectorError::Rejected(_) => ErrorClass::Rejected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(kind.as_str().parse::<Kind>().unwrap(), kind);
        }
        assert!("users".parse::<Kind>().is_err());
    }

    #[test]
    fn decode_by_kind_reads_back_what_encode_wrote_for_every_kind() {
        let item = NamedItem {
            id: "9".into(),
            name: "Sales".into(),
            active: true,
            group: Some("CC Campaigns".into()),
            extra: vec![("k".into(), "v".into())],
        };
        let entities = [
            Entity::User(User {
                id: "1".into(),
                email: Some("a@x".into()),
                active: true,
                groups: vec!["Call Center Agents".into()],
                ..User::default()
            }),
            Entity::Team(Team {
                id: "2".into(),
                name: "T".into(),
                features: vec!["WFM Advanced".into()],
                active: true,
            }),
            Entity::SecurityProfile(SecurityProfile {
                id: "3".into(),
                name: "Agent".into(),
                permissions: vec!["p".into()],
            }),
            Entity::Campaign(item.clone()),
            Entity::Disposition(item.clone()),
            Entity::AgentStatus(item),
        ];
        for entity in entities {
            let encoded = entity.encode();
            assert_eq!(encoded.hash, entity.content_hash());
            // The same JSON the tagged enum reads.
            assert_eq!(
                serde_json::from_str::<Entity>(&encoded.json).unwrap(),
                entity
            );
            assert_eq!(
                Entity::decode(entity.kind(), &encoded.json).unwrap(),
                entity
            );
        }
        assert!(Entity::decode(Kind::Team, r#"{"kind":"team","id":"1"}"#).is_err());
    }

    #[test]
    fn content_hash_changes_with_any_field() {
        let user = User {
            id: "1".into(),
            username: Some("ann".into()),
            active: true,
            ..User::default()
        };
        let a = Entity::User(user.clone());
        let b = Entity::User(User {
            site_id: Some("S1".into()),
            ..user
        });
        assert_eq!(a.content_hash(), a.clone().content_hash());
        assert_ne!(a.content_hash(), b.content_hash());
    }

    #[test]
    fn only_transient_and_rate_limited_errors_are_retryable() {
        assert!(ConnectorError::Transient("x".into()).class().is_retryable());
        assert!(
            ConnectorError::RateLimited { retry_after_ms: 5 }
                .class()
                .is_retryable()
        );
        assert!(
            !ConnectorError::Unauthorized("x".into())
                .class()
                .is_retryable()
        );
        assert!(!ConnectorError::Rejected("x".into()).class().is_retryable());
    }
}
