//! What the Ivinex simulator's traffic means: the faults it injects and which paths a prefix
//! selects (the log, the fault rules and the stalls themselves are [`crate::traffic`]'s).

use serde::{Deserialize, Serialize};

use super::API_ROOT;

/// A failure the simulator gives a request instead of its normal answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Fault {
    /// 401 `invalid_token`, as for an expired token (the token itself stays valid).
    Unauthorized,
    /// 429 with `Retry-After: <retry_after_secs>`.
    #[serde(rename_all = "camelCase")]
    RateLimited {
        /// The seconds announced in `Retry-After`.
        retry_after_secs: u64,
    },
    /// An error status (400..=599, normally 5xx) with the Ivinex error body.
    Status(u16),
    /// The request is carried out (a create stores its record) but its reply never comes: the
    /// simulator holds it until the client gives up and goes away, so the client sees its own
    /// timeout. A reply still held when the simulator shuts down is answered 503 then.
    LoseReply,
}

/// Whether `prefix` selects `path`: the full path (`/api/v1/users/1001`) or the path below
/// the API root (`/users`, `/auth/token`) starts with it.
pub fn path_matches(path: &str, prefix: &str) -> bool {
    path.starts_with(prefix)
        || path
            .strip_prefix(API_ROOT)
            .is_some_and(|rest| rest.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_full_paths_and_paths_below_the_api_root() {
        assert!(path_matches("/api/v1/users/1001", "/users"));
        assert!(path_matches("/api/v1/users", "/api/v1/users"));
        assert!(path_matches("/api/v1/auth/token", "/auth"));
        assert!(!path_matches("/api/v1/users", "/campaigns"));
        assert!(!path_matches("/_sim/info", "/users"));
    }
}
