//! Every detail of the simulated RingCentral directory that no public source confirmed: the
//! shares of the generated variety, the error codes and messages the API notes leave open, and
//! the account id and scope of the simulated app.
//!
//! They live here, and only here, so that when a real account shows otherwise the change is one
//! edit. `sim/RINGCENTRAL-WIRE.md` records the same assumptions for the connector.

use super::model::{ExtensionStatus, ExtensionType};

/// ASSUMED: the account id that `~` stands for (real ids are opaque integers).
pub const ACCOUNT_ID: u64 = 37_439_510;

/// ASSUMED: the scope a JWT app that reads the directory is granted.
pub const SCOPE: &str = "ReadAccounts";

// ---- shares of the generated variety, in per mille ------------------------------------------

/// ACD people with no extension at all.
pub const ABSENT_PER_MILLE: u64 = 50;
/// People whose extension has no `contact.email`.
pub const NO_EMAIL_PER_MILLE: u64 = 20;
/// People whose directory email is the ACD user name in upper case (a case difference).
pub const UPPER_CASE_EMAIL_PER_MILLE: u64 = 60;
/// People whose directory email has spaces around it.
pub const SPACED_EMAIL_PER_MILLE: u64 = 20;
/// People with a second `User` extension carrying the same email (an ambiguous match).
pub const SECOND_ACCOUNT_PER_MILLE: u64 = 15;
/// People whose extension is a `DigitalUser`, which `type=User` leaves out.
pub const DIGITAL_USER_PER_MILLE: u64 = 10;
/// Directory-only users (no ACD person), per ACD person.
pub const DIRECTORY_ONLY_PER_MILLE: u64 = 50;
/// Extensions that are no person at all (departments, IVR menus…), per ACD person.
pub const SERVICE_PER_MILLE: u64 = 20;
/// Extensions with a business phone.
pub const BUSINESS_PHONE_PER_MILLE: u64 = 900;
/// Extensions with a mobile phone.
pub const MOBILE_PHONE_PER_MILLE: u64 = 300;
/// Extensions with a department.
pub const DEPARTMENT_PER_MILLE: u64 = 700;
/// Service extensions with an email.
pub const SERVICE_EMAIL_PER_MILLE: u64 = 500;

/// The status of a generated user extension: each with its share in per mille (adding up to
/// 1000); the statuses are the API notes', the shares assumed.
pub const STATUS_SHARES: &[(ExtensionStatus, u64)] = &[
    (ExtensionStatus::Enabled, 880),
    (ExtensionStatus::Disabled, 60),
    (ExtensionStatus::NotActivated, 30),
    (ExtensionStatus::Frozen, 20),
    (ExtensionStatus::Unassigned, 10),
];

/// The types of generated service extensions.
pub const SERVICE_TYPES: &[ExtensionType] = &[
    ExtensionType::Department,
    ExtensionType::IvrMenu,
    ExtensionType::Announcement,
    ExtensionType::ParkLocation,
    ExtensionType::Limited,
    ExtensionType::Voicemail,
];

/// Department names of generated extensions.
pub const DEPARTMENTS: &[&str] = &[
    "Sales",
    "Support",
    "Billing",
    "Retention",
    "Operations",
    "Back Office",
];

// ---- error codes and messages the notes leave open ------------------------------------------

/// An OAuth failure: the OAuth `error`, the RingCentral `errorCode` and the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuthFailure {
    /// HTTP status.
    pub status: u16,
    /// The OAuth 2 `error` (`invalid_client`, `invalid_grant`…).
    pub error: &'static str,
    /// RingCentral's `errorCode`.
    pub code: &'static str,
    /// The human message.
    pub message: &'static str,
}

/// ASSUMED code: the Basic client credentials are missing or wrong.
pub const BAD_CLIENT: OAuthFailure = OAuthFailure {
    status: 401,
    error: "invalid_client",
    code: "OAU-123",
    message: "Invalid client",
};
/// ASSUMED code: the JWT assertion is not the credential issued for this app.
pub const BAD_ASSERTION: OAuthFailure = OAuthFailure {
    status: 400,
    error: "invalid_grant",
    code: "OAU-140",
    message: "Invalid JWT assertion",
};
/// ASSUMED code: the refresh token is unknown, used up or expired.
pub const BAD_REFRESH_TOKEN: OAuthFailure = OAuthFailure {
    status: 400,
    error: "invalid_grant",
    code: "OAU-211",
    message: "Refresh token is invalid or expired",
};
/// ASSUMED code: a parameter of the token request is missing.
pub const MISSING_PARAMETER: OAuthFailure = OAuthFailure {
    status: 400,
    error: "invalid_request",
    code: "OAU-101",
    message: "Required parameter is missing",
};
/// ASSUMED code: a grant other than the JWT bearer and refresh grants.
pub const UNSUPPORTED_GRANT: OAuthFailure = OAuthFailure {
    status: 400,
    error: "unsupported_grant_type",
    code: "OAU-101",
    message: "Unsupported grant type",
};

/// The API notes' code of an expired access token.
pub const TOKEN_EXPIRED: (&str, &str) = ("OAU-128", "Access token expired");
/// ASSUMED code: a missing or unknown access token.
pub const TOKEN_UNKNOWN: (&str, &str) = ("OAU-213", "Token not found");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_shares_add_up_to_one_thousand_per_mille() {
        assert_eq!(STATUS_SHARES.iter().map(|(_, s)| s).sum::<u64>(), 1000);
    }

    #[test]
    fn service_extensions_are_never_users() {
        assert!(!SERVICE_TYPES.contains(&ExtensionType::User));
    }
}
