//! The simulated RingCentral account over real HTTP, as a connector sees it: the JWT grant,
//! paging, email look-ups, rate limits and penalties, the headers on every reply, the time
//! scale, token expiry, faults, the `/_sim/` control endpoints, and the people it shares with
//! the ACD simulator of the same seed.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use ccsync_sim::ringcentral::{
    EXTENSIONS_PATH, ExtensionStatus, ExtensionType, Fault, MatchOutcome, Origin, RateGroup,
    TOKEN_PATH,
};
use ccsync_sim::{AcdSim, AcdSimConfig, RingCentralSim, RingCentralSimConfig, SimError};
use reqwest::StatusCode;
use serde_json::{Value, json};

const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

async fn start(seed: u64, users: usize) -> RingCentralSim {
    RingCentralSim::start(RingCentralSimConfig::new(seed, users))
        .await
        .unwrap()
}

async fn start_scaled(users: usize, scale: u32) -> RingCentralSim {
    RingCentralSim::start(RingCentralSimConfig::new(3, users).with_time_scale(scale))
        .await
        .unwrap()
}

async fn token_request(sim: &RingCentralSim, form: &[(&str, &str)]) -> reqwest::Response {
    let c = sim.credentials();
    reqwest::Client::new()
        .post(format!("{}{TOKEN_PATH}", sim.base_url()))
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn token_response(sim: &RingCentralSim) -> Value {
    let jwt = sim.credentials().jwt;
    let response = token_request(sim, &[("grant_type", JWT_GRANT), ("assertion", &jwt)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn token(sim: &RingCentralSim) -> String {
    token_response(sim).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// GET `{base}{EXTENSIONS_PATH}{rest}` with a bearer token.
async fn get(sim: &RingCentralSim, token: &str, rest: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{EXTENSIONS_PATH}{rest}", sim.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn get_json(sim: &RingCentralSim, token: &str, rest: &str) -> Value {
    let response = get(sim, token, rest).await;
    assert_eq!(response.status(), StatusCode::OK, "{rest}");
    response.json().await.unwrap()
}

fn ids(page: &Value) -> Vec<u64> {
    page["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect()
}

fn header<'r>(response: &'r reqwest::Response, name: &str) -> Option<&'r str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn jwt_grant_issues_a_bearer_token_with_the_platforms_fields() {
    let sim = start(1, 20).await;
    let body = token_response(&sim).await;
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["refresh_token_expires_in"], 604_799);
    assert_eq!(body["scope"], "ReadAccounts");
    assert!(body["owner_id"].is_string() && body["refresh_token"].is_string());
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(get(&sim, token, "").await.status(), StatusCode::OK);
    assert_eq!(sim.counters().tokens_issued, 1);
}

#[tokio::test]
async fn token_endpoint_refuses_a_wrong_client_with_401_and_a_wrong_assertion_with_400() {
    let sim = start(1, 5).await;
    let c = sim.credentials();
    let wrong_client = reqwest::Client::new()
        .post(format!("{}{TOKEN_PATH}", sim.base_url()))
        .basic_auth(&c.client_id, Some("wrong"))
        .form(&[("grant_type", JWT_GRANT), ("assertion", &c.jwt)])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_client.status(), StatusCode::UNAUTHORIZED);
    let body: Value = wrong_client.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["errors"][0]["errorCode"], "OAU-123");

    let wrong_jwt = token_request(&sim, &[("grant_type", JWT_GRANT), ("assertion", "a.b.c")]).await;
    assert_eq!(wrong_jwt.status(), StatusCode::BAD_REQUEST);
    let body: Value = wrong_jwt.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        body["errors"][0]["errorCode"]
            .as_str()
            .unwrap()
            .starts_with("OAU-")
    );

    let password = token_request(&sim, &[("grant_type", "password")]).await;
    assert_eq!(password.status(), StatusCode::BAD_REQUEST);
    assert_eq!(sim.counters().tokens_issued, 0);
}

#[tokio::test]
async fn refresh_grant_issues_a_new_pair_and_a_refresh_token_is_used_once() {
    let sim = start(1, 5).await;
    let first = token_response(&sim).await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let renewed = token_request(&sim, &form).await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let renewed: Value = renewed.json().await.unwrap();
    assert_ne!(renewed["access_token"], first["access_token"]);
    let again = token_request(&sim, &form).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

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
async fn expired_tokens_get_401_oau_128_and_unknown_ones_401_too() {
    let sim = start(1, 20).await;
    let token = token(&sim).await;
    sim.expire_tokens();
    let expired = get(&sim, &token, "").await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    let body: Value = expired.json().await.unwrap();
    assert_eq!(body["errorCode"], "OAU-128");
    let unknown = get(&sim, "made-up", "").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let body: Value = unknown.json().await.unwrap();
    assert!(body["errorCode"].as_str().unwrap().starts_with("OAU-"));
    // A new token works again.
    let fresh = self::token(&sim).await;
    assert_eq!(get(&sim, &fresh, "").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_reply_of_a_rate_limited_path_carries_the_rate_limit_headers() {
    let sim = start(1, 20).await;
    let token = token(&sim).await;
    sim.fail_next("/extension", 1, Fault::Status(503)).unwrap();
    let replies = [
        (get(&sim, &token, "").await, "Medium"),
        (get(&sim, &token, "").await, "Medium"),
        (get(&sim, &token, "?page=x").await, "Medium"),
        (get(&sim, "made-up", "").await, "Medium"),
        (get(&sim, &token, "/99").await, "Light"),
        (
            token_request(&sim, &[("grant_type", "password")]).await,
            "Auth",
        ),
    ];
    let statuses: Vec<u16> = replies.iter().map(|(r, _)| r.status().as_u16()).collect();
    assert_eq!(statuses, [503, 200, 400, 401, 404, 400]);
    for (response, group) in &replies {
        assert_eq!(header(response, "X-Rate-Limit-Group"), Some(*group));
        assert!(header(response, "X-Rate-Limit-Limit").is_some());
        assert!(header(response, "X-Rate-Limit-Remaining").is_some());
        assert_eq!(header(response, "X-Rate-Limit-Window"), Some("60"));
    }
    assert_eq!(header(&replies[0].0, "X-Rate-Limit-Limit"), Some("40"));
    assert_eq!(header(&replies[0].0, "X-Rate-Limit-Remaining"), Some("39"));
    assert_eq!(header(&replies[1].0, "X-Rate-Limit-Remaining"), Some("38"));
    assert_eq!(header(&replies[4].0, "X-Rate-Limit-Limit"), Some("50"));
}

#[tokio::test]
async fn over_the_limit_answers_429_cmn_301_with_retry_after_and_starts_one_penalty() {
    let sim = start(1, 20).await;
    let token = token(&sim).await;
    for _ in 0..40 {
        assert_eq!(get(&sim, &token, "").await.status(), StatusCode::OK);
    }
    let limited = get(&sim, &token, "").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&limited, "Retry-After"), Some("60"));
    assert_eq!(header(&limited, "X-Rate-Limit-Remaining"), Some("0"));
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["errorCode"], "CMN-301");
    // Another group is not affected.
    let record = sim.records()[0].extension.id;
    assert_eq!(
        get(&sim, &token, &format!("/{record}")).await.status(),
        StatusCode::OK
    );
    let counters = sim.counters();
    assert_eq!(
        (
            counters.requests(RateGroup::Medium),
            counters.rate_limited,
            counters.penalties_started
        ),
        (41, 1, 1)
    );
    assert_eq!(counters.requests(RateGroup::Light), 1);
    assert_eq!(counters.requests(RateGroup::Auth), 1);
}

#[tokio::test]
async fn a_request_during_the_penalty_gets_429_and_restarts_it() {
    // Scale 30: a simulated minute (window and penalty) is 2 real seconds.
    let sim = start_scaled(20, 30).await;
    for _ in 0..5 {
        token_response(&sim).await;
    }
    let jwt = sim.credentials().jwt;
    let form = [("grant_type", JWT_GRANT), ("assertion", jwt.as_str())];
    let limited = token_request(&sim, &form).await;
    // The penalty started before this instant, so it ends before `started` + 2 s.
    let started = Instant::now();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&limited, "Retry-After"), Some("2"));
    tokio::time::sleep_until((started + Duration::from_millis(1000)).into()).await;
    // Sent after `started` + 1 s: the penalty now lasts until after `started` + 3 s.
    assert_eq!(
        token_request(&sim, &form).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    tokio::time::sleep_until((started + Duration::from_millis(2400)).into()).await;
    // Past the first penalty's end, within the restarted one.
    assert_eq!(
        token_request(&sim, &form).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let last_refused = Instant::now();
    // A whole window after the last refused request.
    tokio::time::sleep_until((last_refused + Duration::from_millis(2300)).into()).await;
    assert_eq!(token_request(&sim, &form).await.status(), StatusCode::OK);
    let counters = sim.counters();
    assert_eq!((counters.rate_limited, counters.penalties_started), (3, 1));
}

#[tokio::test]
async fn time_scale_sixty_makes_every_sent_duration_a_sixtieth_in_real_seconds() {
    let sim = start_scaled(20, 60).await;
    let body = token_response(&sim).await;
    assert_eq!(body["expires_in"], 60);
    assert_eq!(body["refresh_token_expires_in"], 604_799 / 60);
    let token = body["access_token"].as_str().unwrap().to_owned();
    let ok = get(&sim, &token, "").await;
    assert_eq!(header(&ok, "X-Rate-Limit-Window"), Some("1"));
    for _ in 0..39 {
        get(&sim, &token, "").await;
    }
    let limited = get(&sim, &token, "").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&limited, "Retry-After"), Some("1"));
    // Honouring Retry-After is enough: the budget is whole again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = get(&sim, &token, "").await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(header(&again, "X-Rate-Limit-Remaining"), Some("39"));
    assert!(
        sim.simulated_minutes() >= 1.0,
        "{}",
        sim.simulated_minutes()
    );
    sim.reset_counters();
    assert!(sim.simulated_minutes() < 0.5);
    assert_eq!(sim.counters().medium, 0);
    assert!(sim.request_log().is_empty());
}

#[tokio::test]
async fn a_time_scale_that_does_not_divide_sixty_is_refused_with_the_allowed_ones() {
    let refused = RingCentralSim::start(RingCentralSimConfig::new(1, 5).with_time_scale(7)).await;
    match refused {
        Err(SimError::InvalidTimeScale(7)) => {}
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("time scale 7 was accepted"),
    }
    let message = SimError::InvalidTimeScale(7).to_string();
    assert!(
        message.contains("1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60"),
        "{message}"
    );
}

#[tokio::test]
async fn injected_faults_answer_the_next_requests_of_a_prefix_then_stop() {
    let sim = start(1, 20).await;
    let token = token(&sim).await;
    sim.fail_next(
        "/extension",
        1,
        Fault::RateLimited {
            retry_after_secs: 9,
        },
    )
    .unwrap();
    sim.fail_next("/extension", 1, Fault::MalformedRecord)
        .unwrap();
    sim.fail_next(TOKEN_PATH, 1, Fault::Status(502)).unwrap();
    let limited = get(&sim, &token, "").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&limited, "Retry-After"), Some("9"));
    let broken = get_json(&sim, &token, "").await;
    assert!(broken["records"][0]["contact"].is_string());
    assert!(broken["records"][1]["contact"].is_object());
    let clean = get_json(&sim, &token, "").await;
    assert!(clean["records"][0]["contact"].is_object());
    let jwt = sim.credentials().jwt;
    let form = [("grant_type", JWT_GRANT), ("assertion", jwt.as_str())];
    assert_eq!(
        token_request(&sim, &form).await.status(),
        StatusCode::BAD_GATEWAY
    );
    assert_eq!(token_request(&sim, &form).await.status(), StatusCode::OK);
    assert_eq!(
        sim.counters().penalties_started,
        0,
        "injected 429s start no penalty"
    );
    assert!(matches!(
        sim.fail_next("/x", 1, Fault::Status(200)),
        Err(SimError::InvalidFault(_))
    ));
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
