//! How records go on the wire: natively typed (JSON booleans and integers), or string-typed as
//! some real endpoints answer; and broken on purpose, by an injected malformed agent or by the
//! malformed-record fault. Natively typed, well-formed agents are serialised straight from
//! [`Agent`]; everything else goes through a JSON value first.

use serde::ser::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::admin::Typing;
use crate::admin::directory::Record;
use crate::admin::model::{Agent, Malformation};

/// The small lists of the Admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum List {
    Teams,
    SecurityProfiles,
    Campaigns,
    Dispositions,
    UnavailableCodes,
}

impl List {
    /// The key of the records' array in a page.
    pub(crate) fn key(self) -> &'static str {
        match self {
            List::Teams => "teams",
            List::SecurityProfiles => "profiles",
            List::Campaigns => "campaigns",
            List::Dispositions => "dispositions",
            List::UnavailableCodes => "unavailableCodes",
        }
    }

    /// The id field of a record.
    fn id_field(self) -> &'static str {
        match self {
            List::Teams => "teamId",
            List::SecurityProfiles => "securityProfileId",
            List::Campaigns | List::UnavailableCodes => "id",
            List::Dispositions => "dispositionId",
        }
    }
}

/// One page of a small list as it goes on the wire: typed, and its first record broken when
/// `break_first` (the malformed-record fault).
pub(crate) fn list_records<T: Serialize>(
    list: List,
    items: &[T],
    typing: Typing,
    break_first: bool,
) -> Result<Value, serde_json::Error> {
    let mut records = serde_json::to_value(items)?;
    if let Value::Array(records) = &mut records {
        if typing == Typing::Strings {
            records.iter_mut().for_each(every_field_a_string);
        }
        if break_first && let Some(Value::Object(first)) = records.first_mut() {
            break_id(first, list.id_field());
        }
    }
    Ok(records)
}

/// An agent record as it goes on the wire; `break_id` breaks its `agentId` (the
/// malformed-record fault) unless an injected malformation already broke the record.
pub(crate) struct WireAgent<'a> {
    pub(crate) record: &'a Record,
    pub(crate) typing: Typing,
    pub(crate) break_id: bool,
}

impl Serialize for WireAgent<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (agent, malformation) = match self.record {
            Record::Agent(agent) => (agent, self.break_id.then_some(Malformation::StringAgentId)),
            Record::Malformed(agent, kind) => (agent, Some(*kind)),
        };
        if self.typing == Typing::Native && malformation.is_none() {
            return agent.serialize(s);
        }
        agent_value(agent, self.typing, malformation)
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

/// The agent as a JSON object, typed, with its `agentId` broken the given way.
fn agent_value(
    agent: &Agent,
    typing: Typing,
    malformation: Option<Malformation>,
) -> Result<Value, serde_json::Error> {
    let mut value = serde_json::to_value(agent)?;
    if let Value::Object(fields) = &mut value {
        if typing == Typing::Strings {
            agent_strings(fields);
        }
        match malformation {
            None => {}
            Some(Malformation::MissingAgentId) => {
                fields.remove("agentId");
            }
            Some(Malformation::StringAgentId) => break_id(fields, "agentId"),
        }
    }
    Ok(value)
}

/// An agent as some real endpoints send it: flags (`isActive`, `locked`) as `1`/`0`, ids
/// (`agentId`, `teamId`, `profileId`) as digit strings.
fn agent_strings(fields: &mut Map<String, Value>) {
    for value in fields.values_mut() {
        match value {
            Value::Bool(flag) => *value = Value::from(u8::from(*flag)),
            Value::Number(number) => *value = Value::String(number.to_string()),
            _ => {}
        }
    }
}

/// A record with every scalar field a string: numbers as digit strings, flags as
/// `"True"`/`"False"` (nulls, strings and lists stay as they are).
fn every_field_a_string(record: &mut Value) {
    if let Value::Object(fields) = record {
        for value in fields.values_mut() {
            match value {
                Value::Bool(flag) => *value = Value::from(if *flag { "True" } else { "False" }),
                Value::Number(number) => *value = Value::String(number.to_string()),
                _ => {}
            }
        }
    }
}

/// The record's id becomes `"X<id>"`: neither a number nor a digit string.
fn break_id(fields: &mut Map<String, Value>, id_field: &str) {
    if let Some(id) = fields.get_mut(id_field) {
        let plain = match &*id {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        *id = Value::String(format!("X{plain}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::model::Team;
    use serde_json::json;

    fn agent() -> Agent {
        serde_json::from_value(json!({
            "agentId": 100005, "userName": "a@x", "firstName": "A", "lastName": null,
            "emailAddress": null, "isActive": true, "teamId": 2001, "teamName": "T",
            "profileId": 3001, "profileName": "P", "telephone1": "+15550000001",
            "telephone2": null, "internalId": "E1", "location": null,
            "lastUpdated": "2025-01-01T00:00:00.000Z", "locked": false
        }))
        .unwrap()
    }

    fn wire(record: &Record, typing: Typing, break_id: bool) -> Value {
        serde_json::to_value(WireAgent {
            record,
            typing,
            break_id,
        })
        .unwrap()
    }

    #[test]
    fn a_string_typed_agent_has_flags_as_one_or_zero_and_ids_as_digit_strings() {
        let value = wire(&Record::Agent(agent()), Typing::Strings, false);
        assert_eq!(value["isActive"], 1);
        assert_eq!(value["locked"], 0);
        assert_eq!(value["agentId"], "100005");
        assert_eq!(value["teamId"], "2001");
        assert_eq!(value["profileId"], "3001");
        assert_eq!(value["telephone1"], "+15550000001");
        assert_eq!(value["lastName"], Value::Null);
    }

    #[test]
    fn a_natively_typed_agent_is_the_model_as_is() {
        let value = wire(&Record::Agent(agent()), Typing::Native, false);
        assert_eq!(value, serde_json::to_value(agent()).unwrap());
    }

    #[test]
    fn a_broken_agent_id_is_neither_a_number_nor_a_digit_string_in_either_typing() {
        for typing in [Typing::Native, Typing::Strings] {
            let value = wire(&Record::Agent(agent()), typing, true);
            assert_eq!(value["agentId"], "X100005");
            let missing = wire(
                &Record::Malformed(agent(), Malformation::MissingAgentId),
                typing,
                true,
            );
            assert!(missing.get("agentId").is_none());
        }
    }

    #[test]
    fn a_string_typed_list_has_every_field_a_string_and_can_break_its_first_record() {
        let team = Team {
            team_id: 2001,
            team_name: "iWFO Enabled".into(),
            is_active: false,
            description: None,
            wfo_enabled: true,
            wfm2_enabled: false,
            nice_wfm_enabled: false,
            nice_wfo_advanced_enabled: false,
        };
        let records =
            list_records(List::Teams, &[team.clone(), team], Typing::Strings, true).unwrap();
        assert_eq!(records[0]["teamId"], "X2001");
        assert_eq!(records[1]["teamId"], "2001");
        assert_eq!(records[1]["isActive"], "False");
        assert_eq!(records[1]["wfoEnabled"], "True");
        assert_eq!(records[1]["description"], Value::Null);
    }
}
