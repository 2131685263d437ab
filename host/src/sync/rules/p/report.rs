//! How the mapping family speaks to the operator.

/// What the family keeps, in reports.
pub const LABEL: &str = "user links";
/// One of them.
pub const NOUN: &str = "link";
