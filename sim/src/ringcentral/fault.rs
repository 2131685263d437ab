//! What the RingCentral simulator's traffic means: the faults a test can have it answer with
//! and which paths a fault's prefix selects (the log and the fault rules themselves are
//! [`crate::traffic`]'s).

use serde::{Deserialize, Serialize};

use super::API_ACCOUNT_ROOT;

/// A failure the simulator answers with instead of the real response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Fault {
    /// HTTP 429 `CMN-301` with `Retry-After: <retry_after_secs>` (no penalty starts).
    #[serde(rename_all = "camelCase")]
    RateLimited {
        /// The seconds announced in `Retry-After`.
        retry_after_secs: u64,
    },
    /// An error status (400..=599): 401 answers like an expired token (`OAU-128`), 429 like a
    /// rate limit with `Retry-After: 1`, 404 `CMN-102`, other statuses their own error body.
    Status(u16),
    /// The real answer, with one record broken: the first extension's `contact` is a string
    /// instead of an object (on the token endpoint: the reply lacks `access_token`).
    MalformedRecord,
}

/// Whether `prefix` selects `path`: the full path (`/restapi/oauth/token`,
/// `/restapi/v1.0/account/~/extension`) or the path below the account
/// (`/extension`, `/extension/2570000001`).
pub(crate) fn path_matches(path: &str, prefix: &str) -> bool {
    path.starts_with(prefix) || below_account(path).is_some_and(|rest| rest.starts_with(prefix))
}

/// The part of an API path after `/restapi/v1.0/account/<account id>`.
pub(crate) fn below_account(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(API_ACCOUNT_ROOT)?.strip_prefix('/')?;
    let slash = rest.find('/')?;
    Some(&rest[slash..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_full_paths_and_paths_below_the_account() {
        let list = "/restapi/v1.0/account/~/extension";
        assert!(path_matches(list, "/extension"));
        assert!(path_matches(list, list));
        assert!(path_matches(
            "/restapi/v1.0/account/~/extension/25",
            "/extension"
        ));
        assert!(path_matches("/restapi/oauth/token", "/restapi/oauth"));
        assert!(!path_matches("/restapi/oauth/token", "/extension"));
        assert_eq!(
            below_account("/restapi/v1.0/account/37439510/extension/9"),
            Some("/extension/9")
        );
    }

    #[test]
    fn faults_have_a_json_form_for_the_control_api() {
        let fault: Fault =
            serde_json::from_str(r#"{"rateLimited": {"retryAfterSecs": 3}}"#).unwrap();
        assert_eq!(
            fault,
            Fault::RateLimited {
                retry_after_secs: 3
            }
        );
        let fault: Fault = serde_json::from_str(r#""malformedRecord""#).unwrap();
        assert_eq!(fault, Fault::MalformedRecord);
    }
}
