//! `ccsync users list`, `ccsync runs`, `ccsync log`: what the hub holds and what it did.

use std::path::Path;
use std::process::ExitCode;

use ccsync_model::{Entity, Kind};
use ccsync_store::{LogFilter, RecordFilter, RunId};
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
        println!("{}", serde_json::to_string_pretty(&users)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<10} {:<10} {:<44} {:<28} {:<36} STATUS",
        "TENANT", "ID", "USERNAME", "NAME", "EMAIL"
    );
    for record in &records {
        let Entity::User(user) = &record.entity else {
            continue;
        };
        let name = format!("{} {}", or_dash(&user.first_name), or_dash(&user.last_name));
        println!(
            "{:<10} {:<10} {:<44} {:<28} {:<36} {}",
            record.tenant,
            record.source_id,
            or_dash(&user.username),
            name,
            or_dash(&user.email),
            record.status
        );
    }
    println!("{} users", records.len());
    Ok(ExitCode::SUCCESS)
}

pub fn runs(config: &Path, args: RunsArgs) -> anyhow::Result<ExitCode> {
    let (_, store) = open_store(config)?;
    let runs = store.runs(args.flow.as_deref(), args.limit)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&runs)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
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
    );
    for run in &runs {
        let c = &run.counts;
        println!(
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
        );
        if let Some(error) = &run.error {
            println!("      {error}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn log(config: &Path, args: LogArgs) -> anyhow::Result<ExitCode> {
    let (_, store) = open_store(config)?;
    let entries = store.log_entries(&LogFilter {
        run: args.run.map(RunId),
        source_id: args.user.as_deref(),
        flow: None,
        after_id: None,
        limit: Some(args.limit),
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(ExitCode::SUCCESS);
    }
    for entry in &entries {
        println!(
            "{} run {} {} {} {}/{} {}{}",
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.run,
            entry.action,
            entry.kind,
            entry.tenant,
            entry.source_id.as_deref().unwrap_or("-"),
            entry.display.as_deref().unwrap_or(""),
            entry
                .reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        );
        for change in &entry.changes {
            println!("    {}: {} -> {}", change.field, change.old, change.new);
        }
    }
    if entries.is_empty() {
        println!("no log entries");
    }
    Ok(ExitCode::SUCCESS)
}
