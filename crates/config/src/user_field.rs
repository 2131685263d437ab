//! The user fields a flow can require (rule W6), named as in the config file.
//!
//! A closed enum rather than strings, so a misspelt field is a config error and the sync code
//! reads a field through one `match` that the compiler keeps in step with `ccsync_model::User`.

use std::fmt;
use std::str::FromStr;

use ccsync_model::User;

/// An optional single-valued field of [`User`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UserField {
    /// The login name ([`User::username`]).
    Username,
    /// The given name ([`User::first_name`]).
    FirstName,
    /// The family name ([`User::last_name`]).
    LastName,
    /// The email address ([`User::email`]).
    Email,
    /// The id of the user's team ([`User::team_id`]).
    TeamId,
    /// The id of the user's security profile ([`User::security_profile_id`]).
    SecurityProfileId,
    /// The primary phone number ([`User::primary_phone`]).
    PrimaryPhone,
    /// The employee id ([`User::employee_id`]).
    EmployeeId,
    /// The id of the user's site ([`User::site_id`]).
    SiteId,
}

impl UserField {
    /// Every field, in the order of [`User`]'s fields.
    pub const ALL: [UserField; 9] = [
        UserField::Username,
        UserField::FirstName,
        UserField::LastName,
        UserField::Email,
        UserField::TeamId,
        UserField::SecurityProfileId,
        UserField::PrimaryPhone,
        UserField::EmployeeId,
        UserField::SiteId,
    ];

    /// The fields a WFM account requires unless a flow says otherwise (rule W6).
    pub const DEFAULT_REQUIRED: [UserField; 5] = [
        UserField::Username,
        UserField::FirstName,
        UserField::LastName,
        UserField::Email,
        UserField::EmployeeId,
    ];

    /// The name used in `required_fields`, which is also the `User` field's name.
    pub fn as_str(self) -> &'static str {
        match self {
            UserField::Username => "username",
            UserField::FirstName => "first_name",
            UserField::LastName => "last_name",
            UserField::Email => "email",
            UserField::TeamId => "team_id",
            UserField::SecurityProfileId => "security_profile_id",
            UserField::PrimaryPhone => "primary_phone",
            UserField::EmployeeId => "employee_id",
            UserField::SiteId => "site_id",
        }
    }

    /// The user's value for this field; `None` when absent. A blank value counts as present
    /// here: whether blank means missing is the sync rule's decision.
    pub fn value(self, user: &User) -> Option<&str> {
        match self {
            UserField::Username => user.username.as_deref(),
            UserField::FirstName => user.first_name.as_deref(),
            UserField::LastName => user.last_name.as_deref(),
            UserField::Email => user.email.as_deref(),
            UserField::TeamId => user.team_id.as_deref(),
            UserField::SecurityProfileId => user.security_profile_id.as_deref(),
            UserField::PrimaryPhone => user.primary_phone.as_deref(),
            UserField::EmployeeId => user.employee_id.as_deref(),
            UserField::SiteId => user.site_id.as_deref(),
        }
    }
}

impl fmt::Display for UserField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no user field.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "unknown user field \"{0}\" (expected one of: username, first_name, last_name, email, team_id, security_profile_id, primary_phone, employee_id, site_id)"
)]
pub struct UnknownUserField(pub String);

impl FromStr for UserField {
    type Err = UnknownUserField;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UserField::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownUserField(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_field_names_round_trip() {
        for field in UserField::ALL {
            assert_eq!(field.as_str().parse::<UserField>().unwrap(), field);
        }
        assert!("firstname".parse::<UserField>().is_err());
    }

    #[test]
    fn user_field_reads_the_matching_user_field() {
        let user = User {
            id: "1".into(),
            first_name: Some("Ann".into()),
            employee_id: Some("E7".into()),
            ..User::default()
        };
        assert_eq!(UserField::FirstName.value(&user), Some("Ann"));
        assert_eq!(UserField::EmployeeId.value(&user), Some("E7"));
        assert_eq!(UserField::LastName.value(&user), None);
    }
}
