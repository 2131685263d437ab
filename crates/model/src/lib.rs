//! The domain types of ccsync.
//!
//! Connectors speak the WIT contract (`wit/connector.wit`); everything else in the host speaks
//! these types. The runtime converts between the two exactly once, at the plugin boundary, so
//! the store, the sync rules and the CLI never see a generated binding type and a contract
//! change touches one conversion module.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A collection of records a connector can read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    User,
    Team,
    SecurityProfile,
    Campaign,
    Disposition,
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
    pub id: String,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub active: bool,
    pub team_id: Option<String>,
    pub security_profile_id: Option<String>,
    pub roles: Vec<String>,
    pub permissions: Vec<String>,
    pub primary_phone: Option<String>,
    pub phones: Vec<String>,
    pub employee_id: Option<String>,
    pub site_id: Option<String>,
    /// Attributes the contract has no field for, sorted by key.
    pub extra: Vec<(String, String)>,
}

/// A team and the features enabled on it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub features: Vec<String>,
    pub active: bool,
}

/// A security profile (role) and the permissions it grants.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SecurityProfile {
    pub id: String,
    pub name: String,
    pub permissions: Vec<String>,
}

/// A campaign, disposition or agent status.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NamedItem {
    pub id: String,
    pub name: String,
    pub active: bool,
    pub extra: Vec<(String, String)>,
}

/// One record of any kind.
// Most records are users; boxing them would cost an allocation per record for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Entity {
    User(User),
    Team(Team),
    SecurityProfile(SecurityProfile),
    Campaign(NamedItem),
    Disposition(NamedItem),
    AgentStatus(NamedItem),
}

impl Entity {
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
        let json = serde_json::to_vec(self).expect("entities always serialise to JSON");
        hex::encode(Sha256::digest(&json))
    }
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
    pub name: String,
    pub version: String,
    pub reads: Vec<Kind>,
    pub writes: Vec<Kind>,
    pub origins: Vec<String>,
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
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("rate limited: retry after {retry_after_ms} ms")]
    RateLimited { retry_after_ms: u64 },
    #[error("transient failure: {0}")]
    Transient(String),
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("rejected: {0}")]
    Rejected(String),
    #[error("not supported: {0}")]
    Unsupported(String),
}

impl ConnectorError {
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
