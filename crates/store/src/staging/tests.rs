use super::*;
use crate::testing::{self, TENANT, store_with_run, user};
use crate::{PageBatch, RecordStatus, RecordWrite};

#[test]
fn a_large_read_sizes_its_id_set_for_every_hub_record_at_once() {
    let (mut store, run) = store_with_run();
    let hub: Vec<String> = (0..60_000).map(|i| format!("{i:05}")).collect();
    let ids: Vec<&str> = hub.iter().map(String::as_str).collect();
    store.commit_page(&testing::create_page(run, &ids)).unwrap();
    store.stage_begin(TENANT).unwrap();
    let capacity = |store: &Store| store.staging.as_ref().unwrap().seen[&Kind::User].capacity();
    for page in ids[..30_000].chunks(1000) {
        store.stage(Kind::User, page, &[]).unwrap();
    }
    assert!(
        capacity(&store) >= hub.len(),
        "halfway through, the set holds {} ids",
        capacity(&store)
    );
    for page in ids[30_000..].chunks(1000) {
        store.stage(Kind::User, page, &[]).unwrap();
    }
    assert_eq!(store.read_count(Kind::User), 60_000);
    store.stage_begin(TENANT).unwrap();
    store.stage(Kind::User, &ids[..100], &[]).unwrap();
    assert!(capacity(&store) < 1000, "a small read stays small");
}

#[test]
fn a_read_of_a_small_share_of_the_hub_is_not_sized_for_all_of_it() {
    let (mut store, run) = store_with_run();
    // 300k hub records, written in SQL: only their count matters here.
    store
        .conn
        .execute(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299999)
             INSERT INTO records (tenant, kind, source_id, data, hash, status,
                 source_active, first_seen_run, last_seen_run, updated_run, created_at,
                 updated_at)
             SELECT ?1, 'user', printf('%06d', i), '{}', '', 'active', 1, ?2, ?2, ?2,
                 '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n",
            params![TENANT, run],
        )
        .unwrap();
    let hub: Vec<String> = (0..30_000).map(|i| format!("{i:06}")).collect();
    let ids: Vec<&str> = hub.iter().map(String::as_str).collect();
    store.stage_begin(TENANT).unwrap();
    for page in ids[..30_000].chunks(1000) {
        store.stage(Kind::User, page, &[]).unwrap();
    }
    let capacity = store.staging.as_ref().unwrap().seen[&Kind::User].capacity();
    assert!(capacity < 100_000, "30k of 300k ids: a set of {capacity}");
}

#[test]
fn an_ended_read_holds_nothing_and_the_next_read_begins_afresh() {
    let (mut store, _) = store_with_run();
    store.stage_begin(TENANT).unwrap();
    testing::stage_read(&mut store, Kind::User, &[user("1", "u1")]).unwrap();
    store.stage_end().unwrap();
    assert!(store.staging.is_none());
    assert_eq!(store.read_count(Kind::User), 0);
    assert!(
        store.staged_count(Kind::User).is_err(),
        "the staged rows are dropped"
    );
    store.stage_begin(TENANT).unwrap();
    assert_eq!(store.staged_count(Kind::User).unwrap(), 0);
}

#[test]
fn staged_chunks_walk_every_record_once_in_id_order() {
    let (mut store, _) = store_with_run();
    store.stage_begin(TENANT).unwrap();
    let users: Vec<Entity> = (0..25).map(|i| user(&format!("{i:03}"), "u")).collect();
    testing::stage_read(&mut store, Kind::User, &users[..10]).unwrap();
    testing::stage_read(&mut store, Kind::User, &users[10..]).unwrap();
    // Read twice (paging shifted): still one staged record.
    testing::stage_read(&mut store, Kind::User, &users[..1]).unwrap();
    assert_eq!(store.staged_count(Kind::User).unwrap(), 25);
    let mut after = None;
    let mut seen = Vec::new();
    loop {
        let chunk = store.staged_chunk(Kind::User, after.as_deref(), 7).unwrap();
        let Some(last) = chunk.last() else { break };
        after = Some(last.entity.id().to_owned());
        seen.extend(chunk.iter().map(|s| s.entity.id().to_owned()));
    }
    let expected: Vec<String> = users.iter().map(|e| e.id().to_owned()).collect();
    assert_eq!(seen, expected);
}

#[test]
fn deactivations_by_absence_are_counted_in_sql_and_listed_a_chunk_at_a_time() {
    let (mut store, run) = store_with_run();
    let mut page = PageBatch::new(run, "wfm", "t", Kind::User);
    for (id, status) in [
        ("a", RecordStatus::Active),
        ("b", RecordStatus::Active),
        ("c", RecordStatus::Deactivated),
    ] {
        page.writes.push(RecordWrite::new(user(id, id), status));
    }
    store.commit_page(&page).unwrap();
    store.stage_begin("t").unwrap();
    testing::stage_read(&mut store, Kind::User, &[user("a", "a")]).unwrap();
    assert_eq!(store.count_unstaged_active("t", Kind::User).unwrap(), 1);
    let gone: Vec<String> = store
        .unstaged_active("t", Kind::User, None, 10)
        .unwrap()
        .into_iter()
        .map(|r| r.source_id)
        .collect();
    assert_eq!(gone, ["b"], "c is already deactivated");
    // b read again, inactive at the source: one deactivation; c inactive again: none.
    let mut inactive_b = user("b", "b");
    let mut inactive_c = user("c", "c");
    for entity in [&mut inactive_b, &mut inactive_c] {
        if let Entity::User(u) = entity {
            u.active = false;
        }
    }
    testing::stage_read(&mut store, Kind::User, &[inactive_b, inactive_c]).unwrap();
    assert_eq!(store.staged_deactivations("t", Kind::User).unwrap(), 1);
    assert_eq!(store.count_unstaged_active("other", Kind::User).unwrap(), 0);
    // Chunks walk the candidates in id order.
    assert!(
        store
            .unstaged_active("t", Kind::User, Some("b"), 10)
            .unwrap()
            .is_empty()
    );
    // A new read starts from an empty staging area.
    store.stage_begin(TENANT).unwrap();
    assert_eq!(store.staged_count(Kind::User).unwrap(), 0);
}

#[test]
fn only_what_the_read_changes_is_staged_and_an_unchanged_read_writes_no_row() {
    let (mut store, run) = store_with_run();
    store
        .commit_page(&testing::create_page(run, &["1", "2", "3"]))
        .unwrap();
    let total = |store: &Store| store.conn.total_changes();
    store.stage_begin(TENANT).unwrap();
    let before = total(&store);
    let unchanged: Vec<Entity> = ["1", "2", "3"]
        .iter()
        .map(|id| user(id, &format!("u{id}")))
        .collect();
    testing::stage_read(&mut store, Kind::User, &unchanged).unwrap();
    assert_eq!(
        total(&store),
        before,
        "no row written for an unchanged read"
    );
    assert_eq!(store.read_count(Kind::User), 3);
    assert_eq!(store.staged_count(Kind::User).unwrap(), 0);

    // 2 renamed, 4 new: staged; 2 read again unchanged (paging shifted): forgotten.
    testing::stage_read(
        &mut store,
        Kind::User,
        &[user("2", "renamed"), user("4", "u4")],
    )
    .unwrap();
    let staged = |store: &Store| -> Vec<String> {
        store
            .staged_chunk(Kind::User, None, 10)
            .unwrap()
            .into_iter()
            .map(|s| s.entity.id().to_owned())
            .collect()
    };
    assert_eq!(staged(&store), ["2", "4"]);
    testing::stage_read(&mut store, Kind::User, &[user("2", "u2")]).unwrap();
    assert_eq!(staged(&store), ["4"]);
    assert_eq!(store.read_count(Kind::User), 4);
}

#[test]
fn staging_a_record_of_another_kind_is_refused() {
    let (mut store, _) = store_with_run();
    store.stage_begin(TENANT).unwrap();
    assert!(testing::stage_read(&mut store, Kind::Team, &[user("a", "a")]).is_err());
}
