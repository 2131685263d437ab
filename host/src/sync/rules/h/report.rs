//! How the WFO hybrid family speaks to the operator: the billing report (rule H5) and the
//! CSV export (rule H6).

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use ccsync_store::{AccountStatus, WfoAccount};
use serde::Serialize;

/// What the family keeps, in reports.
pub const LABEL: &str = "WFO accounts";
/// One of them.
pub const NOUN: &str = "account";
/// What a paused WFO flow means for the people it serves.
pub const WHILE_PAUSED: &str = "WFO accounts stop following Central: new users get no \
     account and users deactivated in Central keep theirs until the flow is resumed";

/// A short human name of an account's user.
pub fn display(account: &WfoAccount) -> String {
    match (&account.first_name, &account.last_name, &account.username) {
        (Some(f), Some(l), _) => format!("{f} {l}"),
        (_, _, Some(u)) => u.clone(),
        _ => account.source_id.clone(),
    }
}

/// One billed user (rule H5), with what an operator should look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Billed {
    pub tenant: String,
    pub source_id: String,
    pub username: Option<String>,
    pub name: String,
    /// Locked in WFO: no portal access, still recorded and billed.
    pub locked: bool,
    /// Deactivated in WFO but still active in Central on `iWFO Enabled`: billed for nothing
    /// (move the user to `iWFO Not Enabled` in Central, or deactivate them there).
    pub deactivated_in_wfo: bool,
}

/// The billing report of a WFO store (rule H5): billed = active in Central on `iWFO Enabled`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Billing {
    /// Every billed user, in key order.
    pub billed: Vec<Billed>,
    /// Accounts in the store, billed or not.
    pub accounts: usize,
    /// Billed users deactivated in WFO.
    pub deactivated_but_billed: usize,
    /// Billed users locked in WFO.
    pub locked: usize,
}

/// The billing report over a store's accounts.
pub fn billing(accounts: &[WfoAccount]) -> Billing {
    let billed: Vec<Billed> = accounts
        .iter()
        .filter(|a| a.billed())
        .map(|a| Billed {
            tenant: a.tenant.clone(),
            source_id: a.source_id.clone(),
            username: a.username.clone(),
            name: display(a),
            locked: a.locked,
            deactivated_in_wfo: a.status == AccountStatus::Deactivated,
        })
        .collect();
    Billing {
        accounts: accounts.len(),
        deactivated_but_billed: billed.iter().filter(|b| b.deactivated_in_wfo).count(),
        locked: billed.iter().filter(|b| b.locked).count(),
        billed,
    }
}

/// The export's columns (rule H6), exactly as the seed names them, in its order.
pub const EXPORT_HEADERS: [&str; 13] = [
    "Username",
    "Password",
    "Locked (Y/N)",
    "First name",
    "Last name",
    "Email",
    "Active agent (Y/N)",
    "System username",
    "System domain",
    "Employee ID",
    "Site ID",
    "Phone1;phone2;phone3",
    "RoleID;roleID;roleID",
];

/// A cell as exported: one a spreadsheet would read as a formula (starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return) gets a leading `'`, so it reads as text.
pub fn neutralised(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// The export row of one account. The password is always empty: no password is ever stored.
/// "Active agent" is Y for an account with the Agent flag that is active in WFO.
pub fn export_row(account: &WfoAccount) -> [String; 13] {
    let yes_no = |flag: bool| if flag { "Y" } else { "N" }.to_owned();
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    [
        text(&account.username),
        String::new(),
        yes_no(account.locked),
        text(&account.first_name),
        text(&account.last_name),
        text(&account.email),
        yes_no(account.agent && account.status == AccountStatus::Active),
        text(&account.system_username),
        text(&account.system_domain),
        text(&account.employee_id),
        text(&account.site_id),
        account.phones.join(";"),
        account.roles.join(";"),
    ]
    .map(|cell| neutralised(&cell))
}

/// Writes the export of `accounts` to `path` atomically: into a temporary file beside it,
/// renamed over `path` only once complete, so a reader never sees half a file and a failed
/// export leaves an earlier one intact. Returns how many rows were written.
pub fn export(accounts: &[WfoAccount], path: &Path) -> anyhow::Result<usize> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    let mut writer = csv::Writer::from_writer(file);
    writer
        .write_record(EXPORT_HEADERS)
        .context("writing the header")?;
    for account in accounts {
        writer
            .write_record(export_row(account))
            .with_context(|| format!("writing account {}", account.source_id))?;
    }
    let mut file = writer
        .into_inner()
        .map_err(|e| e.into_error())
        .context("writing the export")?;
    file.flush().context("writing the export")?;
    file.as_file().sync_all().context("writing the export")?;
    file.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("moving the export into place at {}", path.display()))?;
    Ok(accounts.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccsync_store::Deactivator;
    use jiff::Timestamp;

    fn account(id: &str) -> WfoAccount {
        WfoAccount {
            store: "wfo".into(),
            tenant: "bu1".into(),
            source_id: id.into(),
            username: Some(format!("u{id}")),
            first_name: Some("Ann".into()),
            last_name: Some("Lee".into()),
            email: Some("ann@example.com".into()),
            employee_id: Some("E1".into()),
            site_id: Some("S1".into()),
            team_id: Some("T1".into()),
            security_profile_id: Some("P1".into()),
            central_active: true,
            team_enabled: true,
            agent: true,
            locked: false,
            status: AccountStatus::Active,
            deactivated_by: None,
            status_reason: None,
            phones: vec!["+1 555 0100".into(), "+1 555 0101".into()],
            roles: vec!["iWFOUser".into(), "QA".into()],
            system_username: None,
            system_domain: None,
            flow: "f".into(),
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn h5_billed_is_active_in_central_on_the_enabled_team_flagging_locked_and_wfo_deactivated() {
        let locked = WfoAccount {
            locked: true,
            ..account("1")
        };
        let wfo_off = WfoAccount {
            status: AccountStatus::Deactivated,
            deactivated_by: Some(Deactivator::Operator),
            ..account("2")
        };
        let not_enabled = WfoAccount {
            team_enabled: false,
            ..account("3")
        };
        let central_off = WfoAccount {
            central_active: false,
            ..account("4")
        };
        let report = billing(&[locked, wfo_off, not_enabled, central_off]);
        let ids: Vec<&str> = report.billed.iter().map(|b| b.source_id.as_str()).collect();
        assert_eq!(ids, ["1", "2"]);
        assert_eq!((report.locked, report.deactivated_but_billed), (1, 1));
    }

    #[test]
    fn h6_a_row_has_the_13_columns_an_empty_password_and_joined_phones_and_roles() {
        let row = export_row(&account("1"));
        assert_eq!(row.len(), EXPORT_HEADERS.len());
        assert_eq!(row[1], "", "no password is ever stored");
        // A phone number starts with `+`: neutralised like any such cell.
        assert_eq!(row[11], "'+1 555 0100;+1 555 0101");
        assert_eq!(row[12], "iWFOUser;QA");
        assert_eq!((row[2].as_str(), row[6].as_str()), ("N", "Y"));
    }

    #[test]
    fn h6_cells_that_would_read_as_formulas_are_neutralised() {
        for hostile in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralised(hostile), format!("'{hostile}"));
        }
        assert_eq!(neutralised("Ann"), "Ann");
    }
}
