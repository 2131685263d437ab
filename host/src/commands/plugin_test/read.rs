//! `read`, for every kind the plugin declares: a read pages to its end within a bound and
//! never repeats a cursor; a cursor resumes in a fresh instance where it left off; `since`
//! returns a subset (for `incremental` connectors); the same source maps to the same records
//! (read twice, compared as the hub would store them); and ids are unique per page.
//!
//! These are what the engine relies on: it stages every page of a read before it plans, so a
//! read that never ends never syncs; it keeps the cursor across instances (a fault discards
//! the instance); it hashes records to see change, so a mapping that is not deterministic
//! rewrites every record on every run; and a repeated id in a page is two records for one key.

use std::collections::{BTreeSet, HashSet};

use ccsync_model::{Entity, InvalidRecord, Kind, Page};

use super::Kit;
use super::report::Outcome;

/// One full read: its pages, or why it failed.
struct FullRead {
    pages: Vec<Page>,
}

/// Runs the read checks of every declared kind.
pub(super) async fn run(kit: &mut Kit) {
    for kind in kit.readable_kinds() {
        kind_checks(kit, kind).await;
    }
}

fn id(kind: Kind, check: &str) -> String {
    format!("read.{}.{check}", kind.as_str())
}

async fn kind_checks(kit: &mut Kit, kind: Kind) {
    let check = id(kind, "terminates");
    let first = match read_all(kit, &check, kind, None).await {
        Ok(read) => {
            kit.report.add(&check, Outcome::Pass);
            read
        }
        Err(why) => {
            kit.report.add(&check, Outcome::Fail(why));
            for dependent in [
                "unique-ids",
                "cursor-resumes",
                "deterministic",
                "since-subset",
            ] {
                kit.report.add(
                    id(kind, dependent),
                    Outcome::Skip(format!("the read failed ({check})")),
                );
            }
            return;
        }
    };

    let mut duplicates = Vec::new();
    for (n, page) in first.pages.iter().enumerate() {
        let mut seen = HashSet::new();
        for entity in &page.items {
            if !seen.insert(entity.id()) {
                duplicates.push(format!("page {}: id {:?} twice", n + 1, entity.id()));
            }
        }
    }
    kit.report.add_all(id(kind, "unique-ids"), duplicates);

    let check = id(kind, "cursor-resumes");
    let outcome = cursor_resumes(kit, &check, kind, &first).await;
    kit.report.add(check, outcome);

    let check = id(kind, "deterministic");
    let outcome = match read_all(kit, &check, kind, None).await {
        Ok(second) => compare(&first.pages, &second.pages),
        Err(why) => Outcome::Fail(format!("the second read failed: {why}")),
    };
    kit.report.add(check, outcome);

    let check = id(kind, "since-subset");
    let outcome = since_subset(kit, &check, kind, &first).await;
    kit.report.add(check, outcome);
}

/// Reads every page of `kind` in a fresh instance, at most `max_pages`, failing on a
/// repeated cursor.
async fn read_all(
    kit: &mut Kit,
    check: &str,
    kind: Kind,
    since: Option<&str>,
) -> Result<FullRead, String> {
    let mut connector = kit.connect(check).await.map_err(|e| e.to_string())?;
    let mut pages = Vec::new();
    let mut cursors = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        if pages.len() == kit.max_pages {
            return Err(format!(
                "did not reach the last page within {} pages (--max-pages)",
                kit.max_pages
            ));
        }
        let read = connector.read(kind, cursor.as_deref(), since).await;
        let page = kit
            .note(check, read)
            .map_err(|e| format!("page {}: {e}", pages.len() + 1))?;
        let next = page.next_cursor.clone();
        pages.push(page);
        match next {
            None => return Ok(FullRead { pages }),
            Some(next) => {
                if !cursors.insert(next.clone()) {
                    return Err(format!(
                        "page {} repeats the cursor {next:?} of an earlier page: the read \
                         would never end",
                        pages.len()
                    ));
                }
                cursor = Some(next);
            }
        }
    }
}

/// What a page maps to, as the hub would store it: the records' canonical JSON and the
/// invalid records.
fn mapped(page: &Page) -> (Vec<String>, &[InvalidRecord]) {
    (
        page.items.iter().map(|e| e.encode().json).collect(),
        &page.invalid,
    )
}

fn compare(first: &[Page], second: &[Page]) -> Outcome {
    if first.len() != second.len() {
        return Outcome::Fail(format!(
            "the first read took {} pages, the second {}",
            first.len(),
            second.len()
        ));
    }
    for (n, (a, b)) in first.iter().zip(second).enumerate() {
        if mapped(a) != mapped(b) {
            return Outcome::Fail(format!(
                "page {} maps differently on a second read{}",
                n + 1,
                first_difference(&a.items, &b.items)
            ));
        }
    }
    Outcome::Pass
}

fn first_difference(a: &[Entity], b: &[Entity]) -> String {
    a.iter()
        .zip(b)
        .find(|(x, y)| x != y)
        .map(|(x, _)| format!(" (first at record {:?})", x.id()))
        .unwrap_or_default()
}

async fn cursor_resumes(kit: &mut Kit, check: &str, kind: Kind, first: &FullRead) -> Outcome {
    let (Some(page1), Some(page2)) = (first.pages.first(), first.pages.get(1)) else {
        return Outcome::Skip(
            "the read took one page: lower the page size in the settings to test cursors".into(),
        );
    };
    let cursor = page1.next_cursor.clone();
    let mut connector = match kit.connect(check).await {
        Ok(connector) => connector,
        Err(e) => return Outcome::Fail(e.to_string()),
    };
    let read = connector.read(kind, cursor.as_deref(), None).await;
    match kit.note(check, read) {
        Err(e) => Outcome::Fail(format!("reading from page 1's cursor: {e}")),
        Ok(resumed) if mapped(&resumed) == mapped(page2) => Outcome::Pass,
        Ok(resumed) => Outcome::Fail(format!(
            "page 1's cursor in a fresh instance gives other records than page 2{}",
            first_difference(&page2.items, &resumed.items)
        )),
    }
}

async fn since_subset(kit: &mut Kit, check: &str, kind: Kind, first: &FullRead) -> Outcome {
    if !kit.has_capability("incremental") {
        return Outcome::Skip("the plugin does not declare `incremental`".into());
    }
    let Some(watermark) = first.pages.iter().rev().find_map(|p| p.watermark.clone()) else {
        return Outcome::Skip(format!(
            "a full read of {} returns no watermark: it is not read incrementally",
            kind.as_str()
        ));
    };
    let all: BTreeSet<&str> = first
        .pages
        .iter()
        .flat_map(|p| p.items.iter().map(Entity::id))
        .collect();
    match read_all(kit, check, kind, Some(&watermark)).await {
        Err(why) => Outcome::Fail(format!("the read since {watermark:?} failed: {why}")),
        Ok(since) => {
            let extra: Vec<String> = since
                .pages
                .iter()
                .flat_map(|p| p.items.iter().map(Entity::id))
                .filter(|id| !all.contains(id))
                .map(|id| format!("{id:?}"))
                .collect();
            if extra.is_empty() {
                Outcome::Pass
            } else {
                Outcome::Fail(format!(
                    "the read since {watermark:?} returns records the full read did not: {}",
                    extra.join(", ")
                ))
            }
        }
    }
}
