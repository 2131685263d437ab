//! Errors of the simulator's library API.

use std::net::SocketAddr;

/// What went wrong starting or driving a simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("no agent with agentId {0}")]
    UnknownAgent(u64),
    #[error("no team with teamId {0}")]
    UnknownTeam(u64),
    #[error("no security profile with securityProfileId {0}")]
    UnknownProfile(u64),
    #[error("invalid fault: {0}")]
    InvalidFault(String),
    #[error("invalid agent change: {0}")]
    InvalidAgent(String),
}
