//! Errors of the RingCentral simulator's library API.

use std::net::SocketAddr;

/// What went wrong starting or driving the RingCentral simulator.
#[derive(Debug, thiserror::Error)]
pub enum RingCentralError {
    /// The simulator could not listen on its address (the port is taken, for example).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address it tried to listen on.
        addr: SocketAddr,
        /// Why it could not.
        #[source]
        source: std::io::Error,
    },
    /// A look-up or change named an extension id the directory does not have.
    #[error("no extension with id {0}")]
    UnknownExtension(u64),
    /// An extension change gives a field a value of the wrong type or an unknown status/type.
    #[error("invalid extension change: {0}")]
    InvalidExtension(String),
    /// A fault to inject is invalid (a status outside 400..=599).
    #[error("invalid fault: {0}")]
    InvalidFault(String),
    /// A time scale that does not divide a minute evenly (or is zero).
    #[error(
        "time scale {0} is not allowed: it must divide 60 evenly (one of {allowed}) so that \
         every duration the simulator sends is a whole number of real seconds",
        allowed = super::ALLOWED_TIME_SCALES.map(|s| s.to_string()).join(", ")
    )]
    InvalidTimeScale(u32),
}
