//! The simulated account's records and the rules that span records: one id sequence for every
//! kind, external ids unique per kind (a second create is a conflict naming the first),
//! usernames unique, and what the API and an administrator did, counted per kind.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::IvinexError;
use super::input::{self, FieldError, ItemChanges, UserChanges, Write, Writer};
use super::model::{Item, Malformation, Record, RecordKind, User};

/// What happened to one kind of record.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Records of the kind the account holds now.
    pub records: u64,
    /// API creates that stored a record (a create whose reply was lost included).
    pub created: u64,
    /// API updates that changed a record.
    pub updated: u64,
    /// API writes refused as invalid (422).
    pub rejected: u64,
    /// API creates refused because the external id exists (409).
    pub conflicts: u64,
    /// `DELETE` requests to the kind's collection, whatever became of them.
    pub delete_calls: u64,
}

/// Why an API write was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WriteError {
    /// 422: the fields' problems.
    Invalid(Vec<FieldError>),
    /// 409: a record of the kind already has the external id.
    Conflict { existing: u64, external_id: String },
}

/// One page of a list.
pub(crate) struct Listed {
    pub total: u64,
    pub items: Vec<Value>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Account {
    records: BTreeMap<RecordKind, BTreeMap<u64, Record>>,
    external: HashMap<(RecordKind, String), u64>,
    malformed: HashMap<u64, Malformation>,
    next_id: u64,
    counts: BTreeMap<RecordKind, Counts>,
}

impl Account {
    /// An empty account whose first record gets `first_id`.
    pub(crate) fn new(first_id: u64) -> Self {
        Self {
            next_id: first_id,
            ..Self::default()
        }
    }

    fn of(&self, kind: RecordKind) -> impl DoubleEndedIterator<Item = &Record> {
        self.records.get(&kind).into_iter().flat_map(|r| r.values())
    }

    pub(crate) fn record(&self, kind: RecordKind, id: u64) -> Option<&Record> {
        self.records.get(&kind)?.get(&id)
    }

    pub(crate) fn users(&self) -> Vec<User> {
        self.of(RecordKind::User)
            .filter_map(|r| match r {
                Record::User(user) => Some(user.clone()),
                Record::Item(_) => None,
            })
            .collect()
    }

    pub(crate) fn items(&self, kind: RecordKind) -> Vec<Item> {
        self.of(kind)
            .filter_map(|r| match r {
                Record::Item(item) => Some(item.clone()),
                Record::User(_) => None,
            })
            .collect()
    }

    pub(crate) fn find(&self, kind: RecordKind, external_id: &str) -> Option<u64> {
        self.external.get(&(kind, external_id.to_owned())).copied()
    }

    pub(crate) fn counts(&self, kind: RecordKind) -> Counts {
        Counts {
            records: self.records.get(&kind).map_or(0, |r| r.len() as u64),
            ..self.counts.get(&kind).copied().unwrap_or_default()
        }
    }

    fn count(&mut self, kind: RecordKind) -> &mut Counts {
        self.counts.entry(kind).or_default()
    }

    pub(crate) fn count_delete_call(&mut self, kind: RecordKind) {
        self.count(kind).delete_calls += 1;
    }

    pub(crate) fn reset_counts(&mut self) {
        self.counts.clear();
    }

    /// The wire form of a record.
    pub(crate) fn wire(&self, record: &Record) -> Result<Value, serde_json::Error> {
        record.to_wire(self.malformed.get(&record.id()).copied())
    }

    /// Records of `kind` in id order, `page` (from 1) of `page_size`, optionally only the one
    /// with an external id.
    pub(crate) fn list(
        &self,
        kind: RecordKind,
        page: u64,
        page_size: u64,
        external_id: Option<&str>,
    ) -> Result<Listed, serde_json::Error> {
        let selected: Vec<&Record> = match external_id {
            Some(wanted) => self
                .find(kind, wanted)
                .and_then(|id| self.record(kind, id))
                .into_iter()
                .collect(),
            None => self.of(kind).collect(),
        };
        let skip = page.saturating_sub(1).saturating_mul(page_size);
        let items = selected
            .iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(page_size).unwrap_or(usize::MAX))
            .map(|r| self.wire(r))
            .collect::<Result<_, _>>()?;
        Ok(Listed {
            total: selected.len() as u64,
            items,
        })
    }

    /// Creates a record from a body; an API create counts, and is refused when the external id
    /// is taken.
    pub(crate) fn create(
        &mut self,
        kind: RecordKind,
        fields: &Map<String, Value>,
        writer: Writer,
        now: Timestamp,
    ) -> Result<u64, WriteError> {
        let outcome = self.try_create(kind, fields, writer, now);
        if writer == Writer::Api {
            let counts = self.count(kind);
            match &outcome {
                Ok(_) => counts.created += 1,
                Err(WriteError::Invalid(_)) => counts.rejected += 1,
                Err(WriteError::Conflict { .. }) => counts.conflicts += 1,
            }
        }
        outcome
    }

    fn try_create(
        &mut self,
        kind: RecordKind,
        fields: &Map<String, Value>,
        writer: Writer,
        now: Timestamp,
    ) -> Result<u64, WriteError> {
        let id = self.next_id;
        let record = match kind {
            RecordKind::User => {
                let changes = input::user_changes(fields, writer, Write::Create)
                    .map_err(WriteError::Invalid)?;
                let mut user = User {
                    id,
                    external_id: None,
                    username: String::new(),
                    first_name: None,
                    last_name: None,
                    email: None,
                    active: true,
                    groups: Vec::new(),
                    password_set: false,
                    created_at: now,
                    updated_at: now,
                };
                apply_user(&mut user, changes);
                Record::User(user)
            }
            _ => {
                let changes = input::item_changes(kind, fields, writer, Write::Create)
                    .map_err(WriteError::Invalid)?;
                let mut item = Item {
                    id,
                    external_id: None,
                    name: String::new(),
                    active: true,
                    list: String::new(),
                    created_at: now,
                    updated_at: now,
                };
                apply_item(&mut item, changes);
                Record::Item(item)
            }
        };
        self.check(kind, &record, writer)?;
        self.next_id += 1;
        self.store(kind, record);
        Ok(id)
    }

    /// Changes the fields a body names; an API update counts. `None`: there is no such record.
    pub(crate) fn update(
        &mut self,
        kind: RecordKind,
        id: u64,
        fields: &Map<String, Value>,
        writer: Writer,
        now: Timestamp,
    ) -> Option<Result<(), WriteError>> {
        let mut record = self.record(kind, id)?.clone();
        let outcome = self.try_update(kind, &mut record, fields, writer, now);
        if writer == Writer::Api {
            let counts = self.count(kind);
            match &outcome {
                Ok(()) => counts.updated += 1,
                Err(WriteError::Invalid(_)) => counts.rejected += 1,
                Err(WriteError::Conflict { .. }) => counts.conflicts += 1,
            }
        }
        Some(outcome)
    }

    fn try_update(
        &mut self,
        kind: RecordKind,
        record: &mut Record,
        fields: &Map<String, Value>,
        writer: Writer,
        now: Timestamp,
    ) -> Result<(), WriteError> {
        match record {
            Record::User(user) => {
                let changes = input::user_changes(fields, writer, Write::Update)
                    .map_err(WriteError::Invalid)?;
                apply_user(user, changes);
                user.updated_at = now;
            }
            Record::Item(item) => {
                let changes = input::item_changes(kind, fields, writer, Write::Update)
                    .map_err(WriteError::Invalid)?;
                apply_item(item, changes);
                item.updated_at = now;
            }
        }
        self.check(kind, record, writer)?;
        self.store(kind, record.clone());
        Ok(())
    }

    /// Applies an administrator's change made in code; the id and creation time stay.
    pub(crate) fn edit(
        &mut self,
        kind: RecordKind,
        id: u64,
        change: impl FnOnce(&mut Record),
        now: Timestamp,
    ) -> Result<Record, IvinexError> {
        let before = self
            .record(kind, id)
            .ok_or(IvinexError::UnknownRecord { kind, id })?;
        let mut record = before.clone();
        change(&mut record);
        match (&mut record, before) {
            (Record::User(user), Record::User(old)) => {
                (user.id, user.created_at, user.updated_at) = (id, old.created_at, now);
            }
            (Record::Item(item), Record::Item(old)) => {
                (item.id, item.created_at, item.updated_at) = (id, old.created_at, now);
            }
            _ => return Err(IvinexError::UnknownRecord { kind, id }),
        }
        self.check(kind, &record, Writer::Admin)
            .map_err(|e| IvinexError::from_write(kind, e))?;
        self.store(kind, record.clone());
        Ok(record)
    }

    /// Stores a record made by hand with the next id (`make` gets the id): what an
    /// administrator made in the UI, or the account's initial data. Only the external id is
    /// checked.
    pub(crate) fn add(
        &mut self,
        kind: RecordKind,
        make: impl FnOnce(u64) -> Record,
    ) -> Result<u64, IvinexError> {
        let id = self.next_id;
        let mut record = make(id);
        match &mut record {
            Record::User(user) => user.id = id,
            Record::Item(item) => item.id = id,
        }
        self.check(kind, &record, Writer::Admin)
            .map_err(|e| IvinexError::from_write(kind, e))?;
        self.next_id += 1;
        self.store(kind, record);
        Ok(id)
    }

    /// Removes a record; `false` when there is none.
    pub(crate) fn remove(&mut self, kind: RecordKind, id: u64) -> bool {
        let Some(record) = self.records.get_mut(&kind).and_then(|r| r.remove(&id)) else {
            return false;
        };
        if let Some(external) = record.external_id() {
            self.external.remove(&(kind, external.to_owned()));
        }
        self.malformed.remove(&id);
        true
    }

    pub(crate) fn malform(&mut self, id: u64, how: Malformation) {
        self.malformed.insert(id, how);
    }

    /// The rules across records: the external id is the kind's own, the username the
    /// account's (for the API; an administrator may make duplicates, as real accounts have).
    fn check(&self, kind: RecordKind, record: &Record, writer: Writer) -> Result<(), WriteError> {
        let id = record.id();
        if let Some(external) = record.external_id()
            && let Some(existing) = self.find(kind, external).filter(|other| *other != id)
        {
            return Err(WriteError::Conflict {
                existing,
                external_id: external.to_owned(),
            });
        }
        if let (Writer::Api, Record::User(user)) = (writer, record) {
            let taken = self.of(RecordKind::User).find(|other| {
                matches!(other, Record::User(u)
                    if u.id != id && u.username.eq_ignore_ascii_case(&user.username))
            });
            if let Some(other) = taken {
                return Err(WriteError::Invalid(vec![FieldError::new(
                    "username",
                    format!(
                        "'{}' is already taken by user {}",
                        user.username,
                        other.id()
                    ),
                )]));
            }
        }
        Ok(())
    }

    fn store(&mut self, kind: RecordKind, record: Record) {
        let id = record.id();
        let old = self.records.entry(kind).or_default().insert(id, record);
        if let Some(external) = old.as_ref().and_then(Record::external_id) {
            self.external.remove(&(kind, external.to_owned()));
        }
        let stored = self.record(kind, id).and_then(Record::external_id);
        if let Some(external) = stored.map(str::to_owned) {
            self.external.insert((kind, external), id);
        }
    }
}

fn apply_user(user: &mut User, c: UserChanges) {
    if let Some(external_id) = c.external_id {
        user.external_id = external_id;
    }
    if let Some(username) = c.username {
        user.username = username;
    }
    if let Some(first_name) = c.first_name {
        user.first_name = first_name;
    }
    if let Some(last_name) = c.last_name {
        user.last_name = last_name;
    }
    if let Some(email) = c.email {
        user.email = email;
    }
    if let Some(active) = c.active {
        user.active = active;
    }
    if let Some(groups) = c.groups {
        user.groups = groups;
    }
    if let Some(password_set) = c.password_set {
        user.password_set = password_set;
    }
}

fn apply_item(item: &mut Item, c: ItemChanges) {
    if let Some(external_id) = c.external_id {
        item.external_id = external_id;
    }
    if let Some(name) = c.name {
        item.name = name;
    }
    if let Some(active) = c.active {
        item.active = active;
    }
    if let Some(list) = c.list {
        item.list = list;
    }
}
