//! The hub's own accounts (WFM employee accounts, rules W3–W6), and their log.
//!
//! An account is keyed by (store, tenant, source id): the hub store it lives in, the source
//! tenant that feeds it (rule W3: tenants are never merged, so the same id from two tenants is
//! two accounts) and the user's id there. Accounts are derived from hub records by the host
//! after each run and changed by operators through mass updates; this module only stores what
//! the host decided. Accounts are never deleted (rule W5): a trigger refuses any `DELETE`.
//!
//! Account actions go to their own append-only table, `account_log`, not to the records'
//! provisioning log: a record and its account share a source id and a kind, so mixing both
//! would make "what happened to this record" ambiguous, and an account action can have no run
//! at all (a mass update is an operator's act, not a run of a flow).
//!
//! Writes are compare-and-set on `updated_at`: a writer passes the version it computed from,
//! and a concurrent change (a sync beside a mass update) fails the whole batch instead of
//! being silently overwritten.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use rusqlite::{Connection, ToSql, TransactionBehavior, params, params_from_iter};
use serde::Serialize;

use crate::Store;
use crate::codec::{Filters, RowReader, id_list, limit_arg, now_text, text_enum, timestamp_text};
use crate::error::{Result, SqlContext, StoreError};
use crate::log::{FieldChange, LogAction};
use crate::runs::{self, RunId};

/// Migration 2: the accounts and their log.
pub(crate) const MIGRATION: &str = r#"
-- The hub's own accounts, derived from hub records. Never deleted (rule W5).
CREATE TABLE accounts (
    store             TEXT    NOT NULL,
    tenant            TEXT    NOT NULL,
    source_id         TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('active', 'deactivated')),
    -- Why the account is deactivated; NULL while active.
    status_reason     TEXT,
    username          TEXT,
    first_name        TEXT,
    last_name         TEXT,
    email             TEXT,
    employee_id       TEXT,
    -- The source team the account was last derived from (tells "moved" from "team lost it").
    team_id           TEXT,
    schedule_visible  INTEGER NOT NULL CHECK (schedule_visible IN (0, 1)),
    -- JSON list of the required fields still missing; '[]' when complete.
    incomplete        TEXT    NOT NULL DEFAULT '[]',
    -- JSON object field -> value set by mass update, kept until the source has a value.
    overrides         TEXT    NOT NULL DEFAULT '{}',
    -- The flow that last derived the account.
    flow              TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    PRIMARY KEY (store, tenant, source_id)
) STRICT;
CREATE INDEX accounts_incomplete ON accounts (store, tenant, source_id)
    WHERE incomplete <> '[]';

CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts
BEGIN
    SELECT RAISE(ABORT, 'accounts are never deleted (rule W5): deactivate them instead');
END;

-- Every account action and skip decision, with its reason. Append-only.
CREATE TABLE account_log (
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
    origin     TEXT    NOT NULL CHECK (origin IN ('sync', 'mass-update')),
    -- The run that derived the change (origin 'sync'); NULL for a mass update.
    run        INTEGER REFERENCES runs (id),
    flow       TEXT
) STRICT;
CREATE INDEX account_log_by_account ON account_log (store, tenant, source_id, id);

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
    /// An account's status. There is no "deleted" (rule W5).
    pub enum AccountStatus ("account status") {
        /// In use: its user is eligible and active at the source.
        Active = "active",
        /// Switched off, never deleted (rule W5); `status_reason` says why.
        Deactivated = "deactivated",
    }
}

text_enum! {
    /// Who changed an account.
    pub enum AccountOrigin ("account change origin") {
        /// Derived from hub records after a run of a flow.
        Sync = "sync",
        /// An operator's mass update.
        MassUpdate = "mass-update",
        /// An operator's act on one account (a WFO lock, deactivation or reactivation).
        Operator = "operator",
    }
}

text_enum! {
    /// The fields an account holds, named as the `User` fields they come from.
    pub enum AccountField ("account field") {
        /// Login name.
        Username = "username",
        /// Given name.
        FirstName = "first_name",
        /// Family name.
        LastName = "last_name",
        /// Email address.
        Email = "email",
        /// The employee id (an HR or payroll number).
        EmployeeId = "employee_id",
        /// The id of the user's security profile.
        SecurityProfileId = "security_profile_id",
        /// The primary phone number.
        PrimaryPhone = "primary_phone",
        /// The site (location) the user works at.
        SiteId = "site_id",
    }
}

/// The values of an account's fields; `None` where neither the source nor an override has one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccountFields {
    /// Login name.
    pub username: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// The employee id (an HR or payroll number).
    pub employee_id: Option<String>,
    /// The id of the user's security profile.
    pub security_profile_id: Option<String>,
    /// The primary phone number.
    pub primary_phone: Option<String>,
    /// The site (location) the user works at.
    pub site_id: Option<String>,
}

impl AccountFields {
    /// The value of `field`; `None` when it has none.
    pub fn get(&self, field: AccountField) -> Option<&str> {
        match field {
            AccountField::Username => self.username.as_deref(),
            AccountField::FirstName => self.first_name.as_deref(),
            AccountField::LastName => self.last_name.as_deref(),
            AccountField::Email => self.email.as_deref(),
            AccountField::EmployeeId => self.employee_id.as_deref(),
            AccountField::SecurityProfileId => self.security_profile_id.as_deref(),
            AccountField::PrimaryPhone => self.primary_phone.as_deref(),
            AccountField::SiteId => self.site_id.as_deref(),
        }
    }

    /// Sets `field` to `value`; `None` clears it.
    pub fn set(&mut self, field: AccountField, value: Option<String>) {
        let slot = match field {
            AccountField::Username => &mut self.username,
            AccountField::FirstName => &mut self.first_name,
            AccountField::LastName => &mut self.last_name,
            AccountField::Email => &mut self.email,
            AccountField::EmployeeId => &mut self.employee_id,
            AccountField::SecurityProfileId => &mut self.security_profile_id,
            AccountField::PrimaryPhone => &mut self.primary_phone,
            AccountField::SiteId => &mut self.site_id,
        };
        *slot = value;
    }
}

/// An account as stored (or as a writer wants it stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// The hub store the account lives in.
    pub store: String,
    /// The source tenant that feeds the account.
    pub tenant: String,
    /// The user's id at the source tenant.
    pub source_id: String,
    /// Whether the account is active or deactivated.
    pub status: AccountStatus,
    /// Why the account is deactivated; `None` while active.
    pub status_reason: Option<String>,
    /// The field values: the source user's, with overrides filling the ones it lacks.
    #[serde(flatten)]
    pub fields: AccountFields,
    /// The source team the account was last derived from (tells "moved" from "team lost it").
    pub team_id: Option<String>,
    /// Whether the account's schedule is visible to its user (rule W4: a permission of the
    /// user's security profile).
    pub schedule_visible: bool,
    /// The required fields still missing (after overrides), by name; empty when complete.
    pub incomplete: Vec<String>,
    /// Values set by mass update, by field name; each fills a field the source lacks.
    pub overrides: BTreeMap<String, String>,
    /// The flow that last derived the account.
    pub flow: String,
    /// Set by the store on insert; a write ignores the value it is given, as it does
    /// `updated_at` (the store stamps every write).
    pub created_at: Timestamp,
    /// The version a compare-and-set write checks.
    pub updated_at: Timestamp,
}

/// One account action (or a skip) to commit, with its log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountChange {
    /// The source tenant of the account.
    pub tenant: String,
    /// The user's id at the source tenant.
    pub source_id: String,
    /// The account's new state; `None` for a skip, which writes only its log entry.
    pub account: Option<Account>,
    /// The `updated_at` of the stored account the change was computed from; `None` when
    /// there was none (the write is then an insert). A mismatch fails the batch.
    pub expected: Option<Timestamp>,
    /// A short human name of the user, for the log.
    pub display: Option<String>,
    /// What the change does to the account (`skip` for a skip).
    pub action: LogAction,
    /// Why, in words for an operator (for example why a user is skipped or deactivated).
    pub reason: Option<String>,
    /// The fields the change sets, with their old and new values.
    pub changes: Vec<FieldChange>,
}

/// Who commits a batch of account changes, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountContext<'a> {
    /// The hub store the changes are to.
    pub store: &'a str,
    /// Whether a run of a flow or an operator's mass update makes the changes.
    pub origin: AccountOrigin,
    /// The (running, non-dry) run that derived the changes; `None` for a mass update.
    pub run: Option<RunId>,
    /// The flow whose run derived the changes; `None` for a mass update.
    pub flow: Option<&'a str>,
}

impl<'a> AccountContext<'a> {
    /// Changes a run of `flow` derived for the accounts of hub store `store`.
    pub fn sync(store: &'a str, run: RunId, flow: &'a str) -> Self {
        AccountContext {
            store,
            origin: AccountOrigin::Sync,
            run: Some(run),
            flow: Some(flow),
        }
    }
}

/// Which accounts [`Store::list_accounts`] returns, in key order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountFilter<'a> {
    /// Only accounts of this hub store.
    pub store: Option<&'a str>,
    /// Only accounts fed by this source tenant.
    pub tenant: Option<&'a str>,
    /// Only accounts with missing required fields.
    pub incomplete_only: bool,
    /// At most this many accounts; `None` for all.
    pub limit: Option<usize>,
}

/// A stored account log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountLogEntry {
    /// Grows with every append: entries in id order are in the order they were written.
    pub id: i64,
    /// When the entry was written.
    pub at: Timestamp,
    /// The hub store of the account.
    pub store: String,
    /// The source tenant of the account.
    pub tenant: String,
    /// The user's id at the source tenant.
    pub source_id: String,
    /// A short human name of the user, as logged.
    pub display: Option<String>,
    /// What was done to the account (`skip` for a skip).
    pub action: LogAction,
    /// Why, in words for an operator; `None` when the writer gave no reason.
    pub reason: Option<String>,
    /// The fields the change set, with their old and new values.
    pub changes: Vec<FieldChange>,
    /// Whether a run of a flow or an operator's mass update made the change.
    pub origin: AccountOrigin,
    /// The run that derived the change; `None` for a mass update.
    pub run: Option<RunId>,
    /// The flow whose run derived the change; `None` for a mass update.
    pub flow: Option<String>,
}

/// Which entries [`Store::account_log`] returns, oldest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountLogFilter<'a> {
    /// Only entries of this hub store.
    pub store: Option<&'a str>,
    /// Only entries of this source tenant.
    pub tenant: Option<&'a str>,
    /// Only entries of the account with this source id.
    pub source_id: Option<&'a str>,
    /// Only entries of this run (which leaves out mass updates).
    pub run: Option<RunId>,
    /// At most this many entries; `None` for all.
    pub limit: Option<usize>,
}

const ACCOUNT_COLUMNS: &str = "store, tenant, source_id, status, status_reason, username, \
     first_name, last_name, email, employee_id, security_profile_id, primary_phone, site_id, \
     team_id, schedule_visible, incomplete, \
     overrides, flow, created_at, updated_at";

impl Store {
    /// One account, if it exists.
    pub fn account(&self, store: &str, tenant: &str, source_id: &str) -> Result<Option<Account>> {
        Ok(self
            .accounts_by_ids(store, tenant, &[source_id])?
            .remove(source_id))
    }

    /// The accounts among `ids` of one store and tenant, by source id. One query.
    pub fn accounts_by_ids<S: AsRef<str>>(
        &self,
        store: &str,
        tenant: &str,
        ids: &[S],
    ) -> Result<HashMap<String, Account>> {
        const OP: &str = "accounts_by_ids";
        let key = || format!("store {store}, tenant {tenant}, {} ids", ids.len());
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let ids_json = id_list(ids, OP, key)?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts
                 WHERE store = ?1 AND tenant = ?2
                   AND source_id IN (SELECT value FROM json_each(?3))"
            ))
            .ctx(OP, key)?;
        let mut rows = stmt.query(params![store, tenant, ids_json]).ctx(OP, key)?;
        let mut out = HashMap::with_capacity(ids.len());
        while let Some(row) = rows.next().ctx(OP, key)? {
            let account = account_from_row(row, OP)?;
            out.insert(account.source_id.clone(), account);
        }
        Ok(out)
    }

    /// How many accounts of a store and tenant are active.
    pub fn count_active_accounts(&self, store: &str, tenant: &str) -> Result<u64> {
        const OP: &str = "count_active_accounts";
        let key = || format!("store {store}, tenant {tenant}");
        self.conn
            .prepare_cached(
                "SELECT count(*) FROM accounts WHERE store = ?1 AND tenant = ?2 AND status = 'active'",
            )
            .ctx(OP, key)?
            .query_row(params![store, tenant], |row| row.get(0))
            .ctx(OP, key)
    }

    /// Whether any account of `store` for `tenant` is active: [`count_active_accounts`]'s
    /// question answered by the first row.
    ///
    /// [`count_active_accounts`]: Store::count_active_accounts
    pub fn any_active_account(&self, store: &str, tenant: &str) -> Result<bool> {
        const OP: &str = "any_active_account";
        let key = || format!("store {store}, tenant {tenant}");
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM accounts
                     WHERE store = ?1 AND tenant = ?2 AND status = 'active')",
            )
            .ctx(OP, key)?
            .query_row(params![store, tenant], |row| row.get(0))
            .ctx(OP, key)
    }

    /// Accounts matching `filter`, in (store, tenant, source id) order.
    pub fn list_accounts(&self, filter: &AccountFilter<'_>) -> Result<Vec<Account>> {
        const OP: &str = "list_accounts";
        let key = || format!("{filter:?}");
        let mut filters = Filters::default();
        filters.add("store = ?", &filter.store);
        filters.add("tenant = ?", &filter.tenant);
        if filter.incomplete_only {
            filters.require("incomplete <> '[]'");
        }
        let limit = limit_arg(filter.limit);
        let args = filters.args(&[&limit]);
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts {}
                 ORDER BY store, tenant, source_id LIMIT ?",
                filters.clause()
            ))
            .ctx(OP, key)?;
        let mut rows = stmt.query(params_from_iter(args)).ctx(OP, key)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            out.push(account_from_row(row, OP)?);
        }
        Ok(out)
    }

    /// The last logged decision (action and reason) for each of `ids` of a store and tenant
    /// that has any: what lets a sync log a skip once, when the decision changes, instead of
    /// on every run.
    pub fn last_account_decisions<S: AsRef<str>>(
        &self,
        store: &str,
        tenant: &str,
        ids: &[S],
    ) -> Result<HashMap<String, (LogAction, Option<String>)>> {
        const OP: &str = "last_account_decisions";
        let key = || format!("store {store}, tenant {tenant}, {} ids", ids.len());
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let ids_json = id_list(ids, OP, key)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source_id, action, reason FROM account_log
                 WHERE id IN (SELECT (SELECT max(id) FROM account_log l
                                      WHERE l.store = ?1 AND l.tenant = ?2
                                        AND l.source_id = ids.value)
                              FROM json_each(?3) AS ids)",
            )
            .ctx(OP, key)?;
        let mut rows = stmt.query(params![store, tenant, ids_json]).ctx(OP, key)?;
        let mut out = HashMap::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            let source_id: String = row.get("source_id").ctx(OP, key)?;
            let r = RowReader::new(row, OP, "account_log", format!("source_id={source_id}"));
            out.insert(source_id, (r.parse("action")?, r.get("reason")?));
        }
        Ok(out)
    }

    /// Commits account changes and their log entries in one transaction: all or nothing.
    ///
    /// Each write checks that the stored account is still the version it was computed from
    /// ([`AccountChange::expected`]). Returns how many accounts were written.
    pub fn commit_accounts(
        &mut self,
        context: &AccountContext<'_>,
        changes: &[AccountChange],
    ) -> Result<usize> {
        const OP: &str = "commit_accounts";
        let key = || format!("store {}, {} changes", context.store, changes.len());
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(OP, key)?;
        // Stamped under the lock: writers' times then follow the order of their log ids.
        let now = now_text();
        if let Some(run) = context.run {
            let (_, dry_run) = runs::ensure_running(&tx, OP, run)?;
            if dry_run {
                return Err(StoreError::InvalidInput {
                    op: OP,
                    key: key(),
                    detail: format!("run {run} is a dry run, and a dry run writes nothing"),
                });
            }
        }
        let written = write_changes(&tx, context, changes, &now)?;
        tx.commit().ctx(OP, key)?;
        Ok(written)
    }

    /// Account log entries matching `filter`, oldest first.
    pub fn account_log(&self, filter: &AccountLogFilter<'_>) -> Result<Vec<AccountLogEntry>> {
        const OP: &str = "account_log";
        let key = || format!("{filter:?}");
        let mut filters = Filters::default();
        filters.add("store = ?", &filter.store);
        filters.add("tenant = ?", &filter.tenant);
        filters.add("source_id = ?", &filter.source_id);
        filters.add("run = ?", &filter.run);
        let limit = limit_arg(filter.limit);
        let args = filters.args(&[&limit]);
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT id, at, store, tenant, source_id, display, action, reason, changes,
                     origin, run, flow
                 FROM account_log {} ORDER BY id LIMIT ?",
                filters.clause()
            ))
            .ctx(OP, key)?;
        let mut rows = stmt.query(params_from_iter(args)).ctx(OP, key)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            let id: i64 = row.get("id").ctx(OP, key)?;
            let r = RowReader::new(row, OP, "account_log", format!("id={id}"));
            out.push(AccountLogEntry {
                id,
                at: r.timestamp("at")?,
                store: r.get("store")?,
                tenant: r.get("tenant")?,
                source_id: r.get("source_id")?,
                display: r.get("display")?,
                action: r.parse("action")?,
                reason: r.get("reason")?,
                changes: r.changes("changes")?,
                origin: r.parse("origin")?,
                run: r.get::<Option<i64>>("run")?.map(RunId),
                flow: r.get("flow")?,
            });
        }
        Ok(out)
    }
}

/// Writes account changes and their log entries within the caller's transaction; returns
/// how many accounts were written.
pub(crate) fn write_changes(
    conn: &Connection,
    context: &AccountContext<'_>,
    changes: &[AccountChange],
    now: &str,
) -> Result<usize> {
    let mut written = 0;
    for change in changes {
        if let Some(account) = &change.account {
            write_account(conn, context.store, change, account, now)?;
            written += 1;
        }
        append_log(conn, context, change, now)?;
    }
    Ok(written)
}

fn write_account(
    conn: &Connection,
    store: &str,
    change: &AccountChange,
    account: &Account,
    now: &str,
) -> Result<()> {
    const OP: &str = "commit_accounts: write account";
    let key = || {
        format!(
            "store {store}, tenant {}, id {}",
            change.tenant, change.source_id
        )
    };
    if account.store != store
        || account.tenant != change.tenant
        || account.source_id != change.source_id
    {
        return Err(StoreError::InvalidInput {
            op: OP,
            key: key(),
            detail: format!(
                "the account is ({}, {}, {}), not the change's",
                account.store, account.tenant, account.source_id
            ),
        });
    }
    let encode = |what, source| StoreError::Encode {
        op: OP,
        key: key(),
        what,
        source,
    };
    let incomplete =
        serde_json::to_string(&account.incomplete).map_err(|e| encode("the missing fields", e))?;
    let overrides =
        serde_json::to_string(&account.overrides).map_err(|e| encode("the overrides", e))?;
    let f = &account.fields;
    let values: [&dyn ToSql; 18] = [
        &account.store,
        &account.tenant,
        &account.source_id,
        &account.status,
        &account.status_reason,
        &f.username,
        &f.first_name,
        &f.last_name,
        &f.email,
        &f.employee_id,
        &f.security_profile_id,
        &f.primary_phone,
        &f.site_id,
        &account.team_id,
        &account.schedule_visible,
        &incomplete,
        &overrides,
        &account.flow,
    ];
    let written = match change.expected {
        None => conn
            .prepare_cached(&format!(
                "INSERT INTO accounts ({ACCOUNT_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                         ?16, ?17, ?18, ?19, ?19)
                 ON CONFLICT (store, tenant, source_id) DO NOTHING"
            ))
            .ctx(OP, key)?
            .execute(params_from_iter(
                values.into_iter().chain([&now as &dyn ToSql]),
            ))
            .ctx(OP, key)?,
        Some(expected) => {
            let expected = timestamp_text(expected);
            conn.prepare_cached(
                "UPDATE accounts SET status = ?4, status_reason = ?5, username = ?6,
                     first_name = ?7, last_name = ?8, email = ?9, employee_id = ?10,
                     security_profile_id = ?11, primary_phone = ?12, site_id = ?13,
                     team_id = ?14, schedule_visible = ?15, incomplete = ?16, overrides = ?17,
                     flow = ?18, updated_at = ?19
                 WHERE store = ?1 AND tenant = ?2 AND source_id = ?3 AND updated_at = ?20",
            )
            .ctx(OP, key)?
            .execute(params_from_iter(
                values
                    .into_iter()
                    .chain([&now as &dyn ToSql, &expected as &dyn ToSql]),
            ))
            .ctx(OP, key)?
        }
    };
    if written != 1 {
        return Err(StoreError::InvalidInput {
            op: OP,
            key: key(),
            detail: "the account changed since it was read (a concurrent sync or mass update); \
                     nothing was written, try again"
                .into(),
        });
    }
    Ok(())
}

fn append_log(
    conn: &Connection,
    context: &AccountContext<'_>,
    change: &AccountChange,
    now: &str,
) -> Result<()> {
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
    )
}

/// Appends one entry to the account log (of a WFM or a WFO account).
#[allow(clippy::too_many_arguments)]
pub(crate) fn append_entry(
    conn: &Connection,
    context: &AccountContext<'_>,
    tenant: &str,
    source_id: &str,
    display: Option<&str>,
    action: LogAction,
    reason: Option<&str>,
    changes: &[FieldChange],
    now: &str,
) -> Result<()> {
    const OP: &str = "append account log entry";
    let key = || format!("store {}, tenant {tenant}, id {source_id}", context.store);
    let changes = crate::log::changes_text(changes).map_err(|source| StoreError::Encode {
        op: OP,
        key: key(),
        what: "the field changes",
        source,
    })?;
    conn.prepare_cached(
        "INSERT INTO account_log (at, store, tenant, source_id, display, action, reason,
             changes, origin, run, flow)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .ctx(OP, key)?
    .execute(params![
        now,
        context.store,
        tenant,
        source_id,
        display,
        action,
        reason,
        changes,
        context.origin,
        context.run,
        context.flow,
    ])
    .ctx(OP, key)?;
    Ok(())
}

fn account_from_row(row: &rusqlite::Row<'_>, op: &'static str) -> Result<Account> {
    let (store, tenant, source_id): (String, String, String) = (
        row.get("store").ctx(op, String::new)?,
        row.get("tenant").ctx(op, String::new)?,
        row.get("source_id").ctx(op, String::new)?,
    );
    let r = RowReader::new(
        row,
        op,
        "accounts",
        format!("store={store}, tenant={tenant}, source_id={source_id}"),
    );
    Ok(Account {
        status: r.parse("status")?,
        status_reason: r.get("status_reason")?,
        fields: AccountFields {
            username: r.get("username")?,
            first_name: r.get("first_name")?,
            last_name: r.get("last_name")?,
            email: r.get("email")?,
            employee_id: r.get("employee_id")?,
            security_profile_id: r.get("security_profile_id")?,
            primary_phone: r.get("primary_phone")?,
            site_id: r.get("site_id")?,
        },
        team_id: r.get("team_id")?,
        schedule_visible: r.flag("schedule_visible")?,
        incomplete: r.json("incomplete")?,
        overrides: r.json("overrides")?,
        flow: r.get("flow")?,
        created_at: r.timestamp("created_at")?,
        updated_at: r.timestamp("updated_at")?,
        store,
        tenant,
        source_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FLOW, TENANT, store_with_run};

    const STORE: &str = "wfm";

    fn account(id: &str, tenant: &str) -> Account {
        Account {
            store: STORE.into(),
            tenant: tenant.into(),
            source_id: id.into(),
            status: AccountStatus::Active,
            status_reason: None,
            fields: AccountFields {
                username: Some(format!("u{id}")),
                ..AccountFields::default()
            },
            team_id: Some("7".into()),
            schedule_visible: true,
            incomplete: vec!["email".into()],
            overrides: BTreeMap::new(),
            flow: FLOW.into(),
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn create(account: Account) -> AccountChange {
        AccountChange {
            tenant: account.tenant.clone(),
            source_id: account.source_id.clone(),
            account: Some(account),
            expected: None,
            display: None,
            action: LogAction::Create,
            reason: None,
            changes: Vec::new(),
        }
    }

    fn sync(run: RunId) -> AccountContext<'static> {
        AccountContext {
            store: STORE,
            origin: AccountOrigin::Sync,
            run: Some(run),
            flow: Some(FLOW),
        }
    }

    #[test]
    fn accounts_round_trip_and_the_same_id_of_two_tenants_is_two_accounts() {
        let (mut store, run) = store_with_run();
        let written = store
            .commit_accounts(
                &sync(run),
                &[create(account("1", TENANT)), create(account("1", "other"))],
            )
            .unwrap();
        assert_eq!(written, 2);
        let stored = store.account(STORE, TENANT, "1").unwrap().unwrap();
        assert_eq!(stored.fields.username.as_deref(), Some("u1"));
        assert_eq!(stored.incomplete, ["email"]);
        assert_eq!(stored.created_at, stored.updated_at);
        assert_eq!(
            store
                .list_accounts(&AccountFilter::default())
                .unwrap()
                .len(),
            2
        );
        let incomplete = store
            .list_accounts(&AccountFilter {
                tenant: Some("other"),
                incomplete_only: true,
                ..AccountFilter::default()
            })
            .unwrap();
        assert_eq!(incomplete.len(), 1);
        let log = store.account_log(&AccountLogFilter::default()).unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].run, Some(run));
        assert_eq!(log[0].origin, AccountOrigin::Sync);
    }

    #[test]
    fn a_write_from_a_stale_version_fails_the_whole_batch() {
        let (mut store, run) = store_with_run();
        store
            .commit_accounts(&sync(run), &[create(account("1", TENANT))])
            .unwrap();
        let stored = store.account(STORE, TENANT, "1").unwrap().unwrap();
        let mut changed = stored.clone();
        changed.incomplete.clear();
        let update = AccountChange {
            expected: Some(Timestamp::UNIX_EPOCH),
            action: LogAction::Update,
            ..create(changed.clone())
        };
        let err = store
            .commit_accounts(&sync(run), &[create(account("2", TENANT)), update])
            .unwrap_err();
        assert!(
            err.to_string().contains("changed since it was read"),
            "{err}"
        );
        assert_eq!(store.account(STORE, TENANT, "2").unwrap(), None);
        assert!(
            store
                .account_log(&AccountLogFilter::default())
                .unwrap()
                .len()
                == 1
        );

        let update = AccountChange {
            expected: Some(stored.updated_at),
            action: LogAction::Update,
            ..create(changed)
        };
        store.commit_accounts(&sync(run), &[update]).unwrap();
        assert!(
            store
                .account(STORE, TENANT, "1")
                .unwrap()
                .unwrap()
                .incomplete
                .is_empty()
        );
    }

    #[test]
    fn accounts_are_never_deleted_and_their_log_is_append_only() {
        let (mut store, run) = store_with_run();
        store
            .commit_accounts(&sync(run), &[create(account("1", TENANT))])
            .unwrap();
        let err = store.conn.execute("DELETE FROM accounts", []).unwrap_err();
        assert!(err.to_string().contains("never deleted"), "{err}");
        let err = store
            .conn
            .execute("DELETE FROM account_log", [])
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
        let err = store
            .conn
            .execute("UPDATE account_log SET reason = 'x'", [])
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
    }

    #[test]
    fn the_last_decision_per_id_is_the_latest_log_entry() {
        let (mut store, run) = store_with_run();
        let skip = |id: &str, reason: &str| AccountChange {
            tenant: TENANT.into(),
            source_id: id.into(),
            account: None,
            expected: None,
            display: None,
            action: LogAction::Skip,
            reason: Some(reason.into()),
            changes: Vec::new(),
        };
        store
            .commit_accounts(&sync(run), &[skip("1", "first"), skip("1", "second")])
            .unwrap();
        store
            .commit_accounts(&sync(run), &[create(account("2", TENANT))])
            .unwrap();
        let last = store
            .last_account_decisions(STORE, TENANT, &["1", "2", "3"])
            .unwrap();
        assert_eq!(last.len(), 2);
        assert_eq!(last["1"], (LogAction::Skip, Some("second".into())));
        assert_eq!(last["2"].0, LogAction::Create);
        assert!(store.account(STORE, TENANT, "1").unwrap().is_none());
    }

    #[test]
    fn a_dry_run_cannot_commit_accounts() {
        let mut store = Store::open_in_memory().unwrap();
        let dry = store.start_run(FLOW, crate::RunMode::Full, true).unwrap();
        let err = store
            .commit_accounts(&sync(dry), &[create(account("1", TENANT))])
            .unwrap_err();
        assert!(err.to_string().contains("dry run"), "{err}");
    }

    #[test]
    fn a_page_commits_its_account_changes_with_its_records_or_neither() {
        let (mut store, run) = store_with_run();
        let mut page = crate::testing::create_page(run, &["1"]);
        page.accounts = Some(crate::AccountBatch {
            store: STORE.into(),
            changes: crate::AccountChanges::Wfm(vec![create(account("1", TENANT))]),
        });
        store.commit_page(&page).unwrap();
        assert!(
            store
                .record(TENANT, ccsync_model::Kind::User, "1")
                .unwrap()
                .is_some()
        );
        assert!(store.account(STORE, TENANT, "1").unwrap().is_some());
        let log = store.account_log(&AccountLogFilter::default()).unwrap();
        assert_eq!((log.len(), log[0].run), (1, Some(run)));

        // An account changed since it was decided (a mass update in between): the stale
        // change fails, and takes the page's records, log entries and counts with it.
        let counts = store.run(run).unwrap().unwrap().counts;
        let record_log = store.log_entries(&crate::LogFilter::default()).unwrap();
        let mut stale = create(account("1", TENANT));
        stale.expected = Some(Timestamp::UNIX_EPOCH);
        stale.action = LogAction::Update;
        let mut page = crate::testing::create_page(run, &["2"]);
        page.accounts = Some(crate::AccountBatch {
            store: STORE.into(),
            changes: crate::AccountChanges::Wfm(vec![create(account("2", TENANT)), stale]),
        });
        let err = store.commit_page(&page).unwrap_err();
        assert!(err.to_string().contains("changed"), "{err}");
        assert_eq!(
            store.record(TENANT, ccsync_model::Kind::User, "2").unwrap(),
            None
        );
        assert_eq!(store.account(STORE, TENANT, "2").unwrap(), None);
        assert_eq!(store.run(run).unwrap().unwrap().counts, counts);
        assert_eq!(
            store.log_entries(&crate::LogFilter::default()).unwrap(),
            record_log
        );
        assert_eq!(
            store
                .account_log(&AccountLogFilter::default())
                .unwrap()
                .len(),
            1
        );
    }
}
