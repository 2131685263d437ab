//! What the ACD simulator's traffic means: the faults it injects and which paths a prefix
//! selects (the log, the fault rules and the stalls themselves are [`crate::traffic`]'s).

use serde::{Deserialize, Serialize};

use super::API_ROOT;

/// A failure the simulator answers with instead of the real response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Fault {
    /// HTTP 429 with `Retry-After: <retry_after_secs>`.
    #[serde(rename_all = "camelCase")]
    RateLimited {
        /// The seconds announced in `Retry-After`.
        retry_after_secs: u64,
    },
    /// An error status (400..=599, normally 5xx) with the CXone error body and
    /// `icStatusDescription` header.
    Status(u16),
}

/// Whether `prefix` selects `path`. A prefix is matched against the full path
/// (`/auth/token`, `/inContactAPI/services/v27.0/agents`) and against the path below the
/// versioned API base (`/agents`), so tests need not spell out the API version.
pub fn path_matches(path: &str, prefix: &str) -> bool {
    path.starts_with(prefix) || api_relative(path).is_some_and(|rest| rest.starts_with(prefix))
}

/// The part of an Admin API path after `/inContactAPI/services/<version>`.
fn api_relative(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(API_ROOT)?.strip_prefix('/')?;
    let slash = rest.find('/')?;
    Some(&rest[slash..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_full_paths_and_paths_below_the_api_version() {
        let agents = "/inContactAPI/services/v27.0/agents";
        assert!(path_matches(agents, "/agents"));
        assert!(path_matches(agents, "/inContactAPI/services/v27.0/agents"));
        assert!(path_matches(agents, "/inContactAPI"));
        assert!(!path_matches(agents, "/teams"));
        assert!(path_matches("/auth/token", "/auth"));
        assert!(!path_matches("/auth/token", "/agents"));
    }
}
