//! `configure`: the settings file configures the plugin, and settings it cannot use are
//! refused as `invalid-config` naming the key.
//!
//! The host does not retry `invalid-config` and shows its message to the operator, so the
//! message must say which key to fix. The bad settings are derived from the file: a key no
//! connector knows, the first key given twice, and each required key (one whose absence
//! `configure` refuses) given empty.

use ccsync_model::ConnectorError;
use ccsync_runtime::CallError;

use super::Kit;
use super::report::Outcome;

/// A key no connector knows.
const UNKNOWN_KEY: &str = "ccsync-conformance-unknown-key";

/// Runs the configure checks; `false` when the settings file does not configure the plugin
/// (the checks that need an instance cannot run).
pub(super) async fn run(kit: &mut Kit) -> bool {
    let check = "configure.accepts-settings";
    let configured = kit.connect(check).await;
    let ok = configured.is_ok();
    kit.report.add(
        check,
        match configured {
            Ok(_) => Outcome::Pass,
            Err(e) => Outcome::Fail(e.to_string()),
        },
    );
    if !ok {
        return false;
    }
    let settings = kit.settings.pairs.clone();

    let mut unknown = settings.clone();
    unknown.push((UNKNOWN_KEY.into(), "1".into()));
    let outcome = refused(kit, "configure.refuses-unknown-key", unknown, UNKNOWN_KEY).await;
    kit.report.add("configure.refuses-unknown-key", outcome);

    let check = "configure.refuses-repeated-key";
    let outcome = match settings.first() {
        None => Outcome::Skip("the settings file has no setting to repeat".into()),
        Some((key, value)) => {
            let mut repeated = settings.clone();
            repeated.push((key.clone(), value.clone()));
            refused(kit, check, repeated, key).await
        }
    };
    kit.report.add(check, outcome);

    let check = "configure.refuses-empty-required";
    let mut required = Vec::new();
    for (i, (key, _)) in settings.iter().enumerate() {
        let mut without = settings.clone();
        without.remove(i);
        if kit.connect_with(check, without).await.is_err() {
            required.push((i, key.clone()));
        }
    }
    if required.is_empty() {
        kit.report.add(
            check,
            Outcome::Skip("the plugin configures without any one of the file's settings".into()),
        );
        return true;
    }
    let mut failures = Vec::new();
    for (i, key) in required {
        let mut empty = settings.clone();
        empty[i].1 = String::new();
        if let Outcome::Fail(why) = refused(kit, check, empty, &key).await {
            failures.push(why);
        }
    }
    kit.report.add_all(check, failures);
    true
}

/// Pass when `configure` with `pairs` fails with `invalid-config` naming `key`.
async fn refused(kit: &mut Kit, check: &str, pairs: Vec<(String, String)>, key: &str) -> Outcome {
    match kit.connect_with(check, pairs).await {
        Ok(_) => Outcome::Fail(format!("`{key}`: configure accepted it")),
        Err(CallError::Connector {
            error: ConnectorError::InvalidConfig(message),
            ..
        }) if message.contains(key) => Outcome::Pass,
        Err(CallError::Connector {
            error: ConnectorError::InvalidConfig(message),
            ..
        }) => Outcome::Fail(format!(
            "`{key}`: invalid-config does not name the key: {message}"
        )),
        Err(e) => Outcome::Fail(format!("`{key}`: expected invalid-config, got {e}")),
    }
}
