//! A simulated Ivinex account: the target of the dialer push (seed 004), served over HTTP on
//! loopback exactly as `sim/IVINEX-WIRE.md` describes, plus a control API (in process and
//! under `/_sim/`) to act as an administrator would, inject faults and count what clients did.
//!
//! Ivinex publishes no API, so the REST model is the project's own: token auth, users (with
//! groups and a read-only password flag) and campaigns, dispositions and agent statuses (filed
//! in lists), every record keyed by the external id it was created with, so that a re-run
//! updates instead of duplicating and a lost reply is recovered by a look-up. The account
//! starts with records made by hand (no external id), as a real one would.

mod account;
mod config;
mod error;
mod fault;
mod http;
mod input;
mod model;
mod seed;

use std::sync::{Arc, Mutex};

pub use crate::traffic::{REQUEST_LOG_CAPACITY, RequestRecord};
pub use account::Counts;
pub use config::{Credentials, DEFAULT_TOKEN_LIFETIME, IvinexSimConfig};
pub use error::IvinexError;
pub use fault::Fault;
pub use input::{
    EMAIL_MAX, EXTERNAL_ID_MAX, FieldError, ITEM_NAME_MAX, PERSON_NAME_MAX, USERNAME_MAX,
};
pub use model::{CALL_CENTER_AGENTS, GROUPS, Item, LISTS, Malformation, RecordKind, User};
pub use seed::{FIRST_ID, SEEDED_AT};

use crate::clock::SimClock;
use crate::guard::lock;
use crate::server::{Listener, Server};
use crate::tokens::TokenStore;
use crate::traffic::Traffic;
use account::Account;
use http::Held;
use model::Record;

/// Every API path starts with this.
pub const API_ROOT: &str = "/api/v1";

/// The state shared by the HTTP handlers and the control API.
pub(crate) struct Shared {
    pub(crate) seed: u64,
    pub(crate) credentials: Credentials,
    pub(crate) base_url: String,
    pub(crate) account: Mutex<Account>,
    pub(crate) clock: SimClock,
    pub(crate) tokens: Mutex<TokenStore>,
    pub(crate) traffic: Traffic<Fault>,
    pub(crate) held: Held,
}

impl Shared {
    pub(crate) fn fail_next(
        &self,
        method: Option<&str>,
        prefix: &str,
        count: usize,
        fault: Fault,
    ) -> Result<(), IvinexError> {
        if let Fault::Status(status) = fault
            && !(400..=599).contains(&status)
        {
            return Err(IvinexError::InvalidFault(format!(
                "status {status} is not an error status (400..=599)"
            )));
        }
        self.traffic.fail_next(method, prefix, count, fault);
        Ok(())
    }

    /// An administrator's change of a record.
    pub(crate) fn edit(
        &self,
        kind: RecordKind,
        id: u64,
        change: impl FnOnce(&mut Record),
    ) -> Result<Record, IvinexError> {
        let now = self.clock.tick();
        lock(&self.account).edit(kind, id, change, now)
    }

    /// Adds a record by hand: `init` customises a generated one.
    pub(crate) fn add(
        &self,
        kind: RecordKind,
        init: impl FnOnce(&mut Record),
    ) -> Result<u64, IvinexError> {
        let now = self.clock.tick();
        lock(&self.account).add(kind, |id| {
            let mut record = blank(kind, id, now);
            init(&mut record);
            record
        })
    }

    /// Adds a record by hand that comes out broken on the wire.
    pub(crate) fn inject_malformed(
        &self,
        kind: RecordKind,
        how: Malformation,
    ) -> Result<u64, IvinexError> {
        let id = self.add(kind, |_| {})?;
        lock(&self.account).malform(id, how);
        Ok(id)
    }

    /// Logged requests (of `method`, when given) whose path `prefix` selects.
    pub(crate) fn requests(&self, method: Option<&str>, prefix: &str) -> usize {
        self.traffic.count_where(|r| {
            method.is_none_or(|m| r.method.eq_ignore_ascii_case(m))
                && self.traffic.selects(&r.path, prefix)
        })
    }

    /// Zeroes every kind's counters and empties the request log.
    pub(crate) fn reset_counters(&self) {
        lock(&self.account).reset_counts();
        self.traffic.reset_log();
    }

    /// Back to the seeded account: records, counters, log, faults; every token expires.
    pub(crate) fn reset(&self) -> Result<(), IvinexError> {
        *lock(&self.account) = seed::account(self.seed)?;
        lock(&self.tokens).expire_all();
        self.traffic.clear_faults();
        self.traffic.reset_log();
        Ok(())
    }
}

/// A record an administrator just made: `user<id>` in `Call Center Agents`, or `Item <id>`
/// in the kind's synchronised list; no external id, no password.
fn blank(kind: RecordKind, id: u64, now: jiff::Timestamp) -> Record {
    match kind {
        RecordKind::User => Record::User(User {
            id,
            external_id: None,
            username: format!("user{id}"),
            first_name: None,
            last_name: None,
            email: None,
            active: true,
            groups: vec![CALL_CENTER_AGENTS.to_owned()],
            password_set: false,
            created_at: now,
            updated_at: now,
        }),
        _ => Record::Item(Item {
            id,
            external_id: None,
            name: format!("Item {id}"),
            active: true,
            list: kind.lists().next().unwrap_or_default().to_owned(),
            created_at: now,
            updated_at: now,
        }),
    }
}

/// A running simulated Ivinex account. Dropping it stops the server.
pub struct IvinexSim {
    shared: Arc<Shared>,
    server: Server,
}

impl IvinexSim {
    /// Listens on 127.0.0.1 (the configured port, or a free one) and serves in a background
    /// task of the current tokio runtime.
    pub async fn start(config: IvinexSimConfig) -> Result<Self, IvinexError> {
        let listener = Listener::bind(config.port)
            .await
            .map_err(|(addr, source)| IvinexError::Bind { addr, source })?;
        let shared = Arc::new(Shared {
            seed: config.seed,
            credentials: config.credentials(),
            base_url: listener.base_url(),
            account: Mutex::new(seed::account(config.seed)?),
            clock: SimClock::starting_after(SEEDED_AT),
            tokens: Mutex::new(TokenStore::new(config.seed, config.token_lifetime)),
            traffic: Traffic::new(fault::path_matches),
            held: Held::default(),
        });
        let server = listener.serve(http::router(shared.clone()), "Ivinex");
        Ok(Self { shared, server })
    }

    /// `http://127.0.0.1:PORT`: the `base-url` of an `ivinex` connection.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// `http://127.0.0.1:PORT/api/v1`.
    pub fn api_url(&self) -> String {
        format!("{}{API_ROOT}", self.shared.base_url)
    }

    /// The client credentials the token endpoint accepts.
    pub fn credentials(&self) -> Credentials {
        self.shared.credentials.clone()
    }

    /// The seed the initial records and the tokens are a function of.
    pub fn seed(&self) -> u64 {
        self.shared.seed
    }

    /// Stops serving: answers held replies (503), lets open requests finish (up to a few
    /// seconds) and waits for the server task.
    pub async fn shutdown(mut self) {
        self.shared.held.release();
        self.server.shutdown().await;
    }

    // ---- data -------------------------------------------------------------------------------

    /// Every user, in id order.
    pub fn users(&self) -> Vec<User> {
        lock(&self.shared.account).users()
    }

    /// The user with this id.
    pub fn user(&self, id: u64) -> Option<User> {
        match lock(&self.shared.account).record(RecordKind::User, id) {
            Some(Record::User(user)) => Some(user.clone()),
            _ => None,
        }
    }

    /// Every item of a kind (campaigns, dispositions or agent statuses), in id order; none
    /// for [`RecordKind::User`].
    pub fn items(&self, kind: RecordKind) -> Vec<Item> {
        lock(&self.shared.account).items(kind)
    }

    /// The item of `kind` with this id.
    pub fn item(&self, kind: RecordKind, id: u64) -> Option<Item> {
        match lock(&self.shared.account).record(kind, id) {
            Some(Record::Item(item)) => Some(item.clone()),
            _ => None,
        }
    }

    /// The id of the record of `kind` created with this external id.
    pub fn find(&self, kind: RecordKind, external_id: &str) -> Option<u64> {
        lock(&self.shared.account).find(kind, external_id)
    }

    // ---- an administrator's hand ----------------------------------------------------------

    /// Sets or clears a user's password, as an administrator does in the Ivinex UI (the API
    /// never can); the user's `updatedAt` moves.
    pub fn set_password(&self, user_id: u64, set: bool) -> Result<User, IvinexError> {
        self.edit_user(user_id, |user| user.password_set = set)
    }

    /// Changes a user as an administrator would, without the API's validation (only the
    /// external id stays unique); `id` and `createdAt` are the simulator's.
    pub fn edit_user(&self, id: u64, change: impl FnOnce(&mut User)) -> Result<User, IvinexError> {
        let edited = self.shared.edit(RecordKind::User, id, |record| {
            if let Record::User(user) = record {
                change(user);
            }
        })?;
        match edited {
            Record::User(user) => Ok(user),
            Record::Item(_) => Err(IvinexError::UnknownRecord {
                kind: RecordKind::User,
                id,
            }),
        }
    }

    /// Changes a campaign, disposition or agent status as an administrator would.
    pub fn edit_item(
        &self,
        kind: RecordKind,
        id: u64,
        change: impl FnOnce(&mut Item),
    ) -> Result<Item, IvinexError> {
        let edited = self.shared.edit(kind, id, |record| {
            if let Record::Item(item) = record {
                change(item);
            }
        })?;
        match edited {
            Record::Item(item) => Ok(item),
            Record::User(_) => Err(IvinexError::UnknownRecord { kind, id }),
        }
    }

    /// Adds a user by hand (no external id, no password, in `Call Center Agents`, username
    /// `user<id>`), customised by `init`; returns its id.
    pub fn add_user(&self, init: impl FnOnce(&mut User)) -> Result<u64, IvinexError> {
        self.shared.add(RecordKind::User, |record| {
            if let Record::User(user) = record {
                init(user);
            }
        })
    }

    /// Adds an item of `kind` by hand (no external id, in the kind's `CC …` list, named
    /// `Item <id>`), customised by `init`; returns its id.
    pub fn add_item(
        &self,
        kind: RecordKind,
        init: impl FnOnce(&mut Item),
    ) -> Result<u64, IvinexError> {
        self.shared.add(kind, |record| {
            if let Record::Item(item) = record {
                init(item);
            }
        })
    }

    /// Deletes a record as an administrator does in the UI (not counted as an API delete).
    pub fn remove(&self, kind: RecordKind, id: u64) -> Result<(), IvinexError> {
        if lock(&self.shared.account).remove(kind, id) {
            Ok(())
        } else {
            Err(IvinexError::UnknownRecord { kind, id })
        }
    }

    /// Adds a record by hand that comes out broken on the wire (lists and `GET` by id); returns
    /// its id.
    pub fn inject_malformed(
        &self,
        kind: RecordKind,
        how: Malformation,
    ) -> Result<u64, IvinexError> {
        self.shared.inject_malformed(kind, how)
    }

    // ---- faults -----------------------------------------------------------------------------

    /// Every token issued so far becomes invalid: the next API call with one gets a 401.
    pub fn expire_tokens(&self) {
        lock(&self.shared.tokens).expire_all();
    }

    /// The next `count` requests whose path `prefix` selects get `fault`. A prefix matches the
    /// full path or the path below `/api/v1` (`/users`, `/auth/token`). Rules apply oldest
    /// first.
    pub fn fail_next(&self, prefix: &str, count: usize, fault: Fault) -> Result<(), IvinexError> {
        self.shared.fail_next(None, prefix, count, fault)
    }

    /// As [`IvinexSim::fail_next`], for requests of one method only (`POST`: the creates).
    pub fn fail_next_method(
        &self,
        method: &str,
        prefix: &str,
        count: usize,
        fault: Fault,
    ) -> Result<(), IvinexError> {
        self.shared.fail_next(Some(method), prefix, count, fault)
    }

    /// Drops every pending fault.
    pub fn clear_faults(&self) {
        self.shared.traffic.clear_faults();
    }

    /// Replies currently held by [`Fault::LoseReply`] (their clients still waiting).
    pub fn held_replies(&self) -> usize {
        self.shared.held.count()
    }

    /// Waits until at least `n` replies are held (wrap in a timeout in tests).
    pub async fn wait_until_held(&self, n: usize) {
        self.shared.held.wait_until(n).await;
    }

    // ---- counters ---------------------------------------------------------------------------

    /// What clients did to one kind, and how many records it has now.
    pub fn counts(&self, kind: RecordKind) -> Counts {
        lock(&self.shared.account).counts(kind)
    }

    /// `DELETE` requests to any collection: a client that respects rule D4 leaves this at 0.
    pub fn delete_calls(&self) -> u64 {
        let account = lock(&self.shared.account);
        RecordKind::ALL
            .iter()
            .map(|kind| account.counts(*kind).delete_calls)
            .sum()
    }

    /// Answered requests (control endpoints excepted) whose path `prefix` selects.
    pub fn requests(&self, prefix: &str) -> usize {
        self.shared.requests(None, prefix)
    }

    /// Answered requests of `method` whose path `prefix` selects.
    pub fn requests_with(&self, method: &str, prefix: &str) -> usize {
        self.shared.requests(Some(method), prefix)
    }

    /// Answered requests, oldest first (at most [`REQUEST_LOG_CAPACITY`]). A request whose
    /// reply was lost is logged with the status it would have had.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.shared.traffic.log()
    }

    /// Empties the request log (and with it [`IvinexSim::requests`]).
    pub fn reset_request_log(&self) {
        self.shared.traffic.reset_log();
    }

    /// Zeroes the counters of every kind and empties the request log; records stay.
    pub fn reset_counters(&self) {
        self.shared.reset_counters();
    }

    /// Puts the account back as it started: the seeded records, no counts, an empty log, no
    /// pending faults, and every token expired.
    pub fn reset(&self) -> Result<(), IvinexError> {
        self.shared.reset()
    }
}

impl Drop for IvinexSim {
    fn drop(&mut self) {
        // Held replies would keep their connections open; the server stops itself.
        self.shared.held.release();
    }
}
