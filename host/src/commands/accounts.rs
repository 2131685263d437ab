//! `ccsync accounts …`: the hub's WFM accounts, what they miss, their log, and the mass update
//! that fills missing fields from a CSV (rule W6).
//!
//! Mass update rules: the CSV has a header row with `tenant` and `id` and any of the account
//! field columns (`username`, `first_name`, `last_name`, `email`, `employee_id`,
//! `security_profile_id`, `primary_phone`, `site_id`: every field a flow may require but the
//! team, which an account always has). Every row is
//! validated before anything is applied, and each problem is reported as `line N: field F:
//! what`. A non-empty cell may only set a field the source does not provide (missing, or
//! already filled by an earlier mass update): the source stays the authority for what it has.
//! An empty cell leaves its field as it is, but a row that sets nothing is an error. Nothing is
//! applied if any row is invalid, unless `--skip-invalid`; the valid rows then apply together,
//! in one transaction, each change logged with its old and new value.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use ccsync_config::Config;
use ccsync_store::{
    Account, AccountChange, AccountContext, AccountField, AccountFilter, AccountLogFilter,
    AccountOrigin, LogAction, Store,
};

use crate::app::open_store;
use crate::cli::{AccountsListArgs, AccountsLogArgs, IncompleteArgs, MassUpdateArgs};
use crate::sync::rules::w::{decide::differences, stores};

fn or_dash(value: Option<&str>) -> &str {
    value.unwrap_or("-")
}

pub fn list(config: &Path, args: AccountsListArgs) -> anyhow::Result<ExitCode> {
    let (_, store) = open_store(config)?;
    let accounts = store.list_accounts(&AccountFilter {
        store: args.store.as_deref(),
        tenant: args.tenant.as_deref(),
        incomplete_only: false,
        limit: args.limit,
    })?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&accounts)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{:<8} {:<10} {:<10} {:<44} {:<12} {:<9} STATUS",
        "STORE",
        "TENANT",
        "ID",
        "USERNAME",
        "EMPLOYEE",
        "SCHEDULE"
    )?;
    for a in &accounts {
        let status = match &a.status_reason {
            Some(reason) => format!("{} ({reason})", a.status),
            None => a.status.to_string(),
        };
        outln!(
            "{:<8} {:<10} {:<10} {:<44} {:<12} {:<9} {status}{}",
            a.store,
            a.tenant,
            a.source_id,
            or_dash(a.fields.username.as_deref()),
            or_dash(a.fields.employee_id.as_deref()),
            if a.schedule_visible {
                "visible"
            } else {
                "hidden"
            },
            if a.incomplete.is_empty() {
                String::new()
            } else {
                format!(", incomplete: {}", a.incomplete.join(", "))
            }
        )?;
    }
    outln!("{} accounts", accounts.len())?;
    Ok(ExitCode::SUCCESS)
}

pub fn incomplete(config: &Path, args: IncompleteArgs) -> anyhow::Result<ExitCode> {
    let (_, store) = open_store(config)?;
    let accounts = store.list_accounts(&AccountFilter {
        store: args.store.as_deref(),
        incomplete_only: true,
        ..AccountFilter::default()
    })?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&accounts)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{:<8} {:<10} {:<10} {:<44} MISSING",
        "STORE",
        "TENANT",
        "ID",
        "USERNAME"
    )?;
    for a in &accounts {
        outln!(
            "{:<8} {:<10} {:<10} {:<44} {}",
            a.store,
            a.tenant,
            a.source_id,
            or_dash(a.fields.username.as_deref()),
            a.incomplete.join(", ")
        )?;
    }
    outln!("{} incomplete accounts", accounts.len())?;
    Ok(ExitCode::SUCCESS)
}

pub fn log(config: &Path, args: AccountsLogArgs) -> anyhow::Result<ExitCode> {
    let (_, store) = open_store(config)?;
    let entries = store.account_log(&AccountLogFilter {
        store: args.store.as_deref(),
        tenant: args.tenant.as_deref(),
        source_id: args.id.as_deref(),
        run: None,
        limit: Some(args.limit),
    })?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&entries)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    if entries.is_empty() {
        outln!("no account log entries")?;
    }
    for entry in entries {
        crate::commands::report::print_activity(&entry.into())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The WFM store a mass update applies to: the one named, or the only one the flows target.
fn target_store(config: &Config, named: Option<String>) -> anyhow::Result<String> {
    if let Some(name) = named {
        return Ok(name);
    }
    let stores = stores(config);
    match stores[..] {
        [only] => Ok(only.to_owned()),
        [] => bail!("no flow targets a WFM store: name one with --store"),
        _ => bail!(
            "several WFM stores are configured ({}): name one with --store",
            stores.join(", ")
        ),
    }
}

pub fn mass_update(config: &Path, args: MassUpdateArgs) -> anyhow::Result<ExitCode> {
    let (config, mut store) = open_store(config)?;
    let store_name = target_store(&config, args.store)?;
    let file = args.csv.display().to_string();
    let reader = std::fs::File::open(&args.csv).with_context(|| format!("opening {file}"))?;
    let rows = validate(reader, &store, &store_name)
        .map_err(|problem| anyhow::anyhow!("{file}: {problem}"))?;
    let (valid, invalid): (Vec<_>, Vec<_>) = rows.into_iter().partition(Result::is_ok);
    let invalid: Vec<RowProblem> = invalid.into_iter().filter_map(Result::err).collect();
    for problem in &invalid {
        eprintln!("{file}: {problem}");
    }
    if !invalid.is_empty() && !args.skip_invalid {
        eprintln!(
            "nothing applied: {} invalid row(s) (fix them, or pass --skip-invalid to apply the \
             valid rows only)",
            invalid.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    let changes: Vec<AccountChange> = valid
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|row| row.change(&file))
        .collect();
    let context = AccountContext {
        store: &store_name,
        origin: AccountOrigin::MassUpdate,
        run: None,
        flow: None,
    };
    store.commit_accounts(&context, &changes)?;
    outln!(
        "mass update of store {store_name}: {} account(s) changed{}",
        changes.len(),
        if invalid.is_empty() {
            String::new()
        } else {
            format!(", {} invalid row(s) skipped", invalid.len())
        }
    )?;
    Ok(ExitCode::SUCCESS)
}

/// A problem with one row (or the header, line 1) of a mass-update CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: u64,
    /// The column at fault, when one is.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}: field {field}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// A valid row: the account and the values it sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRow {
    pub line: u64,
    pub account: Account,
    pub values: Vec<(AccountField, String)>,
}

impl ValidRow {
    /// The account change the row makes; `None` when it sets only values already set.
    fn change(self, file: &str) -> Option<AccountChange> {
        let old = self.account;
        let mut new = old.clone();
        for (field, value) in self.values {
            new.overrides
                .insert(field.as_str().to_owned(), value.clone());
            new.fields.set(field, Some(value));
            new.incomplete.retain(|missing| missing != field.as_str());
        }
        let changes = differences(Some(&old), &new);
        (!changes.is_empty()).then(|| AccountChange {
            tenant: old.tenant.clone(),
            source_id: old.source_id.clone(),
            expected: Some(old.updated_at),
            display: new.fields.username.clone(),
            action: LogAction::Update,
            reason: Some(format!("mass update from {file} line {}", self.line)),
            changes,
            account: Some(new),
        })
    }
}

/// The shape every account email must have: one `@`, text before it, a dotted domain after
/// it, no spaces.
fn email_problem(value: &str) -> Option<&'static str> {
    let Some((local, domain)) = value.split_once('@') else {
        return Some("not an email address (no @)");
    };
    if local.is_empty() || domain.contains('@') || value.chars().any(char::is_whitespace) {
        return Some("not an email address");
    }
    let dotted = domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.');
    (!dotted).then_some("not an email address (the domain has no dot)")
}

/// Reads and checks every row of a mass-update CSV against the accounts of `store_name`.
/// Returns one result per data row, or the header's problem (which makes every row
/// unreadable).
pub fn validate(
    reader: impl std::io::Read,
    store: &Store,
    store_name: &str,
) -> Result<Vec<Result<ValidRow, RowProblem>>, RowProblem> {
    let header_problem = |field: Option<&str>, message: String| RowProblem {
        line: 1,
        field: field.map(str::to_owned),
        message,
    };
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|e| header_problem(None, format!("unreadable header row: {e}")))?
        .clone();
    let mut tenant_col = None;
    let mut id_col = None;
    let mut field_cols: Vec<(usize, AccountField)> = Vec::new();
    for (i, name) in headers.iter().enumerate() {
        let seen = headers.iter().take(i).any(|earlier| earlier == name);
        if seen {
            return Err(header_problem(
                Some(name),
                "the column appears twice".into(),
            ));
        }
        match name {
            "tenant" => tenant_col = Some(i),
            "id" => id_col = Some(i),
            "team_id" => {
                return Err(header_problem(
                    Some(name),
                    "the team cannot be mass-updated: an account exists only for a user on a \
                     WFM Advanced team at the source (rule W4), so it always has one"
                        .into(),
                ));
            }
            _ => match name.parse::<AccountField>() {
                Ok(field) => field_cols.push((i, field)),
                Err(e) => return Err(header_problem(Some(name), format!("unknown column: {e}"))),
            },
        }
    }
    let (Some(tenant_col), Some(id_col)) = (tenant_col, id_col) else {
        return Err(header_problem(
            None,
            "the header must name the columns `tenant` and `id`".into(),
        ));
    };
    if field_cols.is_empty() {
        return Err(header_problem(
            None,
            format!(
                "no account field column ({})",
                AccountField::ALL
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }

    let mut rows = Vec::new();
    let mut first_line: HashMap<(String, String), u64> = HashMap::new();
    for record in csv.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                rows.push(Err(RowProblem {
                    line,
                    field: None,
                    message: format!("unreadable row: {e}"),
                }));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        rows.push(check_row(
            &record,
            line,
            (tenant_col, id_col),
            &field_cols,
            store,
            store_name,
            &mut first_line,
        ));
    }
    Ok(rows)
}

fn check_row(
    record: &csv::StringRecord,
    line: u64,
    (tenant_col, id_col): (usize, usize),
    field_cols: &[(usize, AccountField)],
    store: &Store,
    store_name: &str,
    first_line: &mut HashMap<(String, String), u64>,
) -> Result<ValidRow, RowProblem> {
    let problem = |field: Option<&str>, message: String| RowProblem {
        line,
        field: field.map(str::to_owned),
        message,
    };
    let cell = |i: usize| record.get(i).unwrap_or("");
    let (tenant, id) = (cell(tenant_col), cell(id_col));
    for (name, value) in [("tenant", tenant), ("id", id)] {
        if value.is_empty() {
            return Err(problem(Some(name), "empty value".into()));
        }
    }
    if let Some(earlier) = first_line.insert((tenant.to_owned(), id.to_owned()), line) {
        return Err(problem(
            Some("id"),
            format!("account {tenant}/{id} is already updated on line {earlier}"),
        ));
    }
    let account = store
        .account(store_name, tenant, id)
        .map_err(|e| problem(None, e.to_string()))?
        .ok_or_else(|| {
            problem(
                Some("id"),
                format!("unknown account: store {store_name} has no account {tenant}/{id}"),
            )
        })?;
    let mut values = Vec::new();
    for &(i, field) in field_cols {
        let value = cell(i);
        if value.is_empty() {
            continue;
        }
        let from_source =
            account.fields.get(field).is_some() && !account.overrides.contains_key(field.as_str());
        if from_source {
            return Err(problem(
                Some(field.as_str()),
                "the source provides this field; a mass update only fills missing fields".into(),
            ));
        }
        if field == AccountField::Email
            && let Some(why) = email_problem(value)
        {
            return Err(problem(Some("email"), format!("{why}: {value:?}")));
        }
        values.push((field, value.to_owned()));
    }
    if values.is_empty() {
        return Err(problem(
            None,
            "empty value: the row sets no field (every field cell is empty)".into(),
        ));
    }
    Ok(ValidRow {
        line,
        account,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w6_email_shape_is_checked() {
        assert_eq!(email_problem("ann@example.com"), None);
        assert!(email_problem("ann.example.com").is_some());
        assert!(email_problem("@example.com").is_some());
        assert!(email_problem("ann@example").is_some());
        assert!(email_problem("ann@@example.com").is_some());
        assert!(email_problem("an n@example.com").is_some());
    }

    #[test]
    fn w6_a_bad_header_is_reported_on_line_1_with_the_column() {
        let store = Store::open_in_memory().unwrap();
        let err = validate("tenant,id,nickname\nacme,1,x\n".as_bytes(), &store, "wfm").unwrap_err();
        assert_eq!(err.line, 1);
        assert_eq!(err.field.as_deref(), Some("nickname"));
        let err = validate("id,email\n1,a@b.c\n".as_bytes(), &store, "wfm").unwrap_err();
        assert!(err.message.contains("`tenant`"), "{err}");
    }

    #[test]
    fn w6_rows_naming_no_account_or_setting_nothing_are_reported_by_line() {
        let store = Store::open_in_memory().unwrap();
        let rows = validate(
            "tenant,id,email\nacme,1,a@b.c\n,2,a@b.c\nacme,3,\n".as_bytes(),
            &store,
            "wfm",
        )
        .unwrap();
        let problems: Vec<String> = rows
            .into_iter()
            .map(|r| r.unwrap_err().to_string())
            .collect();
        assert!(
            problems[0].starts_with("line 2: field id: unknown account"),
            "{problems:?}"
        );
        assert!(
            problems[1].starts_with("line 3: field tenant: empty value"),
            "{problems:?}"
        );
        assert!(
            problems[2].starts_with("line 4: field id: unknown account"),
            "{problems:?}"
        );
    }
}
