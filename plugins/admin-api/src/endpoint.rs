//! Which Admin API list endpoint serves each kind, and how its replies are shaped.
//!
//! One table, so that the paging code, the mapping and the error messages agree on the path,
//! the JSON key of the list, and the fields that identify a record in a report.

use connector_kit::wit::types::Kind;

/// One list endpoint of the Admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// The path below the versioned API base, e.g. `/agents`.
    pub path: &'static str,
    /// The key of the list in the reply body, e.g. `agents`.
    pub list_key: &'static str,
    /// The field holding the record's id, for reports on malformed records.
    pub id_field: &'static str,
    /// The field holding a human name for the record, for reports on malformed records.
    pub label_field: &'static str,
    /// Whether the endpoint takes `updatedSince` and answers with `lastPollTime`.
    pub incremental: bool,
}

/// The endpoint that lists `kind`.
pub fn endpoint(kind: Kind) -> Endpoint {
    let (path, list_key, id_field, label_field, incremental) = match kind {
        Kind::User => ("/agents", "agents", "agentId", "userName", true),
        Kind::Team => ("/teams", "teams", "teamId", "teamName", false),
        Kind::SecurityProfile => (
            "/security-profiles",
            "profiles",
            "securityProfileId",
            "securityProfileName",
            false,
        ),
        Kind::Campaign => ("/campaigns", "campaigns", "id", "name", false),
        Kind::Disposition => (
            "/dispositions",
            "dispositions",
            "dispositionId",
            "dispositionName",
            false,
        ),
        Kind::AgentStatus => (
            "/unavailable-codes",
            "unavailableCodes",
            "id",
            "name",
            false,
        ),
    };
    Endpoint {
        path,
        list_key,
        id_field,
        label_field,
        incremental,
    }
}

/// Every kind the connector reads: all of the contract's, in its order.
pub const KINDS: [Kind; 6] = connector_kit::KINDS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_agents_are_incremental() {
        for kind in KINDS {
            assert_eq!(endpoint(kind).incremental, kind == Kind::User, "{kind:?}");
        }
    }
}
