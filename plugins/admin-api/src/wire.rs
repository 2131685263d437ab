//! Reads a list body straight into records: the fast path of every list read.
//!
//! Why (issue #14): parsing a page of a thousand agents into `serde_json::Value`s and looking
//! each field up by name was most of a page's cost. Here the envelope is walked once; the
//! list's elements become [`Record`]s holding only the fields their kind's mapping reads
//! ([`seed`]), `lastPollTime` is kept, and everything else is parsed only to check it (see
//! `record` for why that parses exactly what a `Value` parse accepts).
//!
//! The fast path decides nothing unusual itself: a body that is not JSON, not an object or
//! without its list, a list that is not an array, or a key serde_json treats specially makes
//! [`read_list`] answer `None`, and [`read_body`] parses the body as a `Value` instead
//! ([`parse_list`]), which reports it exactly as before (or, for the special keys, reads it),
//! its elements then taken as the records their text would read as. When the fast path does
//! answer, it answers what that parse would: the same elements in the same order, and the same
//! `lastPollTime` (the last one sent when the key repeats, as a `Map` keeps). Either way the
//! pages are mapped from [`Element`]s, so the component carries one mapping, not two.

use std::fmt;

use connector_kit::wit::types::{Error, Kind};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::endpoint::endpoint;
use crate::mapping::Item;
use crate::page::{ListBody, parse_list};
use connector_kit::record::{FieldValue, Key, Record, RecordSeed, Skip};

/// The most fields a kind's mapping reads (an agent's).
const SLOTS: usize = 16;

/// One element of a list read by [`read_list`]: a record, or the JSON type of an element that
/// is not an object.
pub type Element<'de> = Result<Record<'de, SLOTS>, &'static str>;

impl<'de> Item for Element<'de> {
    type Fields<'a>
        = &'a Record<'de, SLOTS>
    where
        Self: 'a;

    fn fields(&self) -> Result<&Record<'de, SLOTS>, &'static str> {
        self.as_ref().map_err(|found| *found)
    }
}

/// The fields kept for a record of `kind`: every field its mapping (`mapping.rs`,
/// `mapping/lists.rs`) reads, which include the endpoint's id and label fields that a report
/// on a malformed record names. A field missing here would read as absent (debug builds stop
/// on it; the tests compare both paths on every field).
fn seed(kind: Kind) -> RecordSeed<SLOTS> {
    // In the order the Admin API sends them, which the read tries first.
    const USER: RecordSeed<SLOTS> = RecordSeed::new(&[
        "agentId",
        "userName",
        "firstName",
        "lastName",
        "emailAddress",
        "isActive",
        "teamId",
        "teamName",
        "profileId",
        "profileName",
        "telephone1",
        "telephone2",
        "internalId",
        "location",
        "lastUpdated",
        "locked",
    ]);
    const TEAM: RecordSeed<SLOTS> = RecordSeed::new(&[
        "teamId",
        "teamName",
        "isActive",
        "wfm2Enabled",
        "wfoEnabled",
        "niceWfmEnabled",
        "niceWfoAdvancedEnabled",
    ]);
    const PROFILE: RecordSeed<SLOTS> =
        RecordSeed::new(&["securityProfileId", "securityProfileName", "permissions"]);
    const CAMPAIGN: RecordSeed<SLOTS> =
        RecordSeed::new(&["id", "name", "isActive", "description", "lastUpdateTime"]);
    const DISPOSITION: RecordSeed<SLOTS> = RecordSeed::new(&[
        "dispositionId",
        "dispositionName",
        "classificationId",
        "systemOutcome",
        "lastUpdated",
    ]);
    const AGENT_STATUS: RecordSeed<SLOTS> =
        RecordSeed::new(&["id", "name", "isActive", "isACW", "agentTimeout"]);
    match kind {
        Kind::User => USER,
        Kind::Team => TEAM,
        Kind::SecurityProfile => PROFILE,
        Kind::Campaign => CAMPAIGN,
        Kind::Disposition => DISPOSITION,
        Kind::AgentStatus => AGENT_STATUS,
    }
}

/// Reads a 200 body of `kind`'s endpoint, asked as `what` with `top`: straight into records,
/// or, when the fast read declines it, through the `Value` parse, whose values are kept in
/// `parsed` for the elements to borrow from. A body that is not a list is refused, as
/// [`parse_list`] words it.
pub fn read_body<'b>(
    what: &str,
    kind: Kind,
    body: &'b [u8],
    top: u32,
    parsed: &'b mut Option<ListBody<Value>>,
) -> Result<ListBody<Element<'b>>, Error> {
    if let Some(list) = read_list(kind, body, top) {
        return Ok(list);
    }
    let values: &'b ListBody<Value> = parsed.insert(parse_list(what, &endpoint(kind), body)?);
    let seed = seed(kind);
    Ok(ListBody {
        items: values
            .items
            .iter()
            .map(|item| seed.read_value(item))
            .collect(),
        last_poll_time: values.last_poll_time.clone(),
    })
}

/// Reads a 200 body of `kind`'s endpoint asked with `top`, or `None` when the body needs the
/// `Value` parse (see the module's notes).
fn read_list(kind: Kind, body: &[u8], top: u32) -> Option<ListBody<Element<'_>>> {
    let envelope = Envelope {
        list_key: endpoint(kind).list_key,
        seed: seed(kind),
        // Room for the page asked for, bounded by what the body can hold (an element and its
        // comma take two bytes at least), so a short last page allocates little.
        capacity: usize::try_from(top)
            .unwrap_or(usize::MAX)
            .min(body.len() / 2 + 1),
    };
    // One UTF-8 check of the whole body instead of one per string (a `Value` parse fails on
    // a body that is not UTF-8 anyway, so declining it changes nothing).
    let text = std::str::from_utf8(body).ok()?;
    let mut de = serde_json::Deserializer::from_str(text);
    let list = envelope.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(list)
}

/// The reply object: its list and `lastPollTime`, every other key checked and dropped.
struct Envelope {
    list_key: &'static str,
    seed: RecordSeed<SLOTS>,
    capacity: usize,
}

impl<'de> DeserializeSeed<'de> for Envelope {
    type Value = ListBody<Element<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Envelope {
    type Value = ListBody<Element<'de>>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "an object with a `{}` list", self.list_key)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut items, mut last_poll_time) = (None, None);
        // A repeated key overwrites, as inserting into a `Map` does.
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if key == self.list_key {
                items = Some(map.next_value_seed(Elements {
                    seed: self.seed,
                    capacity: self.capacity,
                })?);
            } else if key == "lastPollTime" {
                last_poll_time = match map.next_value()? {
                    FieldValue::Str(time) if !time.is_empty() => Some(time.into_owned()),
                    _ => None,
                };
            } else {
                map.next_value::<Skip>()?;
            }
        }
        let items = items.ok_or_else(|| de::Error::missing_field(self.list_key))?;
        Ok(ListBody {
            items,
            last_poll_time,
        })
    }
}

/// The list: one [`Element`] per array element.
struct Elements {
    seed: RecordSeed<SLOTS>,
    capacity: usize,
}

impl<'de> DeserializeSeed<'de> for Elements {
    type Value = Vec<Element<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Elements {
    type Value = Vec<Element<'de>>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a list of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(self.capacity);
        while let Some(element) = seq.next_element_seed(self.seed)? {
            items.push(element);
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests;
