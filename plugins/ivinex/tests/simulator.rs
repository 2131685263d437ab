//! The connector, compiled natively, against the Ivinex simulator over real HTTP: the wire
//! contract of `sim/IVINEX-WIRE.md` proven from both ends (the unit tests script one end).

use std::time::Duration;

use ccsync_sim::ivinex::{CALL_CENTER_AGENTS, Fault, Malformation, RecordKind};
use ccsync_sim::{IvinexSim, IvinexSimConfig};
use connector_kit::testing::{self, LiveHost};
use ivinex::wit::types::{Entity, Error, Kind, NamedItem, Page, User};
use ivinex::{Client, Connector, Settings};
use tokio::runtime::Runtime;

/// The host's part natively: requests over real HTTP with a timeout, as the runtime sends
/// them for a component.
fn live() -> LiveHost {
    LiveHost::new(Duration::from_millis(700)).unwrap()
}

struct Setup {
    sim: IvinexSim,
    /// Serves the simulator; declared after it, so it is dropped after it.
    _runtime: Runtime,
}

fn setup() -> Setup {
    let runtime = Runtime::new().unwrap();
    let sim = runtime
        .block_on(IvinexSim::start(IvinexSimConfig::new(42)))
        .unwrap();
    Setup {
        sim,
        _runtime: runtime,
    }
}

impl Setup {
    fn client(&self) -> Client {
        let credentials = self.sim.credentials();
        let base_url = self.sim.base_url();
        Client::new(
            Settings::parse([
                ("base-url", base_url.as_str()),
                ("client-id", credentials.client_id.as_str()),
                ("client-secret", credentials.client_secret.as_str()),
                ("page-size", "3"),
            ])
            .unwrap(),
        )
    }
}

fn agent(username: &str) -> Entity {
    Entity::User(User {
        id: "100005".into(),
        username: Some(username.into()),
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        email: Some(format!("{username}@example.com")),
        active: true,
        team_id: Some("2001".into()),
        security_profile_id: Some("3001".into()),
        roles: vec!["Agent".into()],
        permissions: vec![],
        primary_phone: None,
        phones: vec![],
        employee_id: None,
        site_id: None,
        groups: vec![CALL_CENTER_AGENTS.into()],
        password_set: None,
        extra: vec![],
    })
}

fn item(name: &str, group: &str) -> NamedItem {
    NamedItem {
        id: "4001".into(),
        name: name.into(),
        active: true,
        group: Some(group.into()),
        extra: vec![],
    }
}

/// Every page of a kind.
fn read_all(client: &mut Client, host: &mut LiveHost, kind: Kind) -> Vec<Page> {
    testing::read_all(client, host, kind, None).unwrap()
}

#[test]
fn every_page_of_every_kind_maps_the_hand_made_records() {
    let s = setup();
    let (mut client, mut host) = (s.client(), live());
    client.check(&mut host).unwrap();
    let users: Vec<User> = read_all(&mut client, &mut host, Kind::User)
        .into_iter()
        .flat_map(|p| p.items)
        .map(|e| match e {
            Entity::User(u) => u,
            other => panic!("not a user: {other:?}"),
        })
        .collect();
    assert_eq!(users.len(), s.sim.users().len());
    let admin = users
        .iter()
        .find(|u| u.username.as_deref() == Some("admin"))
        .unwrap();
    assert_eq!(admin.groups, ["Administrators"]);
    assert_eq!(admin.password_set, Some(true));
    for (kind, sim_kind) in [
        (Kind::Campaign, RecordKind::Campaign),
        (Kind::Disposition, RecordKind::Disposition),
        (Kind::AgentStatus, RecordKind::AgentStatus),
    ] {
        let items: Vec<Entity> = read_all(&mut client, &mut host, kind)
            .into_iter()
            .flat_map(|p| p.items)
            .collect();
        assert_eq!(items.len(), s.sim.items(sim_kind).len());
    }
}

#[test]
fn a_record_that_cannot_be_mapped_is_reported_and_the_others_are_read() {
    let s = setup();
    let broken = s
        .sim
        .inject_malformed(RecordKind::Disposition, Malformation::StringActive)
        .unwrap();
    let (mut client, mut host) = (s.client(), live());
    let pages = read_all(&mut client, &mut host, Kind::Disposition);
    let invalid: Vec<_> = pages.iter().flat_map(|p| p.invalid.iter()).collect();
    assert_eq!(invalid.len(), 1);
    assert_eq!(invalid[0].id, Some(broken.to_string()));
    assert!(invalid[0].reason.contains("active is not true or false"));
    let read: usize = pages.iter().map(|p| p.items.len()).sum();
    assert_eq!(read, s.sim.items(RecordKind::Disposition).len() - 1);
}

#[test]
fn a_created_record_is_found_by_its_external_id_read_back_and_updated() {
    let s = setup();
    let (mut client, mut host) = (s.client(), live());
    let id = client
        .create(&mut host, &agent("ada.lovelace"), "acme/user/100005")
        .unwrap();
    assert_eq!(
        client
            .find(&mut host, Kind::User, "acme/user/100005")
            .unwrap(),
        Some(id.clone())
    );
    assert_eq!(
        client.find(&mut host, Kind::User, "acme/user/1").unwrap(),
        None
    );
    let Some(Entity::User(read)) = client.get(&mut host, Kind::User, &id).unwrap() else {
        panic!("not found")
    };
    assert_eq!(read.groups, [CALL_CENTER_AGENTS]);
    assert_eq!(read.password_set, Some(false), "D2: no password");
    let Entity::User(mut changed) = agent("ada.lovelace") else {
        unreachable!()
    };
    changed.email = None;
    changed.active = false;
    client
        .update(&mut host, &id, &Entity::User(changed))
        .unwrap();
    let stored = s.sim.user(id.parse().unwrap()).unwrap();
    assert_eq!((stored.email, stored.active), (None, false));
    assert_eq!(stored.external_id.as_deref(), Some("acme/user/100005"));

    let status = Entity::AgentStatus(item("Lunch", "CC Agent Status"));
    let status_id = client
        .create(&mut host, &status, "acme/agent-status/6001")
        .unwrap();
    let stored = s
        .sim
        .item(RecordKind::AgentStatus, status_id.parse().unwrap())
        .unwrap();
    assert_eq!(stored.list, "CC Agent Status");
    assert_eq!(client.get(&mut host, Kind::User, "999999").unwrap(), None);
    assert_eq!(s.sim.delete_calls(), 0);
}

#[test]
fn a_second_create_of_an_external_id_updates_the_first_record_instead_of_duplicating() {
    let s = setup();
    let (mut client, mut host) = (s.client(), live());
    let campaign = |name: &str| Entity::Campaign(item(name, "CC Campaigns"));
    let first = client
        .create(&mut host, &campaign("Sales"), "acme/campaign/4001")
        .unwrap();
    let before = s.sim.items(RecordKind::Campaign).len();
    let second = client
        .create(&mut host, &campaign("Sales 2026"), "acme/campaign/4001")
        .unwrap();
    assert_eq!(second, first);
    assert_eq!(s.sim.items(RecordKind::Campaign).len(), before);
    let stored = s
        .sim
        .item(RecordKind::Campaign, first.parse().unwrap())
        .unwrap();
    assert_eq!(stored.name, "Sales 2026");
    assert_eq!(s.sim.counts(RecordKind::Campaign).conflicts, 1);
}

#[test]
fn a_lost_create_reply_is_transient_and_find_recovers_the_stored_record() {
    let s = setup();
    let (mut client, mut host) = (s.client(), live());
    client.check(&mut host).unwrap();
    s.sim
        .fail_next_method("POST", "/users", 1, Fault::LoseReply)
        .unwrap();
    let lost = client.create(&mut host, &agent("lost.reply"), "acme/user/7");
    assert!(
        matches!(&lost, Err(Error::Transient(m)) if m.contains("timed out")),
        "{lost:?}"
    );
    let found = client.find(&mut host, Kind::User, "acme/user/7").unwrap();
    assert_eq!(
        found,
        s.sim
            .find(RecordKind::User, "acme/user/7")
            .map(|id| id.to_string())
    );
    assert!(found.is_some());
    assert_eq!(s.sim.counts(RecordKind::User).created, 1);
    assert_eq!(s.sim.requests_with("POST", "/users"), 1, "never sent twice");
}

#[test]
fn refusals_rate_limits_and_expired_tokens_come_back_as_the_contract_s_errors() {
    let s = setup();
    let (mut client, mut host) = (s.client(), live());
    let refused = client.create(&mut host, &agent("admin"), "acme/user/1");
    assert!(
        matches!(&refused, Err(Error::Rejected(m)) if m.contains("username: 'admin' is already taken")),
        "{refused:?}"
    );
    let wrong_list = Entity::Disposition(item("Sale", "CC Campaigns"));
    let refused = client.create(&mut host, &wrong_list, "acme/disposition/5001");
    assert!(
        matches!(&refused, Err(Error::Rejected(m)) if m.contains("list: 'CC Campaigns' is a campaign list")),
        "{refused:?}"
    );

    s.sim.expire_tokens();
    client.check(&mut host).unwrap();
    assert_eq!(s.sim.requests("/auth/token"), 2, "renewed once");

    s.sim
        .fail_next(
            "/campaigns",
            1,
            Fault::RateLimited {
                retry_after_secs: 4,
            },
        )
        .unwrap();
    assert_eq!(
        client.read(&mut host, Kind::Campaign, None, None),
        Err(Error::RateLimited(4000))
    );
    s.sim
        .fail_next("/campaigns", 1, Fault::Status(502))
        .unwrap();
    assert!(matches!(
        client.read(&mut host, Kind::Campaign, None, None),
        Err(Error::Transient(_))
    ));
    s.sim.fail_next("/users", 2, Fault::Unauthorized).unwrap();
    assert!(matches!(
        client.check(&mut host),
        Err(Error::Unauthorized(_))
    ));

    let mut wrong = live();
    let credentials = s.sim.credentials();
    let base_url = s.sim.base_url();
    let mut impostor = Client::new(
        Settings::parse([
            ("base-url", base_url.as_str()),
            ("client-id", credentials.client_id.as_str()),
            ("client-secret", "wrong"),
        ])
        .unwrap(),
    );
    assert!(matches!(
        impostor.check(&mut wrong),
        Err(Error::Unauthorized(m)) if m.contains("client-secret")
    ));
}
