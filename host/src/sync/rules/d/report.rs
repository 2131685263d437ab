//! How the push family speaks to the operator.

/// What the family keeps, in reports.
pub const LABEL: &str = "pushed records";
/// One of them.
pub const NOUN: &str = "record";
