//! The contract's kinds by the names the WIT gives them, for cursors, messages and manifests.

use crate::wit::types::Kind;

/// Every kind of the contract, in its order.
pub const KINDS: [Kind; 6] = [
    Kind::User,
    Kind::Team,
    Kind::SecurityProfile,
    Kind::Campaign,
    Kind::Disposition,
    Kind::AgentStatus,
];

/// The kind's name as the WIT spells it (`agent-status`).
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "user",
        Kind::Team => "team",
        Kind::SecurityProfile => "security-profile",
        Kind::Campaign => "campaign",
        Kind::Disposition => "disposition",
        Kind::AgentStatus => "agent-status",
    }
}

/// The kind named `name`, as [`kind_name`] spells it.
pub fn kind_from_name(name: &str) -> Option<Kind> {
    KINDS.into_iter().find(|k| kind_name(*k) == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip_for_every_kind() {
        for kind in KINDS {
            assert_eq!(kind_from_name(kind_name(kind)), Some(kind));
        }
        assert_eq!(kind_from_name("users"), None);
    }
}
