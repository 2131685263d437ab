//! `describe`: it says what the embedded manifest says, and it needs no network.
//!
//! The host holds a signed plugin's `describe()` to its manifest on every load and refuses a
//! plugin that disagrees; the kit says so before signing. `describe()` runs before
//! `configure`, with no origin allowed, so a plugin that calls out in it breaks at load.

use ccsync_plugin::Manifest;

use super::Kit;
use super::report::Outcome;

/// Runs `describe.matches-manifest` and `describe.no-network`.
pub(super) async fn run(kit: &mut Kit) {
    let outcome = match &kit.manifest {
        Some(manifest) => matches_manifest(manifest, kit),
        None => Outcome::Fail(
            "no manifest is embedded: embed plugin.toml with `ccsync plugin sign` (or \
             `plugin embed-manifest` for a development build)"
                .into(),
        ),
    };
    kit.report.add("describe.matches-manifest", outcome);

    let check = "describe.no-network";
    let outcome = match kit.connect(check).await {
        Ok(mut connector) => {
            let before = kit.transport.requests();
            let described = connector.describe().await;
            let sent = kit.transport.requests() - before;
            match kit.note(check, described) {
                Err(e) => Outcome::Fail(e),
                Ok(_) if sent > 0 => Outcome::Fail(format!("describe() sent {sent} request(s)")),
                Ok(d) if &d != kit.description() => Outcome::Fail(
                    "describe() on a configured instance differs from describe() at load".into(),
                ),
                Ok(_) => Outcome::Pass,
            }
        }
        Err(e) => Outcome::Skip(format!("configure failed: {e}")),
    };
    kit.report.add(check, outcome);
}

fn matches_manifest(manifest: &Manifest, kit: &Kit) -> Outcome {
    match manifest.check_description(kit.description()) {
        Ok(()) => Outcome::Pass,
        Err(mismatch) => Outcome::Fail(mismatch.to_string()),
    }
}
