//! How the text is walked: serde visitors that see every value exactly as `Value`'s visitor
//! does (see the parent module's notes on exactness), keeping what a record needs.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

use super::{FieldValue, Key, PRIVATE_KEY, Record, RecordSeed, Skip};

pub(super) struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
        public_key(key)?;
        Ok(Key(Cow::Owned(key.to_owned())))
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
        public_key(key)?;
        Ok(Key(Cow::Borrowed(key)))
    }
}

/// Where `key` is among `names`, trying `hint` first. Names are compared by length and last
/// byte before their text: that tells most field names apart (`telephone1` and `telephone2`
/// only by their last) without a call to `memcmp`, which a page makes a few hundred thousand
/// times.
pub(super) fn position(names: &[&str], key: &str, hint: usize) -> Option<usize> {
    let same = |name: &&str| {
        name.len() == key.len() && name.as_bytes().last() == key.as_bytes().last() && *name == key
    };
    if names.get(hint).is_some_and(same) {
        return Some(hint);
    }
    names.iter().position(same)
}

/// Refuses serde_json's private keys (see the module's notes).
fn public_key<E: de::Error>(key: &str) -> Result<(), E> {
    if key.starts_with(PRIVATE_KEY) {
        return Err(E::custom(format_args!(
            "key {key:?} has a meaning of its own to serde_json; parse a Value instead"
        )));
    }
    Ok(())
}

/// What [`AnyVisitor`] makes of an object; anything else becomes a [`FieldValue`].
pub(super) trait OnObject<'de> {
    type Object;
    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Self::Object, A::Error>;
}

/// An object is checked and dropped (a field's object value).
pub(super) struct CheckObject;

impl<'de> OnObject<'de> for CheckObject {
    type Object = ();

    fn object<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map
            .next_key_seed(KeySeed {
                names: &[],
                hint: 0,
            })?
            .is_some()
        {
            map.next_value::<Skip>()?;
        }
        Ok(())
    }
}

/// An object is a record (an element of a list).
impl<'de, const N: usize> OnObject<'de> for RecordSeed<N> {
    type Object = Record<'de, N>;

    fn object<A: MapAccess<'de>>(self, mut map: A) -> Result<Record<'de, N>, A::Error> {
        let mut values = [const { None }; N];
        let mut key = KeySeed {
            names: self.names,
            hint: 0,
        };
        while let Some(index) = map.next_key_seed(key)? {
            // Records of one list send their keys in one order: look for the next key after
            // this one first.
            key.hint = index.map_or(0, |i| i + 1);
            match index.and_then(|i| values.get_mut(i)) {
                // A repeated key overwrites, as inserting into a `Map` does.
                Some(slot) => *slot = Some(map.next_value()?),
                None => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        Ok(Record {
            names: self.names,
            values,
        })
    }
}

/// Visits any value the way `Value`'s visitor does: `Ok` for an object (as `O` reads it),
/// else the value.
pub(super) struct AnyVisitor<O>(pub(super) O);

impl<'de, O: OnObject<'de>> Visitor<'de> for AnyVisitor<O> {
    type Value = Result<O::Object, FieldValue<'de>>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Err(FieldValue::Bool(value)))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Self::Value, E> {
        Ok(Err(FieldValue::Number(value.into())))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Self::Value, E> {
        Ok(Err(FieldValue::Number(value.into())))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Self::Value, E> {
        Ok(Err(
            Number::from_f64(value).map_or(FieldValue::Null, FieldValue::Number)
        ))
    }

    fn visit_str<E>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Err(FieldValue::Str(Cow::Owned(value.to_owned()))))
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Err(FieldValue::Str(Cow::Borrowed(value))))
    }

    fn visit_string<E>(self, value: String) -> Result<Self::Value, E> {
        Ok(Err(FieldValue::Str(Cow::Owned(value))))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Err(FieldValue::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut strings = Ok(Vec::new());
        while let Some(element) = seq.next_element::<FieldValue<'de>>()? {
            if let Ok(list) = &mut strings {
                match element {
                    FieldValue::Str(s) => list.push(s),
                    other => strings = Err(other.json_type()),
                }
            }
        }
        Ok(Err(FieldValue::Array(Box::new(strings))))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.object(map).map(Ok)
    }
}

/// Drops any value after parsing it as `Value`'s visitor would.
pub(super) struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }

    // Borrowed and owned strings come here too (serde's defaults).
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Skip, A::Error> {
        CheckObject.object(map).map(|()| Skip)
    }
}

/// Reads an object's key as `Value` does (as a string) and gives its index among the names
/// (trying `hint` first), refusing serde_json's private keys (see the module's notes).
#[derive(Clone, Copy)]
struct KeySeed {
    names: &'static [&'static str],
    hint: usize,
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Option<usize>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        public_key(key)?;
        Ok(position(self.names, key, self.hint))
    }
}
