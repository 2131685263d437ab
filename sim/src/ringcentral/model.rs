//! The records of the simulated directory, shaped as they go on the wire
//! (`sim/RINGCENTRAL-WIRE.md`), and where each one came from.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::RingCentralError;

/// An extension's `status`, with the API notes' five values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ExtensionStatus {
    /// In use: the only status the connector reports as active.
    Enabled,
    /// Switched off by an administrator.
    Disabled,
    /// Suspended (billing, for example).
    Frozen,
    /// Created, but its user never activated it.
    NotActivated,
    /// A number with no user assigned.
    Unassigned,
}

impl ExtensionStatus {
    /// Every status.
    pub const ALL: [Self; 5] = [
        Self::Enabled,
        Self::Disabled,
        Self::Frozen,
        Self::NotActivated,
        Self::Unassigned,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "Enabled",
            Self::Disabled => "Disabled",
            Self::Frozen => "Frozen",
            Self::NotActivated => "NotActivated",
            Self::Unassigned => "Unassigned",
        }
    }

    /// The status with this wire name (exact case, as the API compares it).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// An extension's `type`: the people (`User`, `DigitalUser`, `VirtualUser`) and the other kinds
/// of extension a directory has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ExtensionType {
    /// A person with a phone line: what the mapping looks for.
    User,
    /// A digital-channel agent seat.
    DigitalUser,
    /// A user without a phone line.
    VirtualUser,
    /// A call queue.
    Department,
    /// An announcement-only extension.
    Announcement,
    /// A voicemail-only extension.
    Voicemail,
    /// An auto-receptionist menu.
    IvrMenu,
    /// A call park location.
    ParkLocation,
    /// A limited extension (a common-area phone).
    Limited,
}

impl ExtensionType {
    /// Every type.
    pub const ALL: [Self; 9] = [
        Self::User,
        Self::DigitalUser,
        Self::VirtualUser,
        Self::Department,
        Self::Announcement,
        Self::Voicemail,
        Self::IvrMenu,
        Self::ParkLocation,
        Self::Limited,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::DigitalUser => "DigitalUser",
            Self::VirtualUser => "VirtualUser",
            Self::Department => "Department",
            Self::Announcement => "Announcement",
            Self::Voicemail => "Voicemail",
            Self::IvrMenu => "IvrMenu",
            Self::ParkLocation => "ParkLocation",
            Self::Limited => "Limited",
        }
    }

    /// The type with this wire name (exact case).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// An extension's `contact`; absent values are left out on the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Contact {
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Email, as the account holds it (case and spaces included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The business (direct) number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_phone: Option<String>,
    /// The mobile number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    /// The department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

/// One extension, as the directory returns it (the wire adds its `uri`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Extension {
    /// The extension id: unique in the account, a JSON integer (above 2^31 on purpose).
    pub id: u64,
    /// The short number dialled inside the account, a string.
    pub extension_number: String,
    /// The display name (`First Last` for people).
    pub name: String,
    /// The extension's type.
    #[serde(rename = "type")]
    pub kind: ExtensionType,
    /// The extension's status.
    pub status: ExtensionStatus,
    /// The contact details.
    pub contact: Contact,
}

impl Extension {
    /// The email trimmed and case-folded, as lookups compare it; `None` without one.
    pub fn normalized_email(&self) -> Option<String> {
        self.contact.email.as_deref().map(normalize_email)
    }
}

impl Extension {
    /// This extension with `patch` (wire field names) merged into its wire form, as a JSON merge
    /// patch: `null` clears a contact field, `contact` merges field by field. The `id` stays;
    /// unknown fields, unknown statuses or types and wrongly typed values are refused.
    pub fn patched(&self, patch: &Map<String, Value>) -> Result<Extension, RingCentralError> {
        let invalid =
            |error: serde_json::Error| RingCentralError::InvalidExtension(error.to_string());
        let mut value = serde_json::to_value(self).map_err(invalid)?;
        for (key, change) in patch {
            merge(&mut value[key.as_str()], change);
        }
        let mut patched: Extension = serde_json::from_value(value).map_err(invalid)?;
        patched.id = self.id;
        Ok(patched)
    }
}

/// RFC 7386: objects merge key by key, `null` removes, anything else replaces.
fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(fields), Value::Object(changes)) => {
            for (key, change) in changes {
                if change.is_null() {
                    fields.remove(key);
                } else {
                    merge(fields.entry(key.clone()).or_insert(Value::Null), change);
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

/// An email as the directory compares it: without surrounding spaces, lowercase.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Where an extension of the simulated directory came from: what tests on the other side of a
/// mapping need to know to expect an outcome without hard-coding one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Origin {
    /// The extension of the ACD agent with this id (same seed): same names, the agent's user
    /// name as email (with the generated case, spaces or absence).
    #[serde(rename_all = "camelCase")]
    Agent {
        /// The ACD agent's `agentId`.
        agent_id: u64,
    },
    /// A second `User` extension of that ACD agent's person, with the same email.
    #[serde(rename_all = "camelCase")]
    SecondAccount {
        /// The ACD agent's `agentId`.
        agent_id: u64,
    },
    /// A user the ACD does not have (the account's administrator is one).
    DirectoryOnly,
    /// An extension that is no person (a department, an IVR menu…).
    Service,
    /// Added through the control API.
    Added,
}

impl Origin {
    /// The ACD agent the extension was derived from, if any.
    pub fn agent_id(self) -> Option<u64> {
        match self {
            Origin::Agent { agent_id } | Origin::SecondAccount { agent_id } => Some(agent_id),
            Origin::DirectoryOnly | Origin::Service | Origin::Added => None,
        }
    }
}

/// An extension with its origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryRecord {
    /// The extension as it is now.
    pub extension: Extension,
    /// Where it came from.
    pub origin: Origin,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_and_are_case_sensitive() {
        for status in ExtensionStatus::ALL {
            assert_eq!(ExtensionStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json, status.as_str());
        }
        for kind in ExtensionType::ALL {
            assert_eq!(ExtensionType::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ExtensionStatus::parse("enabled"), None);
    }

    #[test]
    fn absent_contact_fields_are_left_out_of_the_wire_form() {
        let extension = Extension {
            id: 2_570_000_001,
            extension_number: "10001".into(),
            name: "Ann Lee".into(),
            kind: ExtensionType::User,
            status: ExtensionStatus::Enabled,
            contact: Contact {
                first_name: Some("Ann".into()),
                ..Contact::default()
            },
        };
        let json = serde_json::to_value(&extension).unwrap();
        assert_eq!(json["type"], "User");
        assert_eq!(json["contact"], serde_json::json!({"firstName": "Ann"}));
    }

    #[test]
    fn a_patch_merges_contact_fields_and_null_clears_one() {
        let extension = Extension {
            id: 7,
            extension_number: "10001".into(),
            name: "Ann Lee".into(),
            kind: ExtensionType::User,
            status: ExtensionStatus::Enabled,
            contact: Contact {
                first_name: Some("Ann".into()),
                email: Some("ann@x.com".into()),
                ..Contact::default()
            },
        };
        let patch = serde_json::json!({"status": "Disabled", "id": 9,
            "contact": {"email": null, "lastName": "Lee"}});
        let patched = extension.patched(patch.as_object().unwrap()).unwrap();
        assert_eq!(patched.id, 7);
        assert_eq!(patched.status, ExtensionStatus::Disabled);
        assert_eq!(patched.contact.email, None);
        assert_eq!(patched.contact.first_name.as_deref(), Some("Ann"));
        assert_eq!(patched.contact.last_name.as_deref(), Some("Lee"));
        for bad in [
            serde_json::json!({"status": "Asleep"}),
            serde_json::json!({"nickname": "A"}),
            serde_json::json!({"contact": {"email": 5}}),
        ] {
            assert!(
                extension.patched(bad.as_object().unwrap()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn emails_are_compared_trimmed_and_case_folded() {
        assert_eq!(normalize_email("  Ann.Lee@X.COM "), "ann.lee@x.com");
    }
}
