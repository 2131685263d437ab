//! The arguments of the operator's hand on flows whose target is a connection: links
//! (`ccsync links`), a push flow's selection (`ccsync select`) and its dialer (`ccsync dialer`).

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum DialerCommand {
    /// The users the flow pushed that have no password at the dialer yet (rule D2): they
    /// cannot log in until someone sets one there.
    NeedsPassword(NeedsPasswordArgs),
}

#[derive(Debug, Args)]
pub struct NeedsPasswordArgs {
    /// The push flow.
    pub flow: String,
    /// List every pushed user with how its password stands, not only those needing one.
    #[arg(long)]
    pub all: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum LinksCommand {
    /// A flow's links, in key order, optionally of one status.
    List(LinksListArgs),
    /// One record's link and its history.
    Show(LinkArgs),
    /// Links a record to a target id by hand; automation never overrides a pin.
    Pin(LinkPinArgs),
    /// Tells automation to leave a record alone.
    Ignore(LinkArgs),
    /// Removes a record's link; automation may link the record again.
    Unlink(LinkArgs),
    /// Searches the target's directory by name (for `links pin`).
    Search(LinkSearchArgs),
}

#[derive(Debug, Args)]
pub struct LinksListArgs {
    /// The flow.
    pub flow: String,
    /// Only links with this status: mapped, unmapped, ambiguous, ignored, failed.
    #[arg(long)]
    pub status: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The flow.
    pub flow: String,
    /// The hub record's source id.
    pub record: String,
    /// The record's kind.
    #[arg(long, default_value = "user")]
    pub kind: String,
    /// Why (kept in the link's log).
    #[arg(long)]
    pub reason: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LinkPinArgs {
    /// The flow.
    pub flow: String,
    /// The hub record's source id.
    pub record: String,
    /// The record's id at the target.
    pub target_id: String,
    /// The record's kind.
    #[arg(long, default_value = "user")]
    pub kind: String,
    /// Why (kept in the link's log).
    #[arg(long)]
    pub reason: Option<String>,
    /// Print the link as it now stands, as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LinkSearchArgs {
    /// The flow.
    pub flow: String,
    /// A name, or part of one.
    pub query: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("what")
        .required(true)
        .args(["list", "all", "none", "add", "remove"])
))]
pub struct SelectArgs {
    /// The push flow.
    pub flow: String,
    /// The kind of records.
    #[arg(long, default_value = "user")]
    pub kind: String,
    /// List the source's records with a mark for each selected one.
    #[arg(long)]
    pub list: bool,
    /// Select every record the hub holds of the kind.
    #[arg(long)]
    pub all: bool,
    /// Clear the selection.
    #[arg(long)]
    pub none: bool,
    /// Select these records.
    #[arg(long, num_args = 1..)]
    pub add: Vec<String>,
    /// Deselect these records (they stay at the target: rule D4).
    #[arg(long, num_args = 1..)]
    pub remove: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}
