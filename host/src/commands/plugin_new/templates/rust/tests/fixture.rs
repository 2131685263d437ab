//! The connector compiled natively and replayed against the recorded fixture in `fixture/`
//! (the same one `ccsync plugin test --fixture fixture` replays to the component): every page
//! of users read with no network. Record your own API's with
//! `ccsync plugin test … --endpoint URL --record fixture`.

use std::path::Path;

use connector_kit::Connector;
use connector_kit::testing::{FixtureHost, read_all};
use connector_kit::wit::types::{Entity, KeyValue, Kind};
use {{crate_name}}::Client;

#[test]
fn the_recorded_fixture_reads_every_user_page_by_page() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixture");
    let mut host = FixtureHost::open(&dir).expect("the fixture");
    // kit.toml's settings, `{endpoint}` being the one the fixture was recorded against.
    let settings = [
        ("base-url", host.endpoint()),
        ("token", "fixture-token-not-a-secret"),
    ]
    .map(|(key, value)| KeyValue {
        key: key.into(),
        value: value.into(),
    });
    let mut client = Client::configure(&settings).expect("the kit's settings");
    client.check(&mut host).expect("check");
    let pages = read_all(&mut client, &mut host, Kind::User, None).expect("every page");
    let mut logins = Vec::new();
    for item in pages.iter().flat_map(|page| &page.items) {
        let Entity::User(user) = item else {
            panic!("not a user: {item:?}")
        };
        logins.push(user.username.clone().unwrap_or_default());
    }
    assert_eq!(pages.len(), 2);
    assert_eq!(logins, ["ada", "grace", "alan"]);
}
