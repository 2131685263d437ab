//! The WFO hybrid flow (rules H1–H6) end to end: the Central simulator's users read through
//! the bundled `central` component into the hub's WFO store, the operator's acts on accounts,
//! billing, and the CSV export read back with a CSV parser.

use std::collections::BTreeMap;

use ccsync_sim::{CentralSim, CentralSimConfig};
use serde_json::Value;

use crate::support::Hub;

const WFO: &str = "central-wfo";

/// The export's header, as the seed names the columns.
const HEADERS: [&str; 13] = [
    "Username",
    "Password",
    "Locked (Y/N)",
    "First name",
    "Last name",
    "Email",
    "Active agent (Y/N)",
    "System username",
    "System domain",
    "Employee ID",
    "Site ID",
    "Phone1;phone2;phone3",
    "RoleID;roleID;roleID",
];

struct Wfo {
    hub: Hub,
    central: CentralSim,
}

impl Wfo {
    async fn start(config: CentralSimConfig) -> Wfo {
        // The hub's own ACD simulator stays idle: this workspace reads only Central.
        let hub = Hub::start(1, 100).await;
        let central = CentralSim::start(config)
            .await
            .expect("starting the Central simulator");
        let plugin = ccsync_bundled::connector("central").expect("bundled");
        hub.install_plugin("central", plugin.component, plugin.manifest);
        let base = central.base_url();
        let mut settings = String::new();
        for (key, value) in central.connection_settings() {
            settings += &format!("{key} = \"{value}\"\n");
        }
        hub.write_config(&format!(
            r#"data_dir = "data"

[plugins.central]
path = "plugins/central.wasm"

[connections.central]
plugin = "central"
tenant = "bu1"
allowed_origins = ["{base}"]

[connections.central.settings]
{settings}
[flows.{WFO}]
source = "central"
target = "wfo"
kinds = ["team", "security-profile", "user"]
manual = true
"#
        ));
        Wfo { hub, central }
    }

    async fn sync(&self, extra: &[&str]) -> Value {
        let mut args = vec!["sync", WFO];
        args.extend_from_slice(extra);
        args.push("--json");
        let report = self.hub.json(&args).await;
        assert_eq!(report["status"], "succeeded", "{report}");
        report
    }

    async fn accounts(&self) -> BTreeMap<String, Value> {
        self.hub
            .json(&["wfo", "list", "--json"])
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["source_id"].as_str().unwrap().to_owned(), a.clone()))
            .collect()
    }

    async fn account(&self, id: u64) -> Value {
        self.hub
            .json(&["wfo", "show", &id.to_string(), "--json"])
            .await
    }

    async fn act(&self, args: &[&str]) {
        let output = self.hub.run(args).await;
        assert!(output.status.success(), "{args:?}: {output:?}");
    }

    fn team_id(&self, name: &str) -> u64 {
        self.central.team_named(name).expect(name).team_id
    }

    /// Active users of a team whose profile is `iWFOUser`, with or without a Primary Phone.
    fn users_on(&self, team: &str, with_phone: bool) -> Vec<u64> {
        let team = self.team_id(team);
        self.central
            .agents()
            .into_iter()
            .filter(|a| a.is_active && a.team_id == team && a.profile_name == "iWFOUser")
            .filter(|a| a.telephone1.is_some() == with_phone)
            .map(|a| a.agent_id)
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn h1_h2_iwfo_users_get_accounts_with_agent_on_and_local_state_survives_a_sync() {
    let w = Wfo::start(CentralSimConfig::new(5, 120)).await;
    w.sync(&["--full"]).await;
    let accounts = w.accounts().await;
    for agent in w.central.agents() {
        let wfo_user = ["iWFOUser", "iWFOAdmin"].contains(&agent.profile_name.as_str());
        let account = accounts.get(&agent.agent_id.to_string());
        match (agent.is_active && wfo_user, account) {
            (true, Some(a)) => {
                assert_eq!(a["agent"], true, "H2: Agent is on at creation: {a}");
                assert_eq!(a["username"], agent.user_name.as_str());
            }
            (false, None) => {}
            (expected, found) => panic!("{agent:?}: expected an account {expected}: {found:?}"),
        }
    }

    let enabled = w.users_on("iWFO Enabled", true);
    let (a, b, c) = (enabled[0], enabled[1], enabled[2]);
    let (a_id, b_id, c_id) = (a.to_string(), b.to_string(), c.to_string());
    w.act(&[
        "wfo",
        "lock",
        &a_id,
        "--reason",
        "FMLA leave",
        "--by",
        "maria",
    ])
    .await;
    w.act(&[
        "wfo",
        "set-agent",
        &b_id,
        "--agent",
        "off",
        "--reason",
        "QA only",
    ])
    .await;
    w.act(&[
        "wfo",
        "deactivate",
        &c_id,
        "--reason",
        "left the team",
        "--by",
        "maria",
    ])
    .await;
    for id in [a, b, c] {
        w.central
            .update_agent(id, |agent| agent.last_name = Some("Renamed".into()))
            .unwrap();
    }
    w.sync(&[]).await;
    let accounts = w.accounts().await;
    // H1: Central's fields follow Central; the WFO-local state is the operator's.
    assert!(
        accounts
            .values()
            .filter(|x| x["last_name"] == "Renamed")
            .count()
            == 3
    );
    assert_eq!(accounts[&a_id]["locked"], true);
    assert_eq!(accounts[&b_id]["agent"], false);
    assert_eq!(accounts[&c_id]["status"], "deactivated");
    assert_eq!(accounts[&c_id]["deactivated_by"], "operator");

    // The operator's acts are logged with who and why.
    let shown = w.account(a).await;
    let log = shown["log"].to_string();
    assert!(log.contains("locked by maria: FMLA leave"), "{log}");
    assert!(log.contains("\"origin\":\"operator\""), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn h3_phones_follow_the_primary_phone_and_the_team_and_every_change_is_logged() {
    let w = Wfo::start(CentralSimConfig::new(6, 150)).await;
    w.sync(&["--full"]).await;
    let a = w.users_on("iWFO Enabled", true)[0];
    let phone = w.central.agent(a).unwrap().telephone1.unwrap();
    assert_eq!(
        w.account(a).await["account"]["phones"],
        serde_json::json!([phone])
    );

    // A new Primary Phone on the Enabled team is added to the phones, once.
    w.central.set_primary_phone(a, Some("+1 555 0199")).unwrap();
    w.sync(&[]).await;
    w.sync(&[]).await;
    let shown = w.account(a).await;
    assert_eq!(
        shown["account"]["phones"],
        serde_json::json!([phone, "+1 555 0199"])
    );
    assert!(shown["billed"] == true);

    // Moved to iWFO Not Enabled: the phones are removed, and the user is no longer billed.
    w.central
        .move_agent(a, w.team_id("iWFO Not Enabled"))
        .unwrap();
    w.sync(&[]).await;
    let shown = w.account(a).await;
    assert_eq!(shown["account"]["phones"], serde_json::json!([]));
    assert_eq!(shown["billed"], false);
    let phone_changes: Vec<&Value> = shown["log"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["changes"].as_array().unwrap())
        .filter(|c| c["field"] == "phones")
        .collect();
    // Created with the phone, the new one added, then both removed: each old -> new.
    assert_eq!(phone_changes.len(), 3, "{phone_changes:?}");
    assert_eq!(phone_changes[2]["new"], serde_json::json!([]));

    // No Primary Phone in Central: the WFO phones of an Enabled user are removed.
    let b = w.users_on("iWFO Enabled", true)[1];
    w.central.set_primary_phone(b, None).unwrap();
    w.sync(&[]).await;
    assert_eq!(
        w.account(b).await["account"]["phones"],
        serde_json::json!([])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn h4_a_central_deactivation_deactivates_and_only_centrals_reactivation_undoes_it() {
    let w = Wfo::start(CentralSimConfig::new(7, 100)).await;
    w.sync(&["--full"]).await;
    let users = w.users_on("iWFO Enabled", true);
    let (a, b) = (users[0], users[1]);
    w.central.deactivate_agent(a).unwrap();
    w.sync(&["--full"]).await;
    let shown = w.account(a).await["account"].clone();
    assert_eq!(
        (&shown["status"], &shown["deactivated_by"]),
        (&"deactivated".into(), &"central".into())
    );
    let refused = w
        .hub
        .run(&["wfo", "reactivate", &a.to_string(), "--reason", "back"])
        .await;
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("deactivated in Central"));
    w.central.reactivate_agent(a).unwrap();
    w.sync(&["--full"]).await;
    assert_eq!(w.account(a).await["account"]["status"], "active");

    // Deactivated in WFO: it stays so through syncs until an operator reactivates it.
    w.act(&[
        "wfo",
        "deactivate",
        &b.to_string(),
        "--reason",
        "transferred",
    ])
    .await;
    w.sync(&["--full"]).await;
    assert_eq!(w.account(b).await["account"]["status"], "deactivated");
    w.act(&["wfo", "reactivate", &b.to_string(), "--reason", "came back"])
        .await;
    assert_eq!(w.account(b).await["account"]["status"], "active");
}

#[tokio::test(flavor = "multi_thread")]
async fn h5_billing_lists_active_enabled_users_and_flags_the_locked_and_wfo_deactivated() {
    let w = Wfo::start(CentralSimConfig::new(8, 100)).await;
    w.sync(&["--full"]).await;
    let users = w.users_on("iWFO Enabled", true);
    w.act(&["wfo", "lock", &users[0].to_string(), "--reason", "leave"])
        .await;
    w.act(&[
        "wfo",
        "deactivate",
        &users[1].to_string(),
        "--reason",
        "left",
    ])
    .await;
    let billing = w.hub.json(&["wfo", "billing", "--json"]).await;
    let enabled = w.team_id("iWFO Enabled");
    let expected: Vec<String> = w
        .accounts()
        .await
        .into_values()
        .filter(|a| a["team_id"] == enabled.to_string().as_str() && a["central_active"] == true)
        .map(|a| a["source_id"].as_str().unwrap().to_owned())
        .collect();
    let billed: Vec<String> = billing["billed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["source_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(billed, expected);
    assert_eq!(
        (&billing["locked"], &billing["deactivated_but_billed"]),
        (&1.into(), &1.into()),
        "{billing}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn h6_the_export_has_the_seeds_13_columns_cell_by_cell_and_neutralises_a_hostile_name() {
    let w = Wfo::start(CentralSimConfig::new(9, 60)).await;
    let hostile = w.users_on("iWFO Enabled", true)[0];
    w.central
        .update_agent(hostile, |a| {
            a.first_name = Some("=HYPERLINK(\"http://evil.example\",\"x\")".into())
        })
        .unwrap();
    w.sync(&["--full"]).await;
    let recorded = w.users_on("iWFO Enabled", true)[1].to_string();
    w.act(&[
        "wfo",
        "set-login",
        &recorded,
        "--system-username",
        "alee",
        "--system-domain",
        "CORP",
        "--reason",
        "screen recording",
    ])
    .await;
    let file = w.hub.dir().join("wfo-export.csv");
    let file_arg = file.to_string_lossy().into_owned();
    w.act(&["wfo", "export", "--csv", &file_arg]).await;
    let mut reader = csv::Reader::from_path(&file).expect("the export");
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headers, HEADERS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let accounts: Vec<Value> = w.accounts().await.into_values().collect();
    assert_eq!(rows.len(), accounts.len());
    let by_username: BTreeMap<&str, &csv::StringRecord> =
        rows.iter().map(|r| (r.get(0).unwrap(), r)).collect();
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let yes_no = |b: bool| if b { "Y" } else { "N" };
    for a in &accounts {
        let row = by_username[a["username"].as_str().unwrap()];
        let joined = |field: &str| {
            a[field]
                .as_array()
                .unwrap()
                .iter()
                .map(text)
                .collect::<Vec<_>>()
                .join(";")
        };
        let neutral = |cell: String| match cell.chars().next() {
            Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
            _ => cell,
        };
        let expected = [
            text(&a["username"]),
            String::new(),
            yes_no(a["locked"] == true).to_owned(),
            text(&a["first_name"]),
            text(&a["last_name"]),
            text(&a["email"]),
            yes_no(a["agent"] == true && a["status"] == "active").to_owned(),
            text(&a["system_username"]),
            text(&a["system_domain"]),
            text(&a["employee_id"]),
            text(&a["site_id"]),
            joined("phones"),
            joined("roles"),
        ]
        .map(neutral);
        let cells: Vec<&str> = row.iter().collect();
        assert_eq!(cells, expected, "{a}");
    }
    let name = w.central.agent(hostile).unwrap().user_name;
    assert!(
        by_username[name.as_str()]
            .get(3)
            .unwrap()
            .starts_with("'=HYPERLINK")
    );
    assert_eq!(
        rows.iter().filter(|r| !r[1].is_empty()).count(),
        0,
        "no password, ever"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn string_typed_replies_of_central_are_read_as_typed_ones() {
    let typed = Wfo::start(CentralSimConfig::new(10, 80)).await;
    let strings = Wfo::start(CentralSimConfig::new(10, 80).string_typed()).await;
    let a = typed.sync(&["--full"]).await;
    let b = strings.sync(&["--full"]).await;
    assert_eq!(b["counts"]["invalid"], 0, "{b}");
    assert_eq!(a["counts"]["read"], b["counts"]["read"]);
    let strip = |accounts: BTreeMap<String, Value>| -> Vec<Value> {
        accounts
            .into_values()
            .map(|mut a| {
                for key in ["created_at", "updated_at"] {
                    a.as_object_mut().unwrap().remove(key);
                }
                a
            })
            .collect()
    };
    assert_eq!(
        strip(typed.accounts().await),
        strip(strings.accounts().await)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_single_user_sync_of_the_wfo_flow_shows_each_step_and_writes_the_account() {
    let w = Wfo::start(CentralSimConfig::new(11, 40)).await;
    w.sync(&["--full"]).await;
    let a = w.users_on("iWFO Enabled", true)[0];
    w.central
        .update_agent(a, |agent| agent.first_name = Some("Solo".into()))
        .unwrap();
    let report = w
        .hub
        .json(&["sync", WFO, "--user", &a.to_string(), "--json"])
        .await;
    assert_eq!(report["status"], "succeeded", "{report}");
    let steps = report["steps"].to_string();
    assert!(steps.contains("WFO store wfo"), "{steps}");
    assert_eq!(w.account(a).await["account"]["first_name"], "Solo");
}
