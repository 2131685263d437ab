//! Which contract kinds Ivinex has, and where each lives in its API.

use connector_kit::kind_name;

use crate::wit::types::{Entity, Error, Kind};

/// The kinds the connector reads and writes, in the contract's order.
pub const KINDS: [Kind; 4] = [
    Kind::User,
    Kind::Campaign,
    Kind::Disposition,
    Kind::AgentStatus,
];

/// The API collection of a kind (`/agent-statuses`); teams and security profiles have none.
pub fn collection(kind: Kind) -> Result<&'static str, Error> {
    match kind {
        Kind::User => Ok("/users"),
        Kind::Campaign => Ok("/campaigns"),
        Kind::Disposition => Ok("/dispositions"),
        Kind::AgentStatus => Ok("/agent-statuses"),
        Kind::Team | Kind::SecurityProfile => Err(Error::Unsupported(format!(
            "Ivinex has no {}s: only users, campaigns, dispositions and agent statuses",
            kind_name(kind)
        ))),
    }
}

/// The kind of a record.
pub fn entity_kind(entity: &Entity) -> Kind {
    match entity {
        Entity::User(_) => Kind::User,
        Entity::Team(_) => Kind::Team,
        Entity::SecurityProfile(_) => Kind::SecurityProfile,
        Entity::Campaign(_) => Kind::Campaign,
        Entity::Disposition(_) => Kind::Disposition,
        Entity::AgentStatus(_) => Kind::AgentStatus,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_read_has_a_collection_and_teams_are_unsupported() {
        for kind in KINDS {
            assert!(collection(kind).is_ok(), "{}", kind_name(kind));
        }
        assert!(matches!(
            collection(Kind::Team),
            Err(Error::Unsupported(m)) if m.contains("no teams")
        ));
        assert_eq!(collection(Kind::AgentStatus), Ok("/agent-statuses"));
    }
}
