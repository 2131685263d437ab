use super::*;

fn limits() -> Limits {
    Limits {
        max_field_bytes: 16,
        max_record_bytes: 64,
        max_page_bytes: 256,
        ..Limits::default()
    }
}

fn user(id: &str, email: &str) -> Entity {
    Entity::User(User {
        id: id.into(),
        email: Some(email.into()),
        ..User::default()
    })
}

fn page(items: Vec<Entity>) -> Page {
    Page {
        items,
        ..Page::default()
    }
}

#[test]
fn a_field_over_the_limit_makes_the_record_invalid_naming_field_and_size() {
    let limits = limits();
    let redactor = Redactor::default();
    let guard = OutputGuard::new(&limits, &redactor);
    let out = guard
        .page(page(vec![user("1", "a@b.c"), user("2", &"x".repeat(17))]))
        .unwrap();
    assert_eq!(out.items, vec![user("1", "a@b.c")]);
    assert_eq!(
        out.invalid,
        vec![InvalidRecord {
            id: Some("2".into()),
            reason: "field `email` is 17 bytes, over the limit of 16 bytes (max_field_size); \
                     the record is 18 bytes"
                .into()
        }]
    );
}

#[test]
fn a_record_over_the_limit_is_invalid_with_its_size() {
    let limits = limits();
    let redactor = Redactor::default();
    let guard = OutputGuard::new(&limits, &redactor);
    let big = Entity::User(User {
        id: "7".into(),
        roles: vec!["r".repeat(16); 4],
        ..User::default()
    });
    let out = guard.page(page(vec![big])).unwrap();
    assert!(out.items.is_empty());
    assert_eq!(out.invalid[0].id.as_deref(), Some("7"));
    assert_eq!(
        out.invalid[0].reason,
        "record is 65 bytes, over the limit of 64 bytes (max_record_size)"
    );
}

#[test]
fn a_page_over_the_limit_fails_naming_the_limit() {
    let limits = limits();
    let redactor = Redactor::default();
    let guard = OutputGuard::new(&limits, &redactor);
    let items = (0..30)
        .map(|i| user(&i.to_string(), "abcdefghij"))
        .collect();
    let err = guard.page(page(items)).unwrap_err();
    assert!(
        err.contains("256 bytes in one result (max_page_size)"),
        "{err}"
    );
}

#[test]
fn an_over_size_id_or_reason_of_an_invalid_record_is_cut() {
    let limits = limits();
    let redactor = Redactor::default();
    let guard = OutputGuard::new(&limits, &redactor);
    let out = guard
        .page(Page {
            invalid: vec![InvalidRecord {
                id: Some("i".repeat(20)),
                reason: "r".repeat(40),
            }],
            ..Page::default()
        })
        .unwrap();
    assert_eq!(
        out.invalid[0].id.as_deref(),
        Some("iiiiiiiiiiiiiiii… [4 bytes cut]")
    );
    assert!(out.invalid[0].reason.ends_with("[24 bytes cut]"));
}

#[test]
fn secrets_are_redacted_from_records_reasons_and_cursors() {
    let limits = Limits::default();
    let redactor = Redactor::new(["hunter2-secret".to_owned()]);
    let guard = OutputGuard::new(&limits, &redactor);
    let out = guard
        .page(Page {
            items: vec![user("1", "HUNTER2-SECRET")],
            invalid: vec![InvalidRecord {
                id: None,
                reason: "bad hunter2-secret".into(),
            }],
            next_cursor: Some("c-hunter2-secret".into()),
            watermark: None,
        })
        .unwrap();
    assert_eq!(out.items, vec![user("1", "[redacted]")]);
    assert_eq!(out.invalid[0].reason, "bad [redacted]");
    assert_eq!(out.next_cursor.as_deref(), Some("c-[redacted]"));
}

#[test]
fn secrets_are_redacted_from_a_users_groups_and_a_named_items_group() {
    let limits = Limits::default();
    let redactor = Redactor::new(["hunter2-secret".to_owned()]);
    let guard = OutputGuard::new(&limits, &redactor);
    let campaign = |group: &str| {
        Entity::Campaign(NamedItem {
            id: "c1".into(),
            name: "Sales".into(),
            group: Some(group.into()),
            ..NamedItem::default()
        })
    };
    let with_groups = |groups: &[&str]| {
        Entity::User(User {
            id: "1".into(),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            ..User::default()
        })
    };
    let out = guard
        .page(page(vec![
            with_groups(&["Agents", "x-hunter2-secret"]),
            campaign("hunter2-secret"),
        ]))
        .unwrap();
    assert_eq!(
        out.items,
        vec![
            with_groups(&["Agents", "x-[redacted]"]),
            campaign("[redacted]")
        ]
    );
}

#[test]
fn an_over_size_group_makes_the_record_invalid_naming_the_field() {
    let limits = limits();
    let redactor = Redactor::default();
    let guard = OutputGuard::new(&limits, &redactor);
    let user = Entity::User(User {
        id: "1".into(),
        groups: vec!["g".repeat(17)],
        ..User::default()
    });
    let item = Entity::Disposition(NamedItem {
        id: "2".into(),
        group: Some("g".repeat(17)),
        ..NamedItem::default()
    });
    let out = guard.page(page(vec![user, item])).unwrap();
    assert!(out.items.is_empty());
    let reasons: Vec<&str> = out.invalid.iter().map(|r| r.reason.as_str()).collect();
    assert!(
        reasons[0].starts_with("field `groups` is 17 bytes"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].starts_with("field `group` is 17 bytes"),
        "{reasons:?}"
    );
}

#[test]
fn a_record_costs_a_fixed_transfer_size_plus_its_text_as_the_readme_says() {
    // The component model charges the hostcall fuel (max_page_size) with the host's
    // representation of a page: this fixed size per record plus its text.
    let per_record = size_of::<crate::bindings::wit::Entity>();
    println!("transfer size of one record: {per_record} bytes");
    assert!((300..=400).contains(&per_record), "{per_record}");
}

#[test]
fn a_description_with_an_over_size_name_is_refused() {
    let limits = limits();
    let redactor = Redactor::default();
    let guard = OutputGuard::new(&limits, &redactor);
    let mut description = Description {
        name: "ok".into(),
        version: "1.0.0".into(),
        reads: vec![],
        writes: vec![],
        origins: vec!["https://a.test".into()],
        capabilities: vec![],
    };
    assert_eq!(guard.description(&description), Ok(()));
    description.name = "n".repeat(17);
    let err = guard.description(&description).unwrap_err();
    assert!(err.contains("a name of 17 bytes"), "{err}");
}

#[test]
fn an_over_size_cursor_fails_the_page() {
    let limits = limits();
    let redactor = Redactor::default();
    let guard = OutputGuard::new(&limits, &redactor);
    let err = guard
        .page(Page {
            next_cursor: Some("c".repeat(17)),
            ..Page::default()
        })
        .unwrap_err();
    assert!(err.contains("next-cursor of 17 bytes"), "{err}");
}
