//! The fast read against the `Value` parse: the same page, item for item and report for
//! report, for every wire variant of `sim/ACD-WIRE.md` and for generated pages.

use connector_kit::wit::types::{Kind, Page};
use fastrand::Rng;
use serde_json::{Value, json};

use super::*;
use crate::cursor::Cursor;
use crate::endpoint::KINDS;
use crate::mapping::tests::agent as typed_agent;
use crate::mapping::{Profiles, unknown_profile_ids};
use crate::page::{Position, Reply, build_page, parse_list};

fn at(kind: Kind, top: u32) -> Position {
    Position {
        cursor: Cursor {
            kind,
            skip: 1000,
            poll: None,
            since: Some("S".into()),
        },
        first: true,
        top,
    }
}

fn profiles() -> Profiles {
    Profiles::from([(7, vec!["User Mapping: Map".to_string()]), (8, vec![])])
}

/// The page of `body` through the fast read, which must not decline it.
fn fast(kind: Kind, body: &str, top: u32) -> Page {
    let list = read_list(kind, body.as_bytes(), top)
        .unwrap_or_else(|| panic!("the fast read declined {body}"));
    build_page(
        &endpoint(kind),
        &at(kind, top),
        Reply::List(list),
        &profiles(),
    )
}

/// The page of `body` through the `Value` parse, as before.
fn slow(kind: Kind, body: &str, top: u32) -> Page {
    let list = parse_list("GET", &endpoint(kind), body.as_bytes()).expect("a list body");
    build_page(
        &endpoint(kind),
        &at(kind, top),
        Reply::List(list),
        &profiles(),
    )
}

/// Asserts both paths give the same page and returns it.
fn same_page(kind: Kind, body: &str, top: u32) -> Page {
    let page = slow(kind, body, top);
    assert_eq!(fast(kind, body, top), page, "{kind:?}: {body}");
    page
}

fn body(kind: Kind, records: Vec<Value>) -> String {
    json!({
        "businessUnitId": 4600001, "lastPollTime": "2026-11-24T07:00:00.000Z",
        "totalRecords": records.len(),
        "_links": {"self": "https://x/agents?skip=0", "next": null, "previous": null},
        (endpoint(kind).list_key): records,
    })
    .to_string()
}

fn with(mut record: Value, changes: &[(&str, Value)]) -> Value {
    for (field, value) in changes {
        record[*field] = value.clone();
    }
    record
}

#[test]
fn every_agent_variant_of_the_wire_contract_maps_alike_through_both_paths() {
    let a = typed_agent;
    let mut missing_id = a();
    missing_id.as_object_mut().map(|o| o.remove("agentId"));
    let agents = vec![
        a(),
        // Flags as 1/0 and ids as digit strings (`agent_strings` in the simulator).
        with(
            a(),
            &[
                ("agentId", json!("1235")),
                ("isActive", json!(1)),
                ("locked", json!(0)),
                ("teamId", json!("55")),
                ("profileId", json!("7")),
            ],
        ),
        // Every field a string, flags in any case.
        with(
            a(),
            &[
                ("agentId", json!("0042")),
                ("isActive", json!("True")),
                ("locked", json!("FALSE")),
                ("teamId", json!("-3")),
                ("profileId", json!("8")),
            ],
        ),
        // Nulls and empty strings become none; teamName is kept even when empty.
        with(
            a(),
            &[
                ("userName", json!("")),
                ("firstName", json!(null)),
                ("lastName", json!("")),
                ("emailAddress", json!(null)),
                ("telephone1", json!("")),
                ("telephone2", json!("+2")),
                ("teamName", json!("")),
                ("profileName", json!("")),
                ("profileId", json!(null)),
                ("teamId", json!(null)),
                ("locked", json!(null)),
                ("lastUpdated", json!(null)),
            ],
        ),
        // Escapes and non-ASCII text, unknown fields of every shape.
        with(
            a(),
            &[
                ("userName", json!("j\"doe\"\\é\u{1F600}")),
                ("extraList", json!([1, {}])),
                ("extraObject", json!({"nested": [true]})),
                ("extraNumber", json!(1.5e300)),
            ],
        ),
        // Malformed records: each reported, naming its field, by index and label.
        with(a(), &[("agentId", json!("X12"))]),
        missing_id,
        with(a(), &[("isActive", json!("yes"))]),
        with(a(), &[("isActive", json!(null))]),
        with(a(), &[("locked", json!(2))]),
        with(a(), &[("teamId", json!(true))]),
        with(a(), &[("teamId", json!(1.5))]),
        with(a(), &[("agentId", json!("9223372036854775808"))]),
        with(a(), &[("userName", json!(["list"]))]),
        with(a(), &[("firstName", json!({}))]),
        with(a(), &[("profileId", json!(99))]),
        json!([1]),
        json!("agent"),
        json!(null),
        json!(12),
    ];
    let page = same_page(Kind::User, &body(Kind::User, agents), 100);
    assert_eq!((page.items.len(), page.invalid.len()), (5, 15));
}

#[test]
fn every_small_list_variant_maps_alike_through_both_paths() {
    let cases = [
        (
            Kind::Team,
            vec![
                json!({"teamId": 5, "teamName": "Blue", "isActive": true, "description": null,
                    "wfoEnabled": true, "wfm2Enabled": false}),
                json!({"teamId": "5", "teamName": "Blue", "isActive": 1, "wfoEnabled": "1",
                    "wfm2Enabled": 0, "niceWfmEnabled": "True", "niceWfoAdvancedEnabled": null}),
                json!({"teamId": "X5", "teamName": "Broken", "isActive": true}),
                json!({"teamId": 6, "teamName": "Bad", "isActive": true, "wfm2Enabled": "yes"}),
            ],
        ),
        (
            Kind::SecurityProfile,
            vec![
                json!({"securityProfileId": 7, "securityProfileName": "Agent",
                    "permissions": ["User Mapping: Map", "Reports \"all\""]}),
                json!({"securityProfileId": "8", "securityProfileName": "P", "permissions": null}),
                json!({"securityProfileId": 9, "securityProfileName": "P", "permissions": ["a", 1]}),
                json!({"securityProfileId": 9, "securityProfileName": "P", "permissions": "a"}),
            ],
        ),
        (
            Kind::Campaign,
            vec![
                json!({"id": 3, "name": "Sales", "isActive": false, "description": "",
                    "lastUpdateTime": "2026-01-01T00:00:00Z"}),
                json!({"id": "3", "name": "Sales", "isActive": "0", "description": "d"}),
                json!({"id": 4, "isActive": true}),
            ],
        ),
        (
            Kind::Disposition,
            vec![
                json!({"dispositionId": 4, "dispositionName": "Sold", "classificationId": 2,
                    "systemOutcome": null, "lastUpdated": "2026-01-02T00:00:00Z"}),
                json!({"dispositionId": "4", "dispositionName": "Sold",
                    "classificationId": "2", "systemOutcome": "Success"}),
                json!({"dispositionId": "X4", "dispositionName": "Broken"}),
            ],
        ),
        (
            Kind::AgentStatus,
            vec![
                json!({"id": 8, "name": "Lunch", "isActive": true, "isACW": false,
                    "agentTimeout": 30}),
                json!({"id": "8", "name": "Lunch", "isActive": "1", "isACW": "false",
                    "agentTimeout": "30"}),
                json!({"id": 9, "name": "Bad", "isActive": true, "agentTimeout": "soon"}),
            ],
        ),
    ];
    for (kind, records) in cases {
        let page = same_page(kind, &body(kind, records), 2);
        assert!(
            !page.items.is_empty() && !page.invalid.is_empty(),
            "{kind:?}"
        );
        assert!(
            page.next_cursor.is_some(),
            "{kind:?}: a full page continues"
        );
    }
}

#[test]
fn the_last_of_a_repeated_key_counts_as_in_a_parsed_object() {
    for body in [
        r#"{"lastPollTime": "A", "agents": [], "lastPollTime": "B"}"#,
        r#"{"lastPollTime": "A", "agents": [], "lastPollTime": 5}"#,
        r#"{"lastPollTime": "A", "agents": [], "lastPollTime": ""}"#,
        r#"{"agents": [{"agentId": 1}], "agents": [{"agentId": 2, "userName": "b",
            "isActive": true}]}"#,
        r#"{"agents": [{"agentId": 1, "userName": "a", "isActive": true, "agentId": "2",
            "isActive": null}]}"#,
    ] {
        same_page(Kind::User, body, 1);
    }
    let page = fast(
        Kind::User,
        r#"{"lastPollTime":"A","agents":[],"lastPollTime":"B"}"#,
        1,
    );
    assert_eq!(page.watermark.as_deref(), Some("B"));
}

#[test]
fn bodies_the_fast_read_leaves_to_the_value_parse_are_declined() {
    for body in [
        "<html>oops</html>",
        "[1]",
        "{}",
        r#"{"agents": {}}"#,
        r#"{"agents": [1,]}"#,
        r#"{"agents": []} trailing"#,
        r#"{"agents": [], "other": 1e400}"#,
        r#"{"$serde_json::private::RawValue": "{\"agents\": []}"}"#,
        r#"{"agents": [{"$serde_json::private::RawValue": "{}"}]}"#,
        r#"{"agents": [{"_links": {"$serde_json::private::Number": "1"}}]}"#,
    ] {
        assert!(
            read_list(Kind::User, body.as_bytes(), 10).is_none(),
            "{body}"
        );
    }
}

#[test]
fn declined_bodies_get_the_value_parse_verdict_through_read_body() {
    let ep = endpoint(Kind::User);
    for body in [
        "<html>oops</html>",
        "[1]",
        r#"{"agents": {}}"#,
        r#"{"lastPollTime": "P", "agents": [{"$serde_json::private::RawValue": "{}",
            "agentId": 5, "userName": "u", "isActive": true}, {"agentId": 6}]}"#,
    ] {
        let mut parsed = None;
        let fast = read_body("GET", Kind::User, body.as_bytes(), 10, &mut parsed)
            .map(|list| build_page(&ep, &at(Kind::User, 10), Reply::List(list), &profiles()));
        let slow = parse_list("GET", &ep, body.as_bytes())
            .map(|list| build_page(&ep, &at(Kind::User, 10), Reply::List(list), &profiles()));
        assert_eq!(fast, slow, "{body}");
    }
}

#[test]
fn unknown_profile_ids_agree_through_both_paths() {
    let text = body(
        Kind::User,
        vec![
            typed_agent(),
            json!({"profileId": 9}),
            json!({"profileId": "11"}),
            json!({"profileId": "x"}),
            json!({"profileId": null}),
            json!(3),
        ],
    );
    let fast = read_list(Kind::User, text.as_bytes(), 10).expect("a list");
    let slow = parse_list("GET", &endpoint(Kind::User), text.as_bytes()).expect("a list");
    assert_eq!(
        unknown_profile_ids(&fast.items, &profiles()),
        unknown_profile_ids(&slow.items, &profiles())
    );
}

/// One of `values`, drawn by `rng` (seeded, so a failure reproduces).
fn pick<'v>(rng: &mut Rng, values: &[&'v str]) -> &'v str {
    values[rng.usize(..values.len())]
}

/// Field values of every form the wire may send, valid for some readers and not others.
#[rustfmt::skip]
const VALUES: &[&str] = &[
    "null", "true", "false", "0", "1", "2", "-3", "7", "8", "9", "1.5", "1e2", "\"\"", "\"7\"",
    "\"0008\"", "\"-3\"", "\"+4\"", "\"x7\"", "\"1\"", "\"0\"", "\"True\"", "\"false\"",
    "\"yes\"", "\"Jane\"", "\"a\\\"b\\u00e9\"", "[]", "[\"a\"]", "[\"a\", 2]", "{}",
    "{\"k\": [1]}",
];

/// A page body of `kind`: elements with random fields of the kind (and unknown ones), repeated
/// keys, elements that are not objects, and a `lastPollTime` of any shape.
fn generated(kind: Kind, rng: &mut Rng) -> String {
    #[rustfmt::skip]
    let seed_names: Vec<&str> = match kind {
        Kind::User => vec![
            "agentId", "userName", "isActive", "firstName", "emailAddress", "teamId",
            "teamName", "profileId", "profileName", "telephone1", "telephone2", "locked",
            "lastUpdated", "location",
        ],
        Kind::Team => vec!["teamId", "teamName", "isActive", "wfoEnabled", "wfm2Enabled"],
        Kind::SecurityProfile => vec!["securityProfileId", "securityProfileName", "permissions"],
        Kind::Campaign => vec!["id", "name", "isActive", "description", "lastUpdateTime"],
        Kind::Disposition => vec!["dispositionId", "dispositionName", "classificationId"],
        Kind::AgentStatus => vec!["id", "name", "isActive", "isACW", "agentTimeout"],
    };
    let mut elements = Vec::new();
    for _ in 0..rng.usize(..8) {
        if rng.usize(..12) == 0 {
            elements.push(pick(rng, &["1", "\"x\"", "null", "[{}]"]).to_string());
            continue;
        }
        let mut fields = Vec::new();
        for name in &seed_names {
            // Most fields present and well-formed, so that most records map.
            match rng.usize(..10) {
                0 => {}
                1 | 2 => fields.push(format!("\"{name}\": {}", pick(rng, VALUES))),
                _ => fields.push(format!("\"{name}\": {}", well_formed(name, rng))),
            }
        }
        if rng.usize(..3) == 0 {
            let name = pick(
                rng,
                &["unknown", "totalRecords", "agentId", "isActive", "id"],
            );
            fields.push(format!("\"{name}\": {}", pick(rng, VALUES)));
        }
        elements.push(format!("{{{}}}", fields.join(", ")));
    }
    let poll = pick(
        rng,
        &[
            "",
            "\"lastPollTime\": \"P\", ",
            "\"lastPollTime\": \"\", ",
            "\"lastPollTime\": 5, ",
        ],
    );
    format!(
        "{{{poll}\"{}\": [{}], \"_links\": {{\"next\": null}}}}",
        endpoint(kind).list_key,
        elements.join(", ")
    )
}

/// A valid value for the field, in one of the forms the wire sends it.
fn well_formed(name: &str, rng: &mut Rng) -> String {
    let value = match name {
        "agentId" | "teamId" | "securityProfileId" | "id" | "dispositionId"
        | "classificationId" | "agentTimeout" => pick(rng, &["12", "\"12\"", "\"0012\"", "-4"]),
        "profileId" => pick(rng, &["7", "\"8\"", "9", "null"]),
        "isActive" | "locked" | "wfoEnabled" | "wfm2Enabled" | "isACW" => pick(
            rng,
            &["true", "false", "1", "0", "\"1\"", "\"True\"", "\"false\""],
        ),
        "permissions" => pick(rng, &["[]", "[\"a\", \"b\"]", "null"]),
        _ => pick(rng, &["\"text\"", "\"\"", "null", "\"\\u00e9t\\u00e9\""]),
    };
    value.to_string()
}

#[test]
fn generated_pages_map_alike_through_both_paths() {
    let mut rng = Rng::with_seed(0x2545_f491_4f6c_dd1d);
    let (mut mapped, mut invalid) = (0, 0);
    for round in 0..3_000 {
        let kind = KINDS[round % KINDS.len()];
        let text = generated(kind, &mut rng);
        let top = 1 + rng.usize(..8) as u32;
        let page = same_page(kind, &text, top);
        mapped += page.items.len();
        invalid += page.invalid.len();
    }
    // Both outcomes often enough for the comparison to prove something.
    assert!(
        mapped > 2_000 && invalid > 2_000,
        "{mapped} mapped, {invalid} invalid"
    );
}
