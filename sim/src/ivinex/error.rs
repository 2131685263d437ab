//! Errors of the Ivinex simulator's library API.

use std::net::SocketAddr;

use super::account::WriteError;
use super::model::RecordKind;

/// What went wrong starting or driving the Ivinex simulator.
#[derive(Debug, thiserror::Error)]
pub enum IvinexError {
    /// The simulator could not listen on its address (the port is taken, for example).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address it tried to listen on.
        addr: SocketAddr,
        /// Why it could not.
        #[source]
        source: std::io::Error,
    },
    /// A look-up or change named a record the account does not have (or no longer has).
    #[error("no {} with id {id}", kind.noun())]
    UnknownRecord {
        /// The kind looked in.
        kind: RecordKind,
        /// The id asked for.
        id: u64,
    },
    /// An administrator's change gives a record an external id another record of its kind
    /// has.
    #[error("{} {existing} already has externalId '{external_id}'", kind.noun())]
    ExternalIdTaken {
        /// The kind of both records.
        kind: RecordKind,
        /// The external id.
        external_id: String,
        /// The record that has it.
        existing: u64,
    },
    /// An administrator's change is not a change of this kind of record (an unknown field, a
    /// value of the wrong type).
    #[error("invalid {} change: {reason}", kind.noun())]
    InvalidChange {
        /// The kind of record changed.
        kind: RecordKind,
        /// Every problem, by field.
        reason: String,
    },
    /// A fault to inject is invalid (a status outside 400..=599).
    #[error("invalid fault: {0}")]
    InvalidFault(String),
}

impl IvinexError {
    /// The error for an administrator's write the account refused.
    pub(crate) fn from_write(kind: RecordKind, error: WriteError) -> Self {
        match error {
            WriteError::Conflict {
                existing,
                external_id,
            } => IvinexError::ExternalIdTaken {
                kind,
                external_id,
                existing,
            },
            WriteError::Invalid(fields) => IvinexError::InvalidChange {
                kind,
                reason: fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            },
        }
    }
}
