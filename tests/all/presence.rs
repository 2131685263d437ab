//! The presence mapping (rules P1–P5) end to end: the ACD simulator's users mapped through the
//! bundled `ringcentral` component to the RingCentral simulator's directory (whose people are
//! derived from the ACD simulator's of the same seed), by email and by hand, at the platform's
//! rate limits (the simulator's minute lasts one real second here).

use std::collections::BTreeMap;

use ccsync_sim::ringcentral::{ExtensionStatus, Fault, RateLimits};
use ccsync_sim::{RingCentralSim, RingCentralSimConfig};
use serde_json::Value;

use crate::support::Hub;

const PRESENCE: &str = "presence";
const USER_MAPPING_MAP: &str = "User Mapping: Map";
/// Simulated seconds per real second: a minute of rate limits lasts one second.
const TIME_SCALE: u32 = 60;

struct Presence {
    hub: Hub,
    rc: RingCentralSim,
}

impl Presence {
    async fn start(agents: usize, limits: RateLimits) -> Presence {
        let hub = Hub::start(agents, 500).await;
        let mut config = RingCentralSimConfig::new(42, agents).with_time_scale(TIME_SCALE);
        config.acd_tenant_id = hub.sim.tenant_id().to_owned();
        config.limits = limits;
        let rc = RingCentralSim::start(config)
            .await
            .expect("starting the RingCentral simulator");
        let plugin = ccsync_bundled::connector("ringcentral").expect("bundled");
        hub.install_plugin("ringcentral", plugin.component, plugin.manifest);
        let base = rc.base_url();
        let mut settings = String::new();
        for (key, value) in rc.connection_settings() {
            settings += &format!("{key} = \"{value}\"\n");
        }
        hub.write_config(&format!(
            r#"{}
[plugins.ringcentral]
path = "plugins/ringcentral.wasm"

[connections.rc]
plugin = "ringcentral"
tenant = "rc"
allowed_origins = ["{base}"]

[connections.rc.settings]
{settings}
[flows.{PRESENCE}]
source = "acd"
target = "rc"
family = "presence"
kinds = ["team", "security-profile", "user"]
interval = "30m"
"#,
            hub.config_text(500, true)
        ));
        Presence { hub, rc }
    }

    async fn map(&self, extra: &[&str]) -> Value {
        let mut args = vec!["sync", PRESENCE];
        args.extend_from_slice(extra);
        args.push("--json");
        let report = self.hub.json(&args).await;
        assert_eq!(report["status"], "succeeded", "{report}");
        report
    }

    async fn links(&self) -> BTreeMap<String, Value> {
        let links = self.hub.json(&["links", "list", PRESENCE, "--json"]).await;
        links
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["source_id"].as_str().unwrap().to_owned(), l.clone()))
            .collect()
    }

    async fn link(&self, id: &str) -> Value {
        self.hub
            .json(&["links", "show", PRESENCE, id, "--json"])
            .await["link"]
            .clone()
    }

    /// Whether each active agent's role grants `User Mapping: Map`, by agent id.
    fn may_map(&self) -> BTreeMap<String, bool> {
        let profiles = self.hub.sim.security_profiles();
        self.hub
            .sim
            .agents()
            .into_iter()
            .filter(|a| a.is_active)
            .map(|a| {
                let granted = profiles.iter().any(|p| {
                    p.security_profile_id == a.profile_id
                        && p.permissions.iter().any(|x| x == USER_MAPPING_MAP)
                });
                (a.agent_id.to_string(), granted)
            })
            .collect()
    }

    /// The enabled directory users each agent's email matches, by agent id.
    fn enabled_matches(&self) -> BTreeMap<String, (Option<String>, Vec<String>)> {
        self.rc
            .agent_matches()
            .into_iter()
            .map(|m| {
                let ids = m
                    .users
                    .iter()
                    .filter(|u| u.status == ExtensionStatus::Enabled)
                    .map(|u| u.id.to_string())
                    .collect();
                (m.agent_id.to_string(), (m.email, ids))
            })
            .collect()
    }

    /// An agent mapped by email, with its extension id.
    async fn mapped_agent(&self) -> (String, String) {
        self.links()
            .await
            .into_values()
            .find(|l| l["status"] == "mapped" && l["method"] == "email")
            .map(|l| {
                (
                    l["source_id"].as_str().unwrap().to_owned(),
                    l["target_id"].as_str().unwrap().to_owned(),
                )
            })
            .expect("a mapped agent")
    }

    fn assert_no_429(&self) {
        let counters = self.rc.counters();
        assert_eq!(counters.rate_limited, 0, "{counters:?}");
        assert_eq!(counters.penalties_started, 0, "{counters:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn p1_to_p3_users_map_by_email_to_one_enabled_directory_user_or_stay_unmapped_with_why() {
    let p = Presence::start(300, RateLimits::default()).await;
    let first = p.map(&[]).await;
    let notes = first["family"]["notes"].to_string();
    assert!(
        notes.contains("read in full"),
        "the first mapping reads the directory: {notes}"
    );
    let links = p.links().await;
    let matches = p.enabled_matches();
    let (mut mapped, mut unmapped, mut skipped) = (0, 0, 0);
    for (id, may_map) in p.may_map() {
        let link = &links[&id];
        let (email, enabled) = &matches[&id];
        if !may_map {
            // P2: skipped, with that reason.
            assert!(
                link["reason"].as_str().unwrap().contains(USER_MAPPING_MAP),
                "{link}"
            );
            skipped += 1;
            continue;
        }
        match (email, enabled.as_slice()) {
            (None, _) => assert_eq!(link["status"], "unmapped", "{link}"),
            // P1: one enabled user with the email, trimmed and case-folded.
            (Some(_), [one]) => {
                assert_eq!(link["status"], "mapped", "{link}");
                assert_eq!(link["target_id"], one.as_str());
                mapped += 1;
            }
            // P3: none, or several with the candidates.
            (Some(_), []) => {
                assert_eq!(link["status"], "unmapped", "{link}");
                assert_eq!(link["attempts"], 1);
                unmapped += 1;
            }
            (Some(_), several) => {
                assert_eq!(link["status"], "ambiguous", "{link}");
                assert_eq!(link["candidates"], serde_json::json!(several));
            }
        }
    }
    assert!(
        mapped > 100 && unmapped > 0 && skipped > 0,
        "{mapped} {unmapped} {skipped}"
    );
    p.assert_no_429();

    // The operator's view: why each user is unmapped.
    let why = p
        .hub
        .json(&["links", "list", PRESENCE, "--status", "unmapped", "--json"])
        .await;
    assert!(
        why.as_array()
            .unwrap()
            .iter()
            .all(|l| l["reason"].is_string())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn p3_unmapped_users_are_tried_once_more_then_left_and_an_unchanged_rerun_asks_nothing() {
    let p = Presence::start(200, RateLimits::default()).await;
    p.map(&[]).await;
    let unmapped: Vec<String> = p
        .links()
        .await
        .into_values()
        .filter(|l| l["status"] == "unmapped" && l["attempts"] == 1)
        .map(|l| l["source_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!unmapped.is_empty());
    // The second run tries them once more (by look-ups or a read: whichever is cheaper).
    p.map(&[]).await;
    let again = p.link(&unmapped[0]).await;
    assert_eq!(again["attempts"], 2, "{again}");
    assert!(
        again["reason"]
            .as_str()
            .unwrap()
            .contains("left for manual")
    );
    // The third run has nobody left to look up: not one directory request.
    p.rc.reset_counters();
    let third = p.map(&[]).await;
    assert_eq!(p.rc.counters().medium, 0, "{third}");
    p.assert_no_429();
}

#[tokio::test(flavor = "multi_thread")]
async fn p4_a_user_mapped_by_hand_keeps_the_pin_through_auto_runs_and_is_flagged_when_it_goes() {
    let p = Presence::start(100, RateLimits::default()).await;
    p.map(&[]).await;
    let links = p.links().await;
    let lonely = links
        .values()
        .find(|l| l["status"] == "unmapped" && l["reason"].as_str().unwrap().contains("no enabled"))
        .expect("an unmapped user")["source_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Search the directory by name, as an operator maps by hand.
    let extension =
        p.rc.records()
            .into_iter()
            .map(|r| r.extension)
            .find(|e| e.status == ExtensionStatus::Enabled && e.contact.last_name.is_some())
            .unwrap();
    let last = extension.contact.last_name.clone().unwrap();
    let found = p
        .hub
        .json(&["links", "search", PRESENCE, &last, "--json"])
        .await;
    let id = extension.id.to_string();
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == id.as_str()),
        "{found}"
    );
    let pinned = p.hub.run(&["links", "pin", PRESENCE, &lonely, &id]).await;
    assert!(pinned.status.success(), "{pinned:?}");

    // Auto runs never override it, a full one included.
    p.map(&[]).await;
    p.map(&["--full"]).await;
    let link = p.link(&lonely).await;
    assert_eq!(
        (&link["method"], &link["target_id"]),
        (&"manual".into(), &id.as_str().into())
    );

    // Its extension disappears: the pin is flagged on the next full read, not dropped.
    p.rc.remove_extension(extension.id).unwrap();
    p.map(&["--full"]).await;
    let link = p.link(&lonely).await;
    assert_eq!(link["status"], "mapped", "{link}");
    assert_eq!(link["target_id"], id.as_str());
    assert!(
        link["reason"]
            .as_str()
            .unwrap()
            .contains("pinned directory user is gone"),
        "{link}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn p5_each_tenant_has_its_own_mapping_flow_schedule_and_status_per_user() {
    let p = Presence::start(50, RateLimits::default()).await;
    // A second CXone tenant (the same simulator under another tenant label) with its own
    // mapping flow and frequency.
    let mut config = std::fs::read_to_string(p.hub.dir().join("ccsync.toml")).unwrap();
    let acd = config
        .split("[connections.acd]")
        .nth(1)
        .and_then(|rest| rest.split("[flows.").next())
        .unwrap()
        .replace("tenant = \"acme\"", "tenant = \"west\"")
        .replace("[connections.acd.", "[connections.acd-west.");
    config += &format!(
        "\n[connections.acd-west]{acd}\n[flows.presence-west]\nsource = \"acd-west\"\n\
         target = \"rc\"\nfamily = \"presence\"\nkinds = [\"team\", \"security-profile\", \
         \"user\"]\ninterval = \"2h\"\n"
    );
    p.hub.write_config(&config);
    p.map(&[]).await;
    let west = p.hub.json(&["sync", "presence-west", "--json"]).await;
    assert_eq!(west["status"], "succeeded", "{west}");
    let status = p.hub.json(&["status", "--json"]).await;
    let flow = |name: &str| {
        status
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["flow"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(flow(PRESENCE)["interval"], 1800.0);
    assert_eq!(flow("presence-west")["interval"], 7200.0);
    assert!(
        flow("presence-west")["notes"][0]
            .as_str()
            .unwrap()
            .contains("mapped")
    );
    let west_links = p
        .hub
        .json(&["links", "list", "presence-west", "--json"])
        .await;
    assert!(
        west_links
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["tenant"] == "west"
                && ["mapped", "unmapped", "ambiguous"].contains(&l["status"].as_str().unwrap())),
        "{west_links}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mapped_user_whose_extension_is_disabled_or_whose_email_changes_is_looked_at_again() {
    let p = Presence::start(100, RateLimits::default()).await;
    p.map(&[]).await;
    let (agent, extension) = p.mapped_agent().await;
    p.rc.set_status(extension.parse().unwrap(), ExtensionStatus::Disabled)
        .unwrap();
    p.map(&["--full"]).await;
    let link = p.link(&agent).await;
    assert_eq!(link["status"], "unmapped", "{link}");
    assert!(
        link["reason"].as_str().unwrap().contains("disabled"),
        "{link}"
    );
    let history = p
        .hub
        .json(&["links", "show", PRESENCE, &agent, "--json"])
        .await;
    let logged = history["log"].to_string();
    assert!(
        logged.contains(&extension),
        "old -> new is logged: {logged}"
    );

    // Another mapped user's email changes at the source: an incremental run looks it up again.
    let (other, _) = p.mapped_agent().await;
    p.hub
        .sim
        .update_agent(other.parse().unwrap(), |a| {
            a.email_address = Some("someone.else@nowhere.example".into())
        })
        .unwrap();
    p.map(&[]).await;
    let link = p.link(&other).await;
    assert_eq!(link["status"], "unmapped", "{link}");
    assert!(
        link["reason"].as_str().unwrap().contains("email changed"),
        "{link}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_that_would_exceed_the_rate_limit_paces_itself_with_zero_429s() {
    // One directory request a minute: the full read of 2,500 users (3 pages) must wait for
    // the window between pages instead of drawing a 429.
    let limits = RateLimits {
        medium: 1,
        ..RateLimits::default()
    };
    let p = Presence::start(2500, limits).await;
    p.map(&[]).await;
    let counters = p.rc.counters();
    assert!(counters.medium >= 3, "{counters:?}");
    assert!(
        counters.simulated_minutes >= 2.0,
        "three requests at one a minute span two minutes at least: {counters:?}"
    );
    p.assert_no_429();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_is_waited_out_and_an_expired_token_renewed_mid_run() {
    let p = Presence::start(100, RateLimits::default()).await;
    p.rc.fail_next(
        "/restapi/v1.0/account/~/extension",
        1,
        Fault::RateLimited {
            retry_after_secs: 1,
        },
    )
    .unwrap();
    p.rc.fail_next("/restapi/v1.0/account/~/extension", 1, Fault::Status(401))
        .unwrap();
    let report = p.map(&[]).await;
    assert!(
        report["family"]["summary"]["created"].as_u64().unwrap() > 0,
        "{report}"
    );
    let counters = p.rc.counters();
    assert_eq!(
        counters.tokens_issued, 2,
        "the token was renewed once: {counters:?}"
    );
}
