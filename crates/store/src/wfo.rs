//! The hub's WFO store: hybrid WFO user accounts (rules H1–H6), fed from inContact Central.
//!
//! A WFO account holds two kinds of fields, kept apart because different people own them
//! (rule H1): what Central owns (name, username, email, team, security profile, whether the
//! user is active in Central), which every sync brings in line; and what is WFO-local (the
//! Agent flag, the lock, a WFO deactivation, the phones, the roles, the system login), which a
//! sync never overwrites except where a rule says so (H3 phones; H4 a Central deactivation).
//!
//! Accounts are keyed like WFM accounts, by (store, tenant, source id), are never deleted,
//! and log to the same append-only `account_log` (so `ccsync log` shows them with the rest);
//! an operator's act (a lock, a deactivation) is logged with origin `operator`, and who did
//! it and why in its reason. Writes are compare-and-set on `updated_at`, as for accounts.

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{Connection, TransactionBehavior, params};
use serde::Serialize;

use crate::Store;
use crate::accounts::{AccountContext, AccountStatus, append_entry};
use crate::codec::{RowReader, id_list, now_text, text_enum, timestamp_text};
use crate::error::{Result, SqlContext, StoreError};
use crate::log::{FieldChange, LogAction};

/// Migration 9: WFO accounts, and operators' acts in the account log.
pub(crate) const MIGRATION: &str = r#"
-- Hybrid WFO accounts (store::wfo). Never deleted.
CREATE TABLE wfo_accounts (
    store                TEXT    NOT NULL,
    tenant               TEXT    NOT NULL,
    source_id            TEXT    NOT NULL,
    -- Owned by Central (rule H1).
    username             TEXT,
    first_name           TEXT,
    last_name            TEXT,
    email                TEXT,
    employee_id          TEXT,
    site_id              TEXT,
    team_id              TEXT,
    security_profile_id  TEXT,
    central_active       INTEGER NOT NULL CHECK (central_active IN (0, 1)),
    -- On the team whose users are recorded and billed at the last sync (rule H5).
    team_enabled         INTEGER NOT NULL CHECK (team_enabled IN (0, 1)),
    -- WFO-local.
    agent                INTEGER NOT NULL CHECK (agent IN (0, 1)),
    locked               INTEGER NOT NULL CHECK (locked IN (0, 1)),
    status               TEXT    NOT NULL CHECK (status IN ('active', 'deactivated')),
    deactivated_by       TEXT    CHECK (deactivated_by IN ('central', 'operator')),
    status_reason        TEXT,
    phones               TEXT    NOT NULL DEFAULT '[]',
    roles                TEXT    NOT NULL DEFAULT '[]',
    system_username      TEXT,
    system_domain        TEXT,
    flow                 TEXT    NOT NULL,
    created_at           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL,
    PRIMARY KEY (store, tenant, source_id)
) STRICT;
CREATE TRIGGER wfo_accounts_no_delete BEFORE DELETE ON wfo_accounts
BEGIN
    SELECT RAISE(ABORT, 'WFO accounts are never deleted: deactivate them instead');
END;

-- The account log learns a third origin, an operator's act on one account (a WFO lock, logged
-- as an update of `locked`, or a deactivation). SQLite cannot alter a CHECK: the table is
-- rebuilt, rows, ids, indexes and append-only triggers kept.
CREATE TABLE account_log_v9 (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT    NOT NULL,
    store      TEXT    NOT NULL,
    tenant     TEXT    NOT NULL,
    source_id  TEXT    NOT NULL,
    display    TEXT,
    action     TEXT    NOT NULL CHECK (action IN ('create', 'update', 'deactivate', 'reactivate',
                                                  'skip')),
    reason     TEXT,
    changes    TEXT    NOT NULL DEFAULT '[]',
    origin     TEXT    NOT NULL CHECK (origin IN ('sync', 'mass-update', 'operator')),
    run        INTEGER REFERENCES runs (id),
    flow       TEXT
) STRICT;
INSERT INTO account_log_v9 (id, at, store, tenant, source_id, display, action, reason, changes,
                            origin, run, flow)
    SELECT id, at, store, tenant, source_id, display, action, reason, changes, origin, run, flow
    FROM account_log;
DROP TABLE account_log;
ALTER TABLE account_log_v9 RENAME TO account_log;
CREATE INDEX account_log_by_account ON account_log (store, tenant, source_id, id);
CREATE INDEX account_log_by_source_id ON account_log (source_id, id);
CREATE INDEX account_log_by_run ON account_log (run, id);
CREATE TRIGGER account_log_no_update BEFORE UPDATE ON account_log
BEGIN
    SELECT RAISE(ABORT, 'the account log is append-only: rows cannot be updated');
END;
CREATE TRIGGER account_log_no_delete BEFORE DELETE ON account_log
BEGIN
    SELECT RAISE(ABORT, 'the account log is append-only: rows cannot be deleted');
END;
"#;

text_enum! {
    /// Who deactivated a WFO account (rule H4): Central's deactivation follows Central, an
    /// operator's holds until an operator reactivates.
    pub enum Deactivator ("WFO deactivator") {
        /// The user was deactivated in Central; the account returns when Central reactivates
        /// the user.
        Central = "central",
        /// An operator deactivated the account in WFO; only an explicit reactivation brings it
        /// back.
        Operator = "operator",
    }
}

/// A hybrid WFO account as stored (or as a writer wants it stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WfoAccount {
    /// The hub store the account lives in.
    pub store: String,
    /// The source tenant (the Central business unit) that feeds it.
    pub tenant: String,
    /// The user's id in Central.
    pub source_id: String,
    /// Login name (Central's).
    pub username: Option<String>,
    /// Given name (Central's).
    pub first_name: Option<String>,
    /// Family name (Central's).
    pub last_name: Option<String>,
    /// Email (Central's).
    pub email: Option<String>,
    /// Employee id (Central's).
    pub employee_id: Option<String>,
    /// Site id (Central's).
    pub site_id: Option<String>,
    /// Central team.
    pub team_id: Option<String>,
    /// Central security profile.
    pub security_profile_id: Option<String>,
    /// Whether the user is active in Central.
    pub central_active: bool,
    /// Whether the user was on the recorded (billed) team at the last sync (rule H5).
    pub team_enabled: bool,
    /// The Agent flag: on when the account was created, WFO-local after (rule H2).
    pub agent: bool,
    /// Locked in WFO: temporarily no portal access, still recorded and billed (rule H4).
    pub locked: bool,
    /// Whether the account is active in WFO.
    pub status: AccountStatus,
    /// Who deactivated it; `None` while active.
    pub deactivated_by: Option<Deactivator>,
    /// Why it is deactivated; `None` while active.
    pub status_reason: Option<String>,
    /// The WFO phones (rule H3 keeps them in step with Central's primary phone).
    pub phones: Vec<String>,
    /// WFO role ids.
    pub roles: Vec<String>,
    /// The system (domain) login recorded screens are matched by; WFO-local.
    pub system_username: Option<String>,
    /// The domain of the system login; WFO-local.
    pub system_domain: Option<String>,
    /// The flow that last derived the account.
    pub flow: String,
    /// Set by the store on insert.
    pub created_at: Timestamp,
    /// The version a compare-and-set write checks.
    pub updated_at: Timestamp,
}

impl WfoAccount {
    /// The fields that differ between `old` (none: a new account) and `new`, old -> new; the
    /// key, the flow and the times are not fields.
    pub fn differences(old: Option<&WfoAccount>, new: &WfoAccount) -> Vec<FieldChange> {
        const NOT_FIELDS: [&str; 6] = [
            "store",
            "tenant",
            "source_id",
            "flow",
            "created_at",
            "updated_at",
        ];
        let as_map = |account: &WfoAccount| match serde_json::to_value(account) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let old = old.map(as_map).unwrap_or_default();
        as_map(new)
            .into_iter()
            .filter(|(field, _)| !NOT_FIELDS.contains(&field.as_str()))
            .filter_map(|(field, new)| {
                let old = old.get(&field).cloned().unwrap_or(serde_json::Value::Null);
                (old != new).then_some(FieldChange { field, old, new })
            })
            .collect()
    }

    /// Whether the account is billed (rule H5): active in Central on the recorded team,
    /// whatever WFO says of it (a locked or WFO-deactivated account is still billed).
    pub fn billed(&self) -> bool {
        self.central_active && self.team_enabled
    }
}

/// One WFO account change to commit, with its log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WfoChange {
    /// The account's new state; `None` for a skip, which writes only its log entry.
    pub account: Option<WfoAccount>,
    /// The source tenant.
    pub tenant: String,
    /// The user's id in Central.
    pub source_id: String,
    /// The `updated_at` the change was computed from; `None` for an insert.
    pub expected: Option<Timestamp>,
    /// A short human name of the user, for the log.
    pub display: Option<String>,
    /// What the change does.
    pub action: LogAction,
    /// Why, in words for an operator (an operator's act says who and why).
    pub reason: Option<String>,
    /// Changed fields, old -> new.
    pub changes: Vec<FieldChange>,
}

const COLUMNS: &str = "store, tenant, source_id, username, first_name, last_name, email, \
     employee_id, site_id, team_id, security_profile_id, central_active, team_enabled, agent, \
     locked, status, deactivated_by, status_reason, phones, roles, system_username, \
     system_domain, flow, created_at, updated_at";

impl Store {
    /// The WFO accounts among `ids` of one store and tenant, by source id.
    pub fn wfo_accounts_by_ids(
        &self,
        store: &str,
        tenant: &str,
        ids: &[&str],
    ) -> Result<HashMap<String, WfoAccount>> {
        const OP: &str = "wfo_accounts_by_ids";
        let key = || format!("store {store}, tenant {tenant}, {} ids", ids.len());
        let ids_json = id_list(ids, OP, key)?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM wfo_accounts WHERE store = ?1 AND tenant = ?2
                 AND source_id IN (SELECT value FROM json_each(?3))"
            ))
            .ctx(OP, key)?;
        let mut rows = stmt.query(params![store, tenant, ids_json]).ctx(OP, key)?;
        let mut out = HashMap::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            let account = from_row(row, OP)?;
            out.insert(account.source_id.clone(), account);
        }
        Ok(out)
    }

    /// Every WFO account of `store` (of one tenant, when given), in key order.
    pub fn list_wfo_accounts(&self, store: &str, tenant: Option<&str>) -> Result<Vec<WfoAccount>> {
        const OP: &str = "list_wfo_accounts";
        let key = || format!("store {store}");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM wfo_accounts
                 WHERE store = ?1 AND (?2 IS NULL OR tenant = ?2)
                 ORDER BY tenant, source_id"
            ))
            .ctx(OP, key)?;
        let mut rows = stmt.query(params![store, tenant]).ctx(OP, key)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            out.push(from_row(row, OP)?);
        }
        Ok(out)
    }

    /// The WFO accounts of `store` with source id `source_id`, of any tenant.
    pub fn find_wfo_accounts(&self, store: &str, source_id: &str) -> Result<Vec<WfoAccount>> {
        const OP: &str = "find_wfo_accounts";
        let key = || format!("store {store}, id {source_id}");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM wfo_accounts WHERE store = ?1 AND source_id = ?2
                 ORDER BY tenant"
            ))
            .ctx(OP, key)?;
        let mut rows = stmt.query(params![store, source_id]).ctx(OP, key)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            out.push(from_row(row, OP)?);
        }
        Ok(out)
    }

    /// How many WFO accounts of `store` fed by `tenant` are active.
    pub fn count_active_wfo_accounts(&self, store: &str, tenant: &str) -> Result<u64> {
        const OP: &str = "count_active_wfo_accounts";
        self.conn
            .prepare_cached(
                "SELECT count(*) FROM wfo_accounts
                 WHERE store = ?1 AND tenant = ?2 AND status = 'active'",
            )
            .ctx(OP, || format!("store {store}, tenant {tenant}"))?
            .query_row(params![store, tenant], |row| row.get(0))
            .ctx(OP, || format!("store {store}, tenant {tenant}"))
    }

    /// Whether any WFO account of `store` for `tenant` is active.
    pub fn any_active_wfo_account(&self, store: &str, tenant: &str) -> Result<bool> {
        const OP: &str = "any_active_wfo_account";
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM wfo_accounts
                     WHERE store = ?1 AND tenant = ?2 AND status = 'active')",
            )
            .ctx(OP, || format!("store {store}, tenant {tenant}"))?
            .query_row(params![store, tenant], |row| row.get(0))
            .ctx(OP, || format!("store {store}, tenant {tenant}"))
    }

    /// Commits WFO account changes and their log entries in one transaction; a change from a
    /// stale version (someone changed the account since it was read) fails the whole batch.
    pub fn commit_wfo(
        &mut self,
        context: &AccountContext<'_>,
        changes: &[WfoChange],
    ) -> Result<()> {
        const OP: &str = "commit_wfo";
        let key = || format!("store {}, {} changes", context.store, changes.len());
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(OP, key)?;
        write_changes(&tx, context, changes, &now_text())?;
        tx.commit().ctx(OP, key)
    }
}

/// Writes WFO account changes and their log entries inside the caller's transaction.
pub(crate) fn write_changes(
    conn: &Connection,
    context: &AccountContext<'_>,
    changes: &[WfoChange],
    now: &str,
) -> Result<()> {
    for change in changes {
        if let Some(account) = &change.account {
            write(conn, account, change.expected, now)?;
        }
        append_entry(
            conn,
            context,
            &change.tenant,
            &change.source_id,
            change.display.as_deref(),
            change.action,
            change.reason.as_deref(),
            &change.changes,
            now,
        )?;
    }
    Ok(())
}

fn write(
    conn: &Connection,
    account: &WfoAccount,
    expected: Option<Timestamp>,
    now: &str,
) -> Result<()> {
    const OP: &str = "commit_wfo: write account";
    let key = || {
        format!(
            "store {}, tenant {}, id {}",
            account.store, account.tenant, account.source_id
        )
    };
    let encode = |what: &'static str, list: &[String]| {
        serde_json::to_string(list).map_err(|source| StoreError::Encode {
            op: OP,
            key: key(),
            what,
            source,
        })
    };
    let phones = encode("the phones", &account.phones)?;
    let roles = encode("the roles", &account.roles)?;
    let a = account;
    let values = params![
        a.store,
        a.tenant,
        a.source_id,
        a.username,
        a.first_name,
        a.last_name,
        a.email,
        a.employee_id,
        a.site_id,
        a.team_id,
        a.security_profile_id,
        a.central_active,
        a.team_enabled,
        a.agent,
        a.locked,
        a.status,
        a.deactivated_by,
        a.status_reason,
        phones,
        roles,
        a.system_username,
        a.system_domain,
        a.flow,
        now,
    ];
    let written = match expected {
        None => conn
            .prepare_cached(&format!(
                "INSERT INTO wfo_accounts ({COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                         ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?24)
                 ON CONFLICT DO NOTHING"
            ))
            .ctx(OP, key)?
            .execute(values)
            .ctx(OP, key)?,
        Some(expected) => {
            let expected = timestamp_text(expected);
            let mut all: Vec<&dyn rusqlite::ToSql> = values.to_vec();
            all.push(&expected);
            conn.prepare_cached(
                "UPDATE wfo_accounts SET username = ?4, first_name = ?5, last_name = ?6,
                     email = ?7, employee_id = ?8, site_id = ?9, team_id = ?10,
                     security_profile_id = ?11, central_active = ?12, team_enabled = ?13,
                     agent = ?14, locked = ?15, status = ?16, deactivated_by = ?17,
                     status_reason = ?18, phones = ?19, roles = ?20, system_username = ?21,
                     system_domain = ?22, flow = ?23, updated_at = ?24
                 WHERE store = ?1 AND tenant = ?2 AND source_id = ?3 AND updated_at = ?25",
            )
            .ctx(OP, key)?
            .execute(all.as_slice())
            .ctx(OP, key)?
        }
    };
    if written != 1 {
        return Err(StoreError::InvalidInput {
            op: OP,
            key: key(),
            detail: "the WFO account changed since it was read (a sync beside an operator's \
                     act); nothing was written, try again"
                .into(),
        });
    }
    Ok(())
}

fn from_row(row: &rusqlite::Row<'_>, op: &'static str) -> Result<WfoAccount> {
    let r = RowReader::new(row, op, "wfo_accounts", String::new());
    Ok(WfoAccount {
        store: r.get("store")?,
        tenant: r.get("tenant")?,
        source_id: r.get("source_id")?,
        username: r.get("username")?,
        first_name: r.get("first_name")?,
        last_name: r.get("last_name")?,
        email: r.get("email")?,
        employee_id: r.get("employee_id")?,
        site_id: r.get("site_id")?,
        team_id: r.get("team_id")?,
        security_profile_id: r.get("security_profile_id")?,
        central_active: r.flag("central_active")?,
        team_enabled: r.flag("team_enabled")?,
        agent: r.flag("agent")?,
        locked: r.flag("locked")?,
        status: r.parse("status")?,
        deactivated_by: r.opt_parse("deactivated_by")?,
        status_reason: r.get("status_reason")?,
        phones: r.json("phones")?,
        roles: r.json("roles")?,
        system_username: r.get("system_username")?,
        system_domain: r.get("system_domain")?,
        flow: r.get("flow")?,
        created_at: r.timestamp("created_at")?,
        updated_at: r.timestamp("updated_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TENANT, store_with_run};
    use crate::{AccountLogFilter, AccountOrigin};

    fn account(id: &str) -> WfoAccount {
        WfoAccount {
            store: "wfo".into(),
            tenant: TENANT.into(),
            source_id: id.into(),
            username: Some(format!("u{id}")),
            first_name: Some("Ann".into()),
            last_name: Some("Lee".into()),
            email: None,
            employee_id: None,
            site_id: None,
            team_id: Some("T1".into()),
            security_profile_id: Some("P1".into()),
            central_active: true,
            team_enabled: true,
            agent: true,
            locked: false,
            status: AccountStatus::Active,
            deactivated_by: None,
            status_reason: None,
            phones: vec!["+1 555 0100".into()],
            roles: vec!["P1".into()],
            system_username: None,
            system_domain: None,
            flow: "central-wfo".into(),
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn change(account: WfoAccount, expected: Option<Timestamp>, action: LogAction) -> WfoChange {
        WfoChange {
            tenant: TENANT.into(),
            source_id: account.source_id.clone(),
            changes: WfoAccount::differences(None, &account),
            account: Some(account),
            expected,
            display: Some("Ann Lee".into()),
            action,
            reason: None,
        }
    }

    #[test]
    fn a_wfo_account_round_trips_and_an_operator_act_is_logged_as_the_operators() {
        let (mut store, run) = store_with_run();
        let sync = AccountContext {
            store: "wfo",
            origin: AccountOrigin::Sync,
            run: Some(run),
            flow: Some("central-wfo"),
        };
        store
            .commit_wfo(&sync, &[change(account("7"), None, LogAction::Create)])
            .unwrap();
        let stored = store.wfo_accounts_by_ids("wfo", TENANT, &["7"]).unwrap()["7"].clone();
        assert_eq!(stored.phones, ["+1 555 0100"]);
        assert!(stored.billed());

        let locked = WfoAccount {
            locked: true,
            ..stored.clone()
        };
        let operator = AccountContext {
            store: "wfo",
            origin: AccountOrigin::Operator,
            run: None,
            flow: None,
        };
        let mut lock = change(locked.clone(), Some(stored.updated_at), LogAction::Update);
        lock.changes = WfoAccount::differences(Some(&stored), &locked);
        lock.reason = Some("locked by ann: leave".into());
        store.commit_wfo(&operator, &[lock.clone()]).unwrap();
        assert_eq!(lock.changes.len(), 1, "{:?}", lock.changes);
        assert!(store.list_wfo_accounts("wfo", None).unwrap()[0].locked);

        // The same change again is from a stale version: refused, nothing written.
        assert!(store.commit_wfo(&operator, &[lock]).is_err());
        let log = store
            .account_log(&AccountLogFilter {
                store: Some("wfo"),
                ..AccountLogFilter::default()
            })
            .unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[1].origin, AccountOrigin::Operator);
        assert_eq!(store.count_active_wfo_accounts("wfo", TENANT).unwrap(), 1);
    }
}
