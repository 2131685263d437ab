//! The tenant's agents: generated base agents plus an overlay of the agents changed, added,
//! removed or broken through the control API, and skip/top paging over both in agentId order.
//!
//! Paging never scans the base range: counts and seeks go through index arithmetic (or the
//! [`ActiveIndex`] for `isActive` reads), so a page costs O(overlay + page size) at any tenant
//! size. Base agents all carry the creation instant as `lastUpdated`, so an `updatedSince` at or
//! after it only has to look at the overlay.

use std::collections::BTreeMap;
use std::collections::btree_map;
use std::iter::Peekable;
use std::sync::OnceLock;

use jiff::Timestamp;

use super::active_index::ActiveIndex;
use super::catalog::Catalog;
use super::generate::{FIRST_AGENT_ID, Population, base_agent};
use super::model::{Agent, Malformation};

/// An agent record that lives in the overlay.
#[derive(Debug, Clone)]
pub struct Entry {
    pub agent: Agent,
    /// Set for injected records that go on the wire broken; `agent.agent_id` is then only the
    /// record's position in the ordering.
    pub malformation: Option<Malformation>,
}

#[derive(Debug, Clone)]
enum Slot {
    Present(Box<Entry>),
    /// A base agent deleted from the source.
    Removed,
}

/// Which agents a read selects.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    /// Only agents with `lastUpdated` strictly after this instant.
    pub updated_since: Option<Timestamp>,
    pub is_active: Option<bool>,
    /// Leave out injected malformed records (control API views).
    pub well_formed_only: bool,
}

impl Filter {
    fn matches(&self, entry: &Entry) -> bool {
        self.updated_since
            .is_none_or(|since| entry.agent.last_updated > since)
            && self.is_active.is_none_or(|a| entry.agent.is_active == a)
            && !(self.well_formed_only && entry.malformation.is_some())
    }
}

/// Which base agents (ignoring the overlay) a filter selects.
#[derive(Debug, Clone, Copy)]
enum BaseSel {
    Nothing,
    All,
    Active(bool),
}

/// One agent of a page, before it is rendered.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    Base(u64),
    Overlay(&'a Entry),
}

/// A rendered agent record: a regular agent or an injected broken one.
#[derive(Debug, Clone)]
pub enum Record {
    Agent(Agent),
    Malformed(Agent, Malformation),
}

#[derive(Debug)]
pub struct Directory {
    seed: u64,
    population: Box<dyn Population>,
    base_len: u64,
    domain: String,
    created: Timestamp,
    pub catalog: Catalog,
    overlay: BTreeMap<u64, Slot>,
    next_added_id: u64,
    active: OnceLock<ActiveIndex>,
}

impl Directory {
    /// A tenant of `base_len` base agents drawn by `population`, with emails at `domain`.
    pub fn new(
        seed: u64,
        base_len: u64,
        domain: String,
        created: Timestamp,
        population: Box<dyn Population>,
    ) -> Self {
        Self {
            seed,
            catalog: population.catalog(seed, base_len, created),
            population,
            base_len,
            domain,
            created,
            overlay: BTreeMap::new(),
            next_added_id: FIRST_AGENT_ID + base_len,
            active: OnceLock::new(),
        }
    }

    pub fn created(&self) -> Timestamp {
        self.created
    }

    fn base_index(&self, id: u64) -> Option<u64> {
        id.checked_sub(FIRST_AGENT_ID)
            .filter(|&i| i < self.base_len)
    }

    fn active_index(&self) -> &ActiveIndex {
        self.active
            .get_or_init(|| ActiveIndex::build(self.seed, self.base_len, self.population.variety()))
    }

    fn base_sel(&self, filter: &Filter) -> BaseSel {
        if filter.updated_since.is_some_and(|s| s >= self.created) {
            return BaseSel::Nothing;
        }
        match filter.is_active {
            None => BaseSel::All,
            Some(want) => BaseSel::Active(want),
        }
    }

    /// Selected base agents among indexes `0..idx`.
    fn base_rank(&self, sel: BaseSel, idx: u64) -> u64 {
        match sel {
            BaseSel::Nothing => 0,
            BaseSel::All => idx.min(self.base_len),
            BaseSel::Active(want) => self.active_index().rank(idx, want),
        }
    }

    fn base_select(&self, sel: BaseSel, r: u64) -> Option<u64> {
        match sel {
            BaseSel::Nothing => None,
            BaseSel::All => (r < self.base_len).then_some(r),
            BaseSel::Active(want) => self.active_index().select(r, want),
        }
    }

    fn base_next(&self, sel: BaseSel, from: u64) -> Option<u64> {
        match sel {
            BaseSel::Nothing => None,
            BaseSel::All => (from < self.base_len).then_some(from),
            BaseSel::Active(want) => self.active_index().next(from, want),
        }
    }

    /// The number of agents `filter` selects, and the id of the one at position `skip`.
    fn locate(&self, filter: &Filter, skip: u64) -> (u64, Option<u64>) {
        let sel = self.base_sel(filter);
        let mut pos = 0u64;
        let mut cursor = 0u64;
        let mut start = None;
        let take_segment = |cursor: u64, end: u64, pos: &mut u64, start: &mut Option<u64>| {
            let before = self.base_rank(sel, cursor);
            let seg = self.base_rank(sel, end) - before;
            if start.is_none() && *pos + seg > skip {
                *start = self
                    .base_select(sel, before + (skip - *pos))
                    .map(|i| FIRST_AGENT_ID + i);
            }
            *pos += seg;
        };
        for (&key, slot) in &self.overlay {
            let seg_end = key.saturating_sub(FIRST_AGENT_ID).min(self.base_len);
            if seg_end > cursor {
                take_segment(cursor, seg_end, &mut pos, &mut start);
                cursor = seg_end;
            }
            if let Some(idx) = self.base_index(key) {
                cursor = idx + 1;
            }
            if let Slot::Present(entry) = slot
                && filter.matches(entry)
            {
                if start.is_none() && pos == skip {
                    start = Some(key);
                }
                pos += 1;
            }
        }
        if self.base_len > cursor {
            take_segment(cursor, self.base_len, &mut pos, &mut start);
        }
        (pos, start)
    }

    /// The selected agents from id `start` on, in agentId order.
    fn iter_from<'a>(&'a self, filter: Filter, start: u64) -> Merge<'a> {
        let sel = self.base_sel(&filter);
        let from = start.saturating_sub(FIRST_AGENT_ID);
        Merge {
            dir: self,
            sel,
            filter,
            next_base: self.base_next(sel, from),
            overlay: self.overlay.range(start..).peekable(),
        }
    }

    /// The number of agents `filter` selects.
    pub fn count(&self, filter: &Filter) -> u64 {
        self.locate(filter, u64::MAX).0
    }

    /// Up to `top` selected agents from position `skip`, and the number selected in all.
    pub fn page(&self, filter: &Filter, skip: u64, top: u64) -> (u64, Vec<Record>) {
        let (total, start) = self.locate(filter, skip);
        let items = match start {
            None => Vec::new(),
            Some(start) => self
                .iter_from(*filter, start)
                .take(usize::try_from(top).unwrap_or(usize::MAX))
                .map(|item| self.render(item))
                .collect(),
        };
        (total, items)
    }

    fn render(&self, item: Item<'_>) -> Record {
        match item {
            Item::Base(idx) => Record::Agent(self.generate(idx)),
            Item::Overlay(entry) => match entry.malformation {
                None => Record::Agent(entry.agent.clone()),
                Some(kind) => Record::Malformed(entry.agent.clone(), kind),
            },
        }
    }

    fn generate(&self, idx: u64) -> Agent {
        base_agent(
            self.seed,
            idx,
            self.population.as_ref(),
            &self.catalog,
            &self.domain,
            self.created,
        )
    }

    /// The current well-formed agent with this id.
    pub fn get(&self, id: u64) -> Option<Agent> {
        match self.overlay.get(&id) {
            Some(Slot::Present(entry)) if entry.malformation.is_none() => Some(entry.agent.clone()),
            Some(_) => None,
            None => self.base_index(id).map(|idx| self.generate(idx)),
        }
    }

    /// Stores a changed (or new) well-formed agent under its id.
    pub fn put(&mut self, agent: Agent) {
        self.insert(
            agent.agent_id,
            Entry {
                agent,
                malformation: None,
            },
        );
    }

    /// A fresh agent with the next id above every existing one, stamped `now`. It is not
    /// stored (and its id not taken) until [`Directory::put`] or [`Directory::put_malformed`].
    pub fn new_agent(&self, now: Timestamp) -> Agent {
        let mut agent = self.generate(self.next_added_id - FIRST_AGENT_ID);
        agent.last_updated = now;
        agent
    }

    fn insert(&mut self, id: u64, entry: Entry) {
        self.next_added_id = self.next_added_id.max(id + 1);
        self.overlay.insert(id, Slot::Present(Box::new(entry)));
    }

    pub fn put_malformed(&mut self, agent: Agent, kind: Malformation) {
        self.insert(
            agent.agent_id,
            Entry {
                agent,
                malformation: Some(kind),
            },
        );
    }

    /// Deletes the agent (or malformed record) with this id; false if there is none.
    pub fn remove(&mut self, id: u64) -> bool {
        match self.overlay.get(&id) {
            Some(Slot::Removed) => false,
            Some(Slot::Present(_)) if self.base_index(id).is_some() => {
                self.overlay.insert(id, Slot::Removed);
                true
            }
            Some(Slot::Present(_)) => self.overlay.remove(&id).is_some(),
            None if self.base_index(id).is_some() => {
                self.overlay.insert(id, Slot::Removed);
                true
            }
            None => false,
        }
    }

    /// Ids of the well-formed agents at positions `skip..skip + take` in agentId order.
    pub fn ids(&self, skip: u64, take: u64) -> Vec<u64> {
        let filter = Filter {
            well_formed_only: true,
            ..Filter::default()
        };
        match self.locate(&filter, skip).1 {
            None => Vec::new(),
            Some(start) => self
                .iter_from(filter, start)
                .take(usize::try_from(take).unwrap_or(usize::MAX))
                .map(|item| match item {
                    Item::Base(idx) => FIRST_AGENT_ID + idx,
                    Item::Overlay(entry) => entry.agent.agent_id,
                })
                .collect(),
        }
    }

    /// Every well-formed agent, in agentId order.
    pub fn all(&self) -> Vec<Agent> {
        let filter = Filter {
            well_formed_only: true,
            ..Filter::default()
        };
        self.iter_from(filter, 0)
            .map(|item| match self.render(item) {
                Record::Agent(agent) | Record::Malformed(agent, _) => agent,
            })
            .collect()
    }
}

/// Merges selected base agents with overlay entries, in key order.
struct Merge<'a> {
    dir: &'a Directory,
    sel: BaseSel,
    filter: Filter,
    /// The next selected base index not yet yielded.
    next_base: Option<u64>,
    overlay: Peekable<btree_map::Range<'a, u64, Slot>>,
}

impl<'a> Iterator for Merge<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        loop {
            let base_id = self.next_base.map(|i| FIRST_AGENT_ID + i);
            let overlay_key = self.overlay.peek().map(|(k, _)| **k);
            match (base_id, overlay_key) {
                (None, None) => return None,
                (Some(b), o) if o.is_none_or(|o| b < o) => {
                    let idx = b - FIRST_AGENT_ID;
                    self.next_base = self.dir.base_next(self.sel, idx + 1);
                    return Some(Item::Base(idx));
                }
                _ => {
                    let (&key, slot) = self.overlay.next()?;
                    if base_id == Some(key) {
                        // The overlay replaces (or removes) this base agent.
                        self.next_base = self.dir.base_next(self.sel, key - FIRST_AGENT_ID + 1);
                    }
                    if let Slot::Present(entry) = slot
                        && self.filter.matches(entry)
                    {
                        return Some(Item::Overlay(entry));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
