//! Errors of the Admin API simulators' library API (the CXone ACD's and Central's).

use std::net::SocketAddr;

/// What went wrong starting or driving a simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The simulator could not listen on its address (the port is taken, for example).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address it tried to listen on.
        addr: SocketAddr,
        /// Why it could not.
        #[source]
        source: std::io::Error,
    },
    /// A look-up or change named an agent id the tenant does not have (or no longer has).
    #[error("no agent with agentId {0}")]
    UnknownAgent(u64),
    /// A change named a team id the tenant does not have.
    #[error("no team with teamId {0}")]
    UnknownTeam(u64),
    /// A change named a security profile id the tenant does not have.
    #[error("no security profile with securityProfileId {0}")]
    UnknownProfile(u64),
    /// A fault to inject is invalid (a status outside 400..=599).
    #[error("invalid fault: {0}")]
    InvalidFault(String),
    /// An agent change names an unknown field or gives a field a value of the wrong type.
    #[error("invalid agent change: {0}")]
    InvalidAgent(String),
}
