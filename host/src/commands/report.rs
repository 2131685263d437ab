//! `ccsync users list`, `ccsync runs`, `ccsync log`: what the hub holds and what it did.
//!
//! `ccsync log` is the operator's one history: the records' provisioning log and the WFM
//! accounts' log merged in time order, so "what happened to user 42" is one command.

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use ccsync_model::{Entity, Kind};
use ccsync_store::{Activity, ActivityFilter, ActivityScope, ActivitySubject, RecordFilter, RunId};
use clap::ValueEnum;
use clap::builder::PossibleValue;
use serde_json::json;

use crate::app::open_store;
use crate::cli::{LogArgs, RunsArgs, UsersListArgs};

fn or_dash(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("-")
}

pub fn users(config: &Path, args: UsersListArgs) -> anyhow::Result<ExitCode> {
    let (_, store) = open_store(config)?;
    let records = store.list_records(&RecordFilter {
        tenant: args.tenant.as_deref(),
        kind: Some(Kind::User),
        status: None,
        limit: args.limit,
        offset: 0,
    })?;
    if args.json {
        let users: Vec<_> = records
            .iter()
            .map(|r| {
                json!({
                    "tenant": r.tenant,
                    "id": r.source_id,
                    "status": r.status,
                    "user": r.entity,
                    "updated_at": r.updated_at.to_string(),
                })
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&users)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{:<10} {:<10} {:<44} {:<28} {:<36} STATUS",
        "TENANT",
        "ID",
        "USERNAME",
        "NAME",
        "EMAIL"
    )?;
    for record in &records {
        let Entity::User(user) = &record.entity else {
            continue;
        };
        let name = format!("{} {}", or_dash(&user.first_name), or_dash(&user.last_name));
        outln!(
            "{:<10} {:<10} {:<44} {:<28} {:<36} {}",
            record.tenant,
            record.source_id,
            or_dash(&user.username),
            name,
            or_dash(&user.email),
            record.status
        )?;
    }
    outln!("{} users", records.len())?;
    Ok(ExitCode::SUCCESS)
}

pub fn runs(config: &Path, args: RunsArgs) -> anyhow::Result<ExitCode> {
    let (_, store) = open_store(config)?;
    let runs = store.runs(args.flow.as_deref(), args.limit)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&runs)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{:>5} {:<16} {:<12} {:<15} {:<26} {:>7} {:>7} {:>7} {:>7} {:>9} {:>7}",
        "RUN",
        "FLOW",
        "MODE",
        "STATUS",
        "STARTED",
        "READ",
        "CREATE",
        "UPDATE",
        "DEACT",
        "UNCHANGED",
        "INVALID"
    )?;
    for run in &runs {
        let c = &run.counts;
        outln!(
            "{:>5} {:<16} {:<12} {:<15} {:<26} {:>7} {:>7} {:>7} {:>7} {:>9} {:>7}",
            run.id.to_string(),
            run.flow,
            run.mode.to_string(),
            run.status.to_string(),
            run.started_at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
            c.read,
            c.created,
            c.updated,
            c.deactivated + c.reactivated,
            c.unchanged,
            c.invalid
        )?;
        if let Some(error) = &run.error {
            outln!("      {error}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What `ccsync log --kind` selects: the entries about hub records of one kind, or about WFM
/// accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    Record(Kind),
    Account,
    Link,
}

impl LogKind {
    /// Every kind of record, then accounts and links: the values `--kind` accepts.
    const ALL: [LogKind; Kind::ALL.len() + 2] = {
        let mut all = [LogKind::Account; Kind::ALL.len() + 2];
        all[Kind::ALL.len() + 1] = LogKind::Link;
        let mut i = 0;
        while i < Kind::ALL.len() {
            all[i] = LogKind::Record(Kind::ALL[i]);
            i += 1;
        }
        all
    };
}

impl ValueEnum for LogKind {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            LogKind::Record(kind) => kind.as_str(),
            LogKind::Account => "account",
            LogKind::Link => "link",
        }))
    }
}

/// Which subjects `--kind` and `--user` select together: `--user` alone means the user's
/// record and account entries, never another kind's record that shares the id.
fn log_scope(kind: Option<LogKind>, user: bool) -> anyhow::Result<ActivityScope> {
    Ok(match (kind, user) {
        (None, false) => ActivityScope::All,
        (None, true) => ActivityScope::Users,
        (Some(LogKind::Account), _) => ActivityScope::Accounts,
        (Some(LogKind::Link), _) => ActivityScope::Links,
        (Some(LogKind::Record(kind)), false) | (Some(LogKind::Record(kind @ Kind::User)), true) => {
            ActivityScope::Records(kind)
        }
        (Some(LogKind::Record(kind)), true) => bail!(
            "--user selects a user's entries, and --kind {kind} selects no user's: \
             use --kind user, --kind account or neither"
        ),
    })
}

pub fn log(config: &Path, args: LogArgs) -> anyhow::Result<ExitCode> {
    let scope = log_scope(args.kind, args.user.is_some())?;
    let (_, store) = open_store(config)?;
    let entries = store.activity(&ActivityFilter {
        scope,
        run: args.run.map(RunId),
        flow: args.flow.as_deref(),
        tenant: args.tenant.as_deref(),
        source_id: args.user.as_deref(),
        limit: Some(args.limit),
    })?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&entries)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    if entries.is_empty() {
        outln!("no log entries")?;
    }
    for entry in &entries {
        print_activity(entry)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints one log entry as text: who acted, the action, its subject (`user acme/42` for a hub
/// record, `account wfm/acme/42` for a WFM account), then one line per field change.
pub fn print_activity(entry: &Activity) -> std::io::Result<()> {
    let by = match entry.run {
        Some(run) => format!("run {run}"),
        None => entry.origin.to_string(),
    };
    let id = entry.source_id.as_deref().unwrap_or("-");
    let subject = match &entry.subject {
        ActivitySubject::Record { kind } => format!("{kind} {}/{id}", entry.tenant),
        ActivitySubject::Account { store } => format!("account {store}/{}/{id}", entry.tenant),
        ActivitySubject::Link { kind } => {
            let flow = entry.flow.as_deref().unwrap_or("-");
            format!("link {flow}:{kind} {}/{id}", entry.tenant)
        }
    };
    let mut line = format!(
        "{} {by} {} {subject}",
        entry.at.strftime("%Y-%m-%d %H:%M:%S"),
        entry.action
    );
    if let Some(display) = &entry.display {
        line.push(' ');
        line.push_str(display);
    }
    if let Some(reason) = &entry.reason {
        line.push_str(&format!(" ({reason})"));
    }
    outln!("{line}")?;
    for change in &entry.changes {
        outln!("    {}: {} -> {}", change.field, change.old, change.new)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_kind_accepts_every_record_kind_account_and_link() {
        let names: Vec<String> = LogKind::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect();
        for kind in Kind::ALL {
            assert!(names.contains(&kind.as_str().to_owned()), "{names:?}");
        }
        assert!(names.contains(&"account".to_owned()), "{names:?}");
        assert!(names.contains(&"link".to_owned()), "{names:?}");
        assert_eq!(names.len(), Kind::ALL.len() + 2);
    }

    #[test]
    fn user_alone_means_the_users_records_and_accounts_and_refuses_another_kind() {
        assert_eq!(log_scope(None, false).unwrap(), ActivityScope::All);
        assert_eq!(log_scope(None, true).unwrap(), ActivityScope::Users);
        assert_eq!(
            log_scope(Some(LogKind::Account), true).unwrap(),
            ActivityScope::Accounts
        );
        assert_eq!(
            log_scope(Some(LogKind::Record(Kind::User)), true).unwrap(),
            ActivityScope::Records(Kind::User)
        );
        assert_eq!(
            log_scope(Some(LogKind::Record(Kind::Team)), false).unwrap(),
            ActivityScope::Records(Kind::Team)
        );
        let err = log_scope(Some(LogKind::Record(Kind::Team)), true).unwrap_err();
        assert!(err.to_string().contains("--kind team"), "{err}");
    }
}
