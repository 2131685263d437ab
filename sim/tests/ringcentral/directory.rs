//! The directory: paging, filters, email look-ups, one extension, the control API, and the
//! people shared with the ACD simulator.

use std::collections::HashSet;

use ccsync_sim::ringcentral::{ExtensionStatus, ExtensionType, MatchOutcome, Origin};
use ccsync_sim::{AcdSim, AcdSimConfig};
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn paging_returns_every_extension_once_with_paging_and_navigation() {
    let sim = start(7, 2_500).await;
    let token = token(&sim).await;
    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let body = get_json(&sim, &token, &format!("?page={page}&perPage=1000")).await;
        let paging = &body["paging"];
        assert_eq!(paging["page"], page);
        assert_eq!(paging["perPage"], 1000);
        assert_eq!(paging["totalElements"], sim.extension_count());
        assert_eq!(paging["pageStart"], (page - 1) * 1000);
        let batch = ids(&body);
        assert_eq!(
            paging["pageEnd"].as_u64().unwrap(),
            (page - 1) * 1000 + batch.len() as u64 - 1
        );
        assert!(body["navigation"]["firstPage"]["uri"].is_string());
        assert!(body["navigation"]["lastPage"]["uri"].is_string());
        seen.extend(batch);
        if body["navigation"]["nextPage"].is_null() {
            assert_eq!(paging["totalPages"], page);
            break;
        }
        let next = body["navigation"]["nextPage"]["uri"].as_str().unwrap();
        assert!(next.contains(&format!("page={}", page + 1)), "{next}");
        page += 1;
    }
    let expected: Vec<u64> = sim.records().iter().map(|r| r.extension.id).collect();
    assert_eq!(seen, expected);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());
    // Past the last page: no records, still the paging block.
    let past = get_json(&sim, &token, &format!("?page={}&perPage=1000", page + 1)).await;
    assert_eq!(ids(&past), Vec::<u64>::new());
    assert!(past["paging"]["pageStart"].is_null());
}

#[tokio::test]
async fn per_page_defaults_to_one_hundred_is_clamped_to_one_thousand_and_bad_values_are_400() {
    let sim = start(7, 1_500).await;
    let token = token(&sim).await;
    let first = get_json(&sim, &token, "").await;
    assert_eq!(ids(&first).len(), 100);
    assert!(first["navigation"]["previousPage"].is_null());
    let clamped = get_json(&sim, &token, "?perPage=5000").await;
    assert_eq!(clamped["paging"]["perPage"], 1000);
    assert_eq!(ids(&clamped).len(), 1000);
    for bad in ["?page=0", "?perPage=x", "?status=enabled", "?type=Robot"] {
        let response = get(&sim, &token, bad).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errorCode"], "CMN-101", "{bad}");
        assert_eq!(body["errors"][0]["errorCode"], "CMN-101");
    }
}

#[tokio::test]
async fn email_lookup_takes_several_addresses_in_one_request_trimmed_and_case_insensitive() {
    let sim = start(11, 2_000).await;
    let token = token(&sim).await;
    // Unique users whose stored email differs from the lowercase form (case or spaces).
    let odd: Vec<_> = sim
        .records()
        .into_iter()
        .map(|r| r.extension)
        .filter(|e| e.kind == ExtensionType::User)
        .filter(|e| {
            e.contact
                .email
                .as_deref()
                .is_some_and(|m| m != m.trim().to_lowercase())
        })
        .filter(|e| sim.user_matches(e.contact.email.as_deref().unwrap()).len() == 1)
        .take(5)
        .collect();
    assert_eq!(odd.len(), 5, "the directory has odd emails");
    let mut query = String::from("?type=User&perPage=1000");
    for extension in &odd {
        let stored = extension.contact.email.as_deref().unwrap();
        // Ask in another form than stored: lowercase with spaces around it.
        let asked = format!(" {} ", stored.trim().to_lowercase());
        query.push_str(&format!(
            "&email={}",
            asked.replace(' ', "%20").replace('@', "%40")
        ));
    }
    query.push_str("&email=nobody%40nowhere.example.com");
    let found = ids(&get_json(&sim, &token, &query).await);
    let mut expected: Vec<u64> = odd.iter().map(|e| e.id).collect();
    expected.sort();
    assert_eq!(found, expected);
    assert_eq!(sim.requests("/extension"), 1);
}

#[tokio::test]
async fn type_user_leaves_out_digital_users_and_services_and_status_filters_any_of() {
    let sim = start(11, 2_000).await;
    let token = token(&sim).await;
    let users = get_json(&sim, &token, "?type=User&perPage=1000&page=1").await;
    let total = users["paging"]["totalElements"].as_u64().unwrap();
    let expected = sim
        .records()
        .iter()
        .filter(|r| r.extension.kind == ExtensionType::User)
        .count() as u64;
    assert_eq!(total, expected);
    assert!(expected < sim.extension_count() as u64);
    let some = get_json(&sim, &token, "?status=Disabled&status=Frozen&perPage=1000").await;
    for record in some["records"].as_array().unwrap() {
        assert!(matches!(
            record["status"].as_str(),
            Some("Disabled" | "Frozen")
        ));
    }
    assert!(!some["records"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn one_extension_by_id_or_404_cmn_102() {
    let sim = start(1, 50).await;
    let token = token(&sim).await;
    let record = sim.records()[3].extension.clone();
    let body = get_json(&sim, &token, &format!("/{}", record.id)).await;
    assert_eq!(body["id"], record.id);
    assert_eq!(body["extensionNumber"], record.extension_number);
    assert!(
        body["uri"]
            .as_str()
            .unwrap()
            .ends_with(&record.id.to_string())
    );
    let missing = get(&sim, &token, "/99").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["errorCode"], "CMN-102");
}

#[tokio::test]
async fn the_directory_shares_people_with_the_acd_simulator_of_the_same_seed() {
    let acd = AcdSim::start(AcdSimConfig::new(5, 1_000)).await.unwrap();
    let rc = start(5, 1_000).await;
    let matches = rc.agent_matches();
    assert_eq!(matches.len(), 1_000);
    let mut unique_enabled = 0;
    let mut several = 0;
    let mut none = 0;
    for m in &matches {
        let agent = acd.agent(m.agent_id).unwrap();
        assert_eq!(m.email, agent.email_address);
        match m.outcome() {
            MatchOutcome::Unique { id, status } => {
                let extension = rc.extension(id).unwrap();
                assert_eq!(extension.contact.first_name, agent.first_name);
                if status == ExtensionStatus::Enabled {
                    unique_enabled += 1;
                }
            }
            MatchOutcome::Several(ids) => {
                several += 1;
                assert!(ids.len() >= 2);
            }
            MatchOutcome::NoMatch => none += 1,
            MatchOutcome::NoEmail => assert!(agent.email_address.is_none()),
        }
    }
    assert!(unique_enabled > 700, "{unique_enabled}");
    assert!(several > 0 && none > 0, "{several} {none}");
    // The origins say which agent each extension came from.
    let derived: HashSet<u64> = rc
        .records()
        .iter()
        .filter_map(|r| match r.origin {
            Origin::Agent { agent_id } => Some(agent_id),
            _ => None,
        })
        .collect();
    assert!(derived.len() > 900 && derived.len() < 1000);
}

#[tokio::test]
async fn what_user_matches_predicts_is_what_the_email_filter_returns() {
    let sim = start(5, 500).await;
    let token = token(&sim).await;
    let sample: Vec<_> = sim
        .agent_matches()
        .into_iter()
        .filter(|m| m.email.is_some())
        .step_by(25)
        .collect();
    for m in sample {
        let email = m.email.unwrap();
        let query = format!("?type=User&email={}", email.replace('@', "%40"));
        let found = ids(&get_json(&sim, &token, &query).await);
        let predicted: Vec<u64> = m.users.iter().map(|e| e.id).collect();
        assert_eq!(found, predicted, "{email}");
    }
}

#[tokio::test]
async fn control_changes_extensions_in_process_and_over_http() {
    let sim = start(1, 50).await;
    let id = sim.records()[5].extension.id;
    let changed = sim
        .update_extension(id, |e| e.contact.first_name = Some("Zoe".into()))
        .unwrap();
    assert!(
        changed.name.starts_with("Zoe "),
        "name follows: {}",
        changed.name
    );
    sim.set_status(id, ExtensionStatus::Frozen).unwrap();
    sim.set_email(id, Some("Zoe@Example.COM")).unwrap();
    assert_eq!(sim.user_matches(" zoe@example.com").len(), 1);

    let control = format!("{}/_sim", sim.base_url());
    let client = reqwest::Client::new();
    let patched: Value = client
        .patch(format!("{control}/extensions/{id}"))
        .json(&json!({"status": "Disabled", "contact": {"email": null}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(patched["status"], "Disabled");
    assert!(patched["contact"]["email"].is_null());
    assert!(sim.user_matches("zoe@example.com").is_empty());

    let added: Value = client
        .post(format!("{control}/extensions"))
        .json(&json!({"contact": {"email": "new@example.com"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let added_id = added["id"].as_u64().unwrap();
    assert_eq!(sim.user_matches("NEW@example.com")[0].id, added_id);
    let removed = client
        .delete(format!("{control}/extensions/{added_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(sim.extension(added_id), None);
    let unknown = client
        .delete(format!("{control}/extensions/{added_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let counters: Value = client
        .get(format!("{control}/counters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["tokensIssued"], 0);
    let info: Value = client
        .get(format!("{control}/info"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["credentials"]["jwt"], sim.credentials().jwt);
    assert_eq!(sim.requests("/"), 0, "control requests are not logged");
}
