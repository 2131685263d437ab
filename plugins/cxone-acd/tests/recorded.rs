//! The connector compiled natively, through the SDK's test hosts: read live from the ACD
//! simulator while recording, then replayed from the recording with no network. The replay
//! must give the same pages, byte for byte, as the live read did: what an integrator does to
//! test a connector against a platform once and then offline in CI.

use std::time::Duration;

use ccsync_sim::{AcdSim, AcdSimConfig};
use connector_kit::testing::{FixtureHost, LiveHost, read_all};
use cxone_acd::wit::types::{Error, KeyValue, Kind};
use cxone_acd::{Client, Connector};
use tokio::runtime::Runtime;

/// The settings for a simulator at `endpoint` (API found by discovery), three records a page.
fn settings(sim: &AcdSim, endpoint: &str) -> Vec<KeyValue> {
    let credentials = sim.credentials();
    [
        ("auth-url", endpoint),
        ("tenant-id", sim.tenant_id()),
        ("client-id", &credentials.client_id),
        ("client-secret", &credentials.client_secret),
        ("access-key-id", &credentials.access_key_id),
        ("access-key-secret", &credentials.access_key_secret),
        ("page-size", "3"),
    ]
    .into_iter()
    .map(|(key, value)| KeyValue {
        key: key.into(),
        value: value.into(),
    })
    .collect()
}

#[test]
fn a_recorded_read_replays_to_the_same_pages_without_the_network() {
    let runtime = Runtime::new().unwrap();
    let sim = runtime
        .block_on(AcdSim::start(AcdSimConfig::new(7, 10)))
        .unwrap();
    let endpoint = sim.base_url();
    let dir = tempfile::tempdir().unwrap();

    let mut live = LiveHost::new(Duration::from_secs(10)).unwrap().record();
    let recorded_settings = settings(&sim, &endpoint);
    let mut client = Client::configure(&recorded_settings).unwrap();
    client.check(&mut live).unwrap();
    let users = read_all(&mut client, &mut live, Kind::User, None).unwrap();
    let teams = read_all(&mut client, &mut live, Kind::Team, None).unwrap();
    assert!(users.len() >= 4, "10 agents at 3 a page: {}", users.len());
    live.save_fixture(dir.path(), &endpoint).unwrap();
    runtime.block_on(sim.shutdown());

    let mut replay = FixtureHost::open(dir.path()).unwrap();
    assert_eq!(replay.endpoint(), endpoint.trim_end_matches('/'));
    // The same settings: the fixture's endpoint is the one the read was recorded against.
    let mut client = Client::configure(&recorded_settings).unwrap();
    client.check(&mut replay).unwrap();
    assert_eq!(
        read_all(&mut client, &mut replay, Kind::User, None).unwrap(),
        users
    );
    assert_eq!(
        read_all(&mut client, &mut replay, Kind::Team, None).unwrap(),
        teams
    );

    // What was never recorded has no answer: a connection error naming the request.
    let err = read_all(&mut client, &mut replay, Kind::Disposition, None).unwrap_err();
    assert!(
        matches!(&err, Error::Transient(why) if why.contains("no recorded response")),
        "{err:?}"
    );
}
