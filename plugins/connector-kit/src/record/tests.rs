//! Records read from the text against connector-kit's `Fields` over a parsed `Value`: every
//! reader over generated records, and which texts parse at all.

use crate::fields::Fields;
use fastrand::Rng;
use serde_json::{Map, Value};

use super::*;

const NAMES: &[&str] = &["id", "name", "flag", "list", "note"];
const SEED: RecordSeed<8> = RecordSeed::new(NAMES);

/// Reads `text` as one record, as a list element would be read.
fn record(text: &str) -> Result<Result<Record<'_, 8>, &'static str>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let record = SEED.deserialize(&mut de)?;
    de.end()?;
    Ok(record)
}

/// Every reader of both views on `field`, as comparable text.
fn readings<'a>(f: impl ReadFields<'a>, field: &'static str) -> Vec<String> {
    vec![
        format!("{:?}", f.required_int(field)),
        format!("{:?}", f.optional_int(field)),
        format!("{:?}", f.required_bool(field)),
        format!("{:?}", f.optional_bool(field)),
        format!("{:?}", f.required_str(field)),
        format!("{:?}", f.optional_str(field)),
        format!("{:?}", f.non_empty_str(field)),
        format!("{:?}", f.str_list(field)),
        format!("{:?}", f.loose_id(field)),
    ]
}

/// The values the generated records draw from: every form the readers accept or refuse.
#[rustfmt::skip]
const VALUES: &[&str] = &[
    "null", "true", "false", "0", "1", "2", "-3", "42", "9223372036854775807",
    "9223372036854775808", "18446744073709551616", "1.5", "1.0", "-0", "1e3", "\"\"", "\"42\"",
    "\"0042\"", "\"-3\"", "\"+4\"", "\" 4\"", "\"x7\"", "\"1\"", "\"0\"", "\"true\"", "\"FALSE\"",
    "\"yes\"", "\"a\\\"b\"", "\"\\u0041\\u00e9\"", "\"é\"", "[]", "[\"a\",\"b\"]", "[\"a\",1]",
    "[1,\"a\"]", "[[\"a\"]]", "{}", "{\"id\":1}",
];

/// A record with a random choice of the named fields, unknown ones, and repeated keys.
fn generated(rng: &mut Rng) -> String {
    let keys = ["id", "name", "flag", "list", "note", "other", "id2", "$x"];
    let fields: Vec<String> = (0..rng.usize(..9))
        .map(|_| {
            let key = keys[rng.usize(..keys.len())];
            let value = VALUES[rng.usize(..VALUES.len())];
            format!("\"{key}\": {value}")
        })
        .collect();
    format!("{{{}}}", fields.join(", "))
}

#[test]
fn every_reader_gives_what_fields_gives_on_generated_records() {
    let mut rng = Rng::with_seed(0x9e37_79b9_7f4a_7c15);
    for _ in 0..5_000 {
        let text = generated(&mut rng);
        let value: Value = serde_json::from_str(&text).expect("generated JSON");
        let map: &Map<String, Value> = value.as_object().expect("an object");
        let wire = record(&text).expect("parses").expect("an object");
        assert_eq!(SEED.read_value(&value).as_ref(), Ok(&wire), "{text}");
        for &field in NAMES {
            assert_eq!(
                readings(&wire, field),
                readings(Fields::new(map), field),
                "{field} of {text}"
            );
        }
    }
}

#[test]
fn a_repeated_key_keeps_its_last_value_as_a_map_does() {
    let wire = record(r#"{"id": 1, "name": "a", "id": "2", "id": null, "name": "b"}"#)
        .unwrap()
        .unwrap();
    assert_eq!(wire.get("id"), Some(&FieldValue::Null));
    assert_eq!((&wire).required_str("name"), Ok("b"));
}

#[test]
fn strings_without_escapes_are_borrowed_from_the_text() {
    let wire = record(r#"{"name": "plain", "note": "esc\"aped"}"#)
        .unwrap()
        .unwrap();
    assert!(matches!(
        wire.get("name"),
        Some(FieldValue::Str(Cow::Borrowed("plain")))
    ));
    assert!(matches!(wire.get("note"), Some(FieldValue::Str(Cow::Owned(s))) if s == "esc\"aped"));
}

#[test]
fn elements_that_are_not_objects_give_their_json_type() {
    for (text, found) in [
        ("[1]", "an array"),
        ("\"x\"", "a string"),
        ("3", "a number"),
        ("null", "null"),
        ("false", "a boolean"),
    ] {
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(record(text).unwrap(), Err(found), "{text}");
        assert_eq!(SEED.read_value(&value), Err(found), "{text}");
        assert_eq!(json_type(&value), found);
    }
}

#[test]
fn a_text_parses_exactly_when_it_parses_as_a_value_with_the_same_error() {
    let deep = format!("{{\"other\": {}1{}}}", "[".repeat(200), "]".repeat(200));
    let texts = [
        r#"{"other": 1e400}"#,
        r#"{"id": 1e400}"#,
        r#"{"other": -1e400}"#,
        r#"{"other": "\ud800"}"#,
        r#"{"other": {"k": "\ud800"}}"#,
        r#"{"other": "tab	inside"}"#,
        r#"{"other": [1, 2,]}"#,
        r#"{"other": {"a": 1,}}"#,
        r#"{"id": 1} trailing"#,
        r#"{"id": 1"#,
        r#"{"id" 1}"#,
        r#"{id: 1}"#,
        r#"{"other": 01}"#,
        r#"{"other": [1e5, -0.0, 123456789012345678901234567890]}"#,
        &deep,
    ];
    for text in texts {
        let value = serde_json::from_str::<Value>(text).map(|_| ());
        let wire = record(text).map(|_| ());
        assert_eq!(
            wire.map_err(|e| e.to_string()),
            value.map_err(|e| e.to_string()),
            "{text}"
        );
    }
    let invalid_utf8 = b"{\"other\": \"\xff\"}";
    let mut de = serde_json::Deserializer::from_slice(invalid_utf8);
    assert!(SEED.deserialize(&mut de).is_err());
    assert!(serde_json::from_slice::<Value>(invalid_utf8).is_err());
}

#[test]
fn serde_json_private_keys_are_refused_so_the_caller_parses_a_value() {
    for text in [
        r#"{"$serde_json::private::RawValue": "1"}"#,
        r#"{"other": {"$serde_json::private::Number": "1"}}"#,
        r#"{"list": [{"$serde_json::private::RawValue": "1"}]}"#,
    ] {
        assert!(record(text).is_err(), "{text}");
    }
}

#[test]
fn seeds_with_more_names_than_slots_are_refused() {
    let refused = std::panic::catch_unwind(|| RecordSeed::<1>::new(&["a", "b"]));
    assert!(refused.is_err());
}

#[test]
#[should_panic(expected = "is not among")]
#[cfg(debug_assertions)]
fn reading_a_field_the_seed_does_not_keep_stops_debug_builds() {
    let wire = record(r#"{"id": 1}"#).unwrap().unwrap();
    let _ = (&wire).optional_int("unknown");
}

#[test]
fn keys_are_borrowed_unless_escaped_and_private_keys_are_refused() {
    let key = |text: &'static str| serde_json::from_str::<Key<'static>>(text);
    assert!(matches!(key(r#""plain""#), Ok(Key(Cow::Borrowed("plain")))));
    assert!(matches!(key(r#""a\u0062""#), Ok(Key(Cow::Owned(s))) if s == "ab"));
    assert!(key(r#""$serde_json::private::RawValue""#).is_err());
}
