//! Rate limits: the headers on every reply, the budget, the penalty and its restart, and the
//! time scale.

use std::time::{Duration, Instant};

use ccsync_sim::ringcentral::{Fault, RateGroup, RingCentralError};
use serde_json::Value;

use super::*;

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
        Err(RingCentralError::InvalidTimeScale(7)) => {}
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("time scale 7 was accepted"),
    }
    let message = RingCentralError::InvalidTimeScale(7).to_string();
    assert!(
        message.contains("1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60"),
        "{message}"
    );
}
