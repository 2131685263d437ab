//! The records of the simulated Ivinex account as the API shows them (`sim/IVINEX-WIRE.md`):
//! users, and the named items (campaigns, dispositions, agent statuses) filed in lists; the
//! account's groups and lists; and the ways a record can be broken on the wire.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::iso::iso_millis;

/// The group users synchronised from CXone land in (seed 004).
pub const CALL_CENTER_AGENTS: &str = "Call Center Agents";

/// Every user group of the simulated account.
pub const GROUPS: [&str; 4] = [
    CALL_CENTER_AGENTS,
    "Administrators",
    "Supervisors",
    "Quality Assurance",
];

/// The lists of the simulated account, with the kind of item each holds: the synchronised
/// ones of seed 004 (`CC …`) and one made by hand per kind.
pub const LISTS: [(RecordKind, &str); 6] = [
    (RecordKind::Campaign, "CC Campaigns"),
    (RecordKind::Campaign, "Outbound Campaigns"),
    (RecordKind::Disposition, "CC Dispositions"),
    (RecordKind::Disposition, "Standard Dispositions"),
    (RecordKind::AgentStatus, "CC Agent Status"),
    (RecordKind::AgentStatus, "System Statuses"),
];

/// A collection of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordKind {
    /// `/users`.
    User,
    /// `/campaigns`.
    Campaign,
    /// `/dispositions`.
    Disposition,
    /// `/agent-statuses`.
    AgentStatus,
}

impl RecordKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [RecordKind; 4] = [
        RecordKind::User,
        RecordKind::Campaign,
        RecordKind::Disposition,
        RecordKind::AgentStatus,
    ];

    /// The kinds that are named items filed in lists.
    pub const ITEMS: [RecordKind; 3] = [
        RecordKind::Campaign,
        RecordKind::Disposition,
        RecordKind::AgentStatus,
    ];

    /// The collection's path segment: `users`, `campaigns`, `dispositions`, `agent-statuses`.
    pub fn collection(self) -> &'static str {
        match self {
            RecordKind::User => "users",
            RecordKind::Campaign => "campaigns",
            RecordKind::Disposition => "dispositions",
            RecordKind::AgentStatus => "agent-statuses",
        }
    }

    /// The kind whose collection segment this is.
    pub fn from_collection(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.collection() == segment)
    }

    /// How messages name one record of the kind: `user`, `agent status`, ….
    pub fn noun(self) -> &'static str {
        match self {
            RecordKind::User => "user",
            RecordKind::Campaign => "campaign",
            RecordKind::Disposition => "disposition",
            RecordKind::AgentStatus => "agent status",
        }
    }

    /// The names of the lists that hold this kind (none for users, who are in groups).
    pub fn lists(self) -> impl Iterator<Item = &'static str> {
        LISTS
            .into_iter()
            .filter(move |(kind, _)| *kind == self)
            .map(|(_, name)| name)
    }
}

/// One user, as `GET /users/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The account-wide id (one sequence for every kind).
    pub id: u64,
    /// The key the record was created with through the API; `None` for records made by hand.
    pub external_id: Option<String>,
    /// The login name, unique in the account (case-insensitively).
    pub username: String,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Whether the user may log in.
    pub active: bool,
    /// Names of the groups the user is in.
    pub groups: Vec<String>,
    /// Whether an administrator has set the user's password (never through the API).
    pub password_set: bool,
    /// When the record was created.
    #[serde(with = "iso_millis")]
    pub created_at: Timestamp,
    /// When the record last changed.
    #[serde(with = "iso_millis")]
    pub updated_at: Timestamp,
}

/// One campaign, disposition or agent status, as `GET /{collection}/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// The account-wide id (one sequence for every kind).
    pub id: u64,
    /// The key the record was created with through the API; `None` for records made by hand.
    pub external_id: Option<String>,
    /// Display name.
    pub name: String,
    /// Whether the item is in use.
    pub active: bool,
    /// The list the item is filed in (one of its kind's [`LISTS`]).
    pub list: String,
    /// When the record was created.
    #[serde(with = "iso_millis")]
    pub created_at: Timestamp,
    /// When the record last changed.
    #[serde(with = "iso_millis")]
    pub updated_at: Timestamp,
}

/// A record as the account holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Record {
    User(User),
    Item(Item),
}

/// A way a record can come out broken on the wire, for testing a connector's handling of
/// records it cannot map. The record itself stays well-formed in the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Malformation {
    /// The user's `username` or the item's `name` is missing.
    MissingName,
    /// `active` is the string `"yes"` instead of a boolean.
    StringActive,
}

impl Record {
    pub(crate) fn id(&self) -> u64 {
        match self {
            Record::User(user) => user.id,
            Record::Item(item) => item.id,
        }
    }

    pub(crate) fn external_id(&self) -> Option<&str> {
        match self {
            Record::User(user) => user.external_id.as_deref(),
            Record::Item(item) => item.external_id.as_deref(),
        }
    }

    /// The record's wire form, broken as `malformation` says.
    pub(crate) fn to_wire(
        &self,
        malformation: Option<Malformation>,
    ) -> Result<serde_json::Value, serde_json::Error> {
        let (mut value, name) = match self {
            Record::User(user) => (serde_json::to_value(user)?, "username"),
            Record::Item(item) => (serde_json::to_value(item)?, "name"),
        };
        if let (Some(broken), serde_json::Value::Object(fields)) = (malformation, &mut value) {
            match broken {
                Malformation::MissingName => {
                    fields.remove(name);
                }
                Malformation::StringActive => {
                    fields.insert("active".into(), "yes".into());
                }
            }
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Record {
        Record::Item(Item {
            id: 7,
            external_id: None,
            name: "Sales".into(),
            active: true,
            list: "CC Campaigns".into(),
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        })
    }

    #[test]
    fn an_item_goes_on_the_wire_flat_with_camel_case_names_and_null_external_id() {
        let wire = item().to_wire(None).unwrap();
        assert_eq!(
            wire,
            serde_json::json!({"id": 7, "externalId": null, "name": "Sales", "active": true,
                "list": "CC Campaigns", "createdAt": "1970-01-01T00:00:00.000Z",
                "updatedAt": "1970-01-01T00:00:00.000Z"})
        );
    }

    #[test]
    fn malformations_break_only_the_wire_form() {
        let record = item();
        let missing = record.to_wire(Some(Malformation::MissingName)).unwrap();
        assert!(missing.get("name").is_none());
        let string = record.to_wire(Some(Malformation::StringActive)).unwrap();
        assert_eq!(string["active"], "yes");
        assert_eq!(record.to_wire(None).unwrap()["name"], "Sales");
    }

    #[test]
    fn each_item_kind_has_its_synchronised_list_and_one_more() {
        assert_eq!(
            RecordKind::AgentStatus.lists().collect::<Vec<_>>(),
            ["CC Agent Status", "System Statuses"]
        );
        assert_eq!(RecordKind::User.lists().count(), 0);
        assert_eq!(
            RecordKind::from_collection("agent-statuses"),
            Some(RecordKind::AgentStatus)
        );
        assert_eq!(RecordKind::from_collection("teams"), None);
    }
}
