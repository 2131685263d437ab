//! Calls the plugin does not declare answer `unsupported`.
//!
//! The host asks a connector only for what its description declares, but an operator's
//! config can still point a flow the wrong way (a read-only source as a push target); the
//! connector must then say `unsupported`, which the host reports as such, and neither succeed
//! silently nor fail in a way the host would retry. What counts as undeclared comes from
//! `describe()`: a kind not in `reads`, a write of a kind not in `writes` (all writes and
//! `find` on a read-only connector, `get` too unless it declares `get`), and `search-users`
//! and `find-by-email` without their capability.

use ccsync_model::{ConnectorError, Entity, Kind, NamedItem, SecurityProfile, Team, User};
use ccsync_runtime::CallError;

use super::Kit;
use super::report::Outcome;
use crate::sync::rules::d::decide::{CC_AGENT_STATUS, CC_CAMPAIGNS, CC_DISPOSITIONS};

const CHECK: &str = "calls.unsupported";
const PROBE_ID: &str = "ccsync-conformance-probe";

/// Runs `calls.unsupported`.
pub(super) async fn run(kit: &mut Kit) {
    let mut connector = match kit.connect(CHECK).await {
        Ok(connector) => connector,
        Err(e) => {
            kit.report
                .add(CHECK, Outcome::Fail(format!("configure failed: {e}")));
            return;
        }
    };
    let description = kit.description().clone();
    let mut probed = 0;
    let mut failures = Vec::new();
    let mut probe = |kit: &mut Kit, call: String, result: Result<String, CallError>| {
        probed += 1;
        match result {
            Err(CallError::Connector {
                error: ConnectorError::Unsupported(_),
                ..
            }) => {}
            Err(e) => failures.push(format!("{call}: {}", kit.observe(CHECK, &e))),
            Ok(answer) => failures.push(format!("{call}: answered {answer}")),
        }
    };
    for kind in Kind::ALL {
        if !description.reads.contains(&kind) {
            let result = connector.read(kind, None, None).await;
            let result = result.map(|p| format!("a page of {} records", p.items.len()));
            probe(kit, format!("read({})", kind.as_str()), result);
        }
    }
    for kind in Kind::ALL {
        if description.writes.contains(&kind) {
            continue;
        }
        let name = kind.as_str();
        let result = connector.create(sample(kind), PROBE_ID).await;
        probe(
            kit,
            format!("create({name})"),
            result.map(|id| format!("id {id:?}")),
        );
        let result = connector.update(PROBE_ID, sample(kind)).await;
        probe(kit, format!("update({name})"), result.map(|()| "ok".into()));
        if description.writes.is_empty() {
            // A writable connector may deactivate nothing (rule D4): only a read-only one is
            // held to it.
            let result = connector.deactivate(kind, PROBE_ID).await;
            probe(
                kit,
                format!("deactivate({name})"),
                result.map(|()| "ok".into()),
            );
            let result = connector.find(kind, PROBE_ID).await;
            probe(
                kit,
                format!("find({name})"),
                result.map(|id| format!("{id:?}")),
            );
            if !kit.has_capability("get") {
                let result = connector.get(kind, PROBE_ID).await;
                probe(
                    kit,
                    format!("get({name})"),
                    result.map(|e| format!("{e:?}")),
                );
            }
        }
    }
    if !kit.has_capability("search-users") {
        let result = connector.search_users("ccsync").await;
        probe(
            kit,
            "search-users".into(),
            result.map(|u| format!("{} users", u.len())),
        );
    }
    if !kit.has_capability("find-by-email") {
        let emails = ["ccsync-conformance@example.test".to_owned()];
        let result = connector.find_by_email(&emails).await;
        probe(
            kit,
            "find-by-email".into(),
            result.map(|u| format!("{} users", u.len())),
        );
    }
    if probed == 0 {
        kit.report.add(
            CHECK,
            Outcome::Skip("the plugin declares every call and kind".into()),
        );
    } else {
        kit.report.add_all(CHECK, failures);
    }
}

/// A record of `kind` named for the kit: what the write checks create, and the probes send.
/// A list item is filed in the list a push files it in (rule D3), as a dialer expects.
pub(super) fn sample(kind: Kind) -> Entity {
    let name = format!("ccsync-conformance-{}", kind.as_str());
    let group = match kind {
        Kind::Campaign => Some(CC_CAMPAIGNS),
        Kind::Disposition => Some(CC_DISPOSITIONS),
        Kind::AgentStatus => Some(CC_AGENT_STATUS),
        _ => None,
    };
    let item = NamedItem {
        id: String::new(),
        name: name.clone(),
        active: true,
        group: group.map(str::to_owned),
        extra: Vec::new(),
    };
    match kind {
        Kind::User => Entity::User(User {
            username: Some(name.clone()),
            first_name: Some("Conformance".into()),
            last_name: Some("Kit".into()),
            email: Some(format!("{name}@example.test")),
            active: true,
            ..User::default()
        }),
        Kind::Team => Entity::Team(Team {
            name,
            active: true,
            ..Team::default()
        }),
        Kind::SecurityProfile => Entity::SecurityProfile(SecurityProfile {
            name,
            ..SecurityProfile::default()
        }),
        Kind::Campaign => Entity::Campaign(item),
        Kind::Disposition => Entity::Disposition(item),
        Kind::AgentStatus => Entity::AgentStatus(item),
    }
}
