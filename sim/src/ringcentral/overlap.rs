//! What a mapping between the ACD simulator's people and this directory should find, computed
//! from the same seed: tests on the host side ask here instead of hard-coding outcomes.

use serde::{Deserialize, Serialize};

use super::model::{Extension, ExtensionStatus};

/// The directory users an ACD agent's email finds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentMatch {
    /// The base ACD agent's `agentId` (of `AcdSimConfig::new(seed, users)`).
    pub agent_id: u64,
    /// The agent's `emailAddress` as the ACD simulator generates it (changes made through the
    /// ACD simulator's control API are not seen here).
    pub email: Option<String>,
    /// The `User` extensions (any status) whose email equals it, trimmed and case-folded, in id
    /// order: what `find-by-email` with `type=User` returns for it.
    pub users: Vec<Extension>,
}

/// How an agent's email fares in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MatchOutcome {
    /// The ACD agent has no email.
    NoEmail,
    /// No `User` extension has the email.
    NoMatch,
    /// Exactly one `User` extension has it.
    #[serde(rename_all = "camelCase")]
    Unique {
        /// Its extension id.
        id: u64,
        /// Its status (the host decides what a non-`Enabled` match means).
        status: ExtensionStatus,
    },
    /// Several `User` extensions have it: their ids.
    Several(Vec<u64>),
}

impl AgentMatch {
    /// The outcome of looking the agent's email up.
    pub fn outcome(&self) -> MatchOutcome {
        match (&self.email, self.users.as_slice()) {
            (None, _) => MatchOutcome::NoEmail,
            (Some(_), []) => MatchOutcome::NoMatch,
            (Some(_), [one]) => MatchOutcome::Unique {
                id: one.id,
                status: one.status,
            },
            (Some(_), several) => MatchOutcome::Several(several.iter().map(|e| e.id).collect()),
        }
    }
}
