//! A mapping flow (rules P) end to end: the ACD simulator's users mapped through the
//! `test-target` component to the directory of `support::target`, by email and by hand.
//! Nothing is written to either side.

use serde_json::Value;

use crate::support::Hub;
use crate::support::target::Target;

const PRESENCE: &str = "presence";
const USER_MAPPING_MAP: &str = "User Mapping: Map";

struct Mapping {
    hub: Hub,
    target: Target,
}

impl Mapping {
    async fn start() -> Mapping {
        let hub = Hub::start(40, 100).await;
        let target = Target::start().await;
        hub.install_plugin(
            "test-target",
            ccsync_bundled::test_plugins::TARGET,
            include_str!("../plugins/test-target/plugin.toml"),
        );
        let base = target.base_url();
        let config = format!(
            r#"{}
[plugins.test-target]
path = "plugins/test-target.wasm"

[connections.directory]
plugin = "test-target"
tenant = "directory"
allowed_origins = ["{base}"]

[connections.directory.settings]
base-url = "{base}"

[flows.{PRESENCE}]
source = "acd"
target = "directory"
family = "presence"
kinds = ["team", "security-profile", "user"]
manual = true
"#,
            hub.config_text(100, true)
        );
        hub.write_config(&config);
        Mapping { hub, target }
    }

    /// Agents with an email, split by whether their profile grants `User Mapping: Map`.
    fn agents(&self, may_map: bool) -> Vec<(String, String)> {
        let profiles = self.hub.sim.security_profiles();
        self.hub
            .sim
            .agents()
            .into_iter()
            .filter(|a| a.is_active)
            .filter(|a| {
                profiles.iter().any(|p| {
                    p.security_profile_id == a.profile_id
                        && p.permissions.iter().any(|x| x == USER_MAPPING_MAP) == may_map
                })
            })
            .filter_map(|a| Some((a.agent_id.to_string(), a.email_address?)))
            .collect()
    }

    async fn map(&self) -> Value {
        let report = self.hub.json(&["sync", PRESENCE, "--json"]).await;
        assert_eq!(report["status"], "succeeded", "{report}");
        report
    }

    async fn link(&self, id: &str) -> Value {
        self.hub
            .json(&["links", "show", PRESENCE, id, "--json"])
            .await["link"]
            .clone()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn p1_to_p3_users_map_by_email_or_stay_unmapped_with_why_and_are_tried_once_more() {
    let m = Mapping::start().await;
    let mappable = m.agents(true);
    let not_allowed = m.agents(false);
    let (a, b, c) = (&mappable[0], &mappable[1], &mappable[2]);
    let d = &not_allowed[0];
    // A: the same address, other case and spaces (P1); B: two directory users (P3); C: none;
    // D: a directory user, but a role without `User Mapping: Map` (P2).
    m.target
        .add_directory_user("rc-a", "Ann", &format!("  {} ", a.1.to_uppercase()));
    m.target.add_directory_user("rc-b1", "Bo", &b.1);
    m.target.add_directory_user("rc-b2", "Bo Too", &b.1);
    m.target.add_directory_user("rc-d", "Dee", &d.1);

    let first = m.map().await;
    assert!(
        first["family"]["summary"]["created"].as_u64().unwrap() >= 1,
        "{first}"
    );
    let link_a = m.link(&a.0).await;
    assert_eq!(
        (&link_a["status"], &link_a["method"], &link_a["target_id"]),
        (&"mapped".into(), &"email".into(), &"rc-a".into())
    );
    let link_b = m.link(&b.0).await;
    assert_eq!(link_b["status"], "ambiguous", "{link_b}");
    assert_eq!(link_b["candidates"], serde_json::json!(["rc-b1", "rc-b2"]));
    let link_c = m.link(&c.0).await;
    assert_eq!(
        (&link_c["status"], &link_c["attempts"]),
        (&"unmapped".into(), &1.into())
    );
    let link_d = m.link(&d.0).await;
    assert!(
        link_d["reason"]
            .as_str()
            .unwrap()
            .contains("User Mapping: Map"),
        "{link_d}"
    );
    let unmapped = m
        .hub
        .json(&["links", "list", PRESENCE, "--status", "unmapped", "--json"])
        .await;
    assert!(
        unmapped
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["reason"].is_string()),
        "every unmapped user says why: {unmapped}"
    );

    // Tried once more on the next run, then left for manual mapping: no more look-ups.
    m.map().await;
    let link_c = m.link(&c.0).await;
    assert_eq!(link_c["attempts"], 2);
    assert!(
        link_c["reason"]
            .as_str()
            .unwrap()
            .contains("left for manual")
    );
    let gets = m.target.requests("GET");
    let third = m.map().await;
    assert_eq!(
        m.target.requests("GET"),
        gets,
        "no look-up after the second try"
    );
    assert_eq!(third["family"]["summary"]["created"], 0, "{third}");
    assert_eq!(m.target.requests("POST") + m.target.requests("PUT"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn p4_a_user_mapped_by_hand_after_a_search_keeps_the_pin_through_later_runs() {
    let m = Mapping::start().await;
    let c = m.agents(true)[2].clone();
    m.target
        .add_directory_user("rc-c", "Cyrus Hand", "cyrus@elsewhere.example");
    m.map().await;
    assert_eq!(m.link(&c.0).await["status"], "unmapped");

    let found = m
        .hub
        .json(&["links", "search", PRESENCE, "cyrus", "--json"])
        .await;
    assert_eq!(found[0]["id"], "rc-c", "{found}");
    let pinned = m.hub.run(&["links", "pin", PRESENCE, &c.0, "rc-c"]).await;
    assert!(pinned.status.success(), "{pinned:?}");
    // A directory user now has the email: automation still keeps the pin.
    m.target.add_directory_user("rc-other", "Other", &c.1);
    m.map().await;
    let link = m.link(&c.0).await;
    assert_eq!(
        (&link["method"], &link["target_id"]),
        (&"manual".into(), &"rc-c".into())
    );
}
