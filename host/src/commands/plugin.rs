//! `ccsync plugin …`: look at plugin files.

use std::process::ExitCode;

use anyhow::Context;
use ccsync_model::{Description, Kind};
use ccsync_runtime::{Runtime, RuntimeOptions};

use crate::cli::InspectArgs;

/// Loads the plugin in the sandbox (no origins allowed) and prints its description.
pub async fn inspect(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let runtime = Runtime::new(RuntimeOptions::default())?;
    let plugin = runtime
        .load_file(&args.file)
        .await
        .with_context(|| format!("inspecting {}", args.file.display()))?;
    let description = plugin.description();
    if args.json {
        println!("{}", serde_json::to_string_pretty(description)?);
    } else {
        print!("{}", describe_text(description));
    }
    Ok(ExitCode::SUCCESS)
}

fn kinds(kinds: &[Kind]) -> String {
    if kinds.is_empty() {
        return "(none)".into();
    }
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn or_none(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".into()
    } else {
        items.join(", ")
    }
}

fn describe_text(d: &Description) -> String {
    format!(
        "{} {}\n  reads:        {}\n  writes:       {}\n  origins:      {}\n  capabilities: {}\n",
        d.name,
        d.version,
        kinds(&d.reads),
        kinds(&d.writes),
        or_none(&d.origins),
        or_none(&d.capabilities)
    )
}
