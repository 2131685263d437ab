//! Bounds and cleans what a plugin returns before it leaves the runtime: every caller (the
//! sync engine, the store, the CLI) gets records that fit the configured sizes and carry no
//! secret of the connection.
//!
//! - A text field (or an id, a reason, a cursor, a watermark) may be at most
//!   `max_field_bytes`, a record (the sum of its text) at most `max_record_bytes`. An
//!   over-size record is not returned: it becomes an invalid record of the page, with its id
//!   (cut to the field limit) and its size, so the run is partial and nothing of it is stored.
//! - A whole result may be at most `max_page_bytes`; a larger one fails the call (a plugin
//!   fault): the sync cannot go on without the page. The component model enforces the same
//!   bound while it copies the result out of the guest (its "hostcall fuel", set per store to
//!   `max_page_bytes`), so the host never allocates more than that for one result.
//! - Secrets are redacted from every text field, invalid reason, cursor and error message.

use ccsync_model::{
    ConnectorError, Description, Entity, InvalidRecord, NamedItem, Page, SecurityProfile, Team,
    User,
};

use crate::limits::Limits;
use crate::redact::Redactor;

/// The bounds of one result, with the redactor of the connection.
pub(crate) struct OutputGuard<'a> {
    limits: &'a Limits,
    redactor: &'a Redactor,
}

impl<'a> OutputGuard<'a> {
    pub(crate) fn new(limits: &'a Limits, redactor: &'a Redactor) -> Self {
        OutputGuard { limits, redactor }
    }

    /// Bounds and redacts a page; `Err` (what is too large) when the page as a whole, its
    /// cursor or its watermark is over its limit.
    pub(crate) fn page(&self, page: Page) -> Result<Page, String> {
        let Page {
            items,
            invalid,
            next_cursor,
            watermark,
        } = page;
        let mut total = 0u64;
        for (what, value) in [("next-cursor", &next_cursor), ("watermark", &watermark)] {
            if let Some(value) = value {
                self.check_field_or_fail(what, value)?;
                total += value.len() as u64;
            }
        }
        let mut kept = Vec::with_capacity(items.len());
        let mut refused = Vec::new();
        for mut entity in items {
            let size = record_size(&mut entity);
            total += size;
            self.check_page(total)?;
            match self.check_record(&mut entity, size) {
                Ok(()) => {
                    for_each_text(&mut entity, |_, text| self.redactor.redact_in_place(text));
                    kept.push(entity);
                }
                Err(reason) => refused.push(InvalidRecord {
                    id: Some(self.short(entity_id(&entity))),
                    reason,
                }),
            }
        }
        let mut reported = Vec::with_capacity(invalid.len() + refused.len());
        for record in invalid {
            total +=
                record.reason.len() as u64 + record.id.as_ref().map_or(0, |id| id.len() as u64);
            self.check_page(total)?;
            reported.push(InvalidRecord {
                id: record.id.map(|id| self.short(&id)),
                reason: self.short(&record.reason),
            });
        }
        reported.extend(refused);
        Ok(Page {
            items: kept,
            invalid: reported,
            next_cursor: next_cursor.map(|c| self.redactor.redact(&c).into_owned()),
            watermark: watermark.map(|w| self.redactor.redact(&w).into_owned()),
        })
    }

    /// Bounds and redacts a list of users (a search): an over-size user is left out, with a
    /// warning naming it.
    pub(crate) fn users(&self, plugin: &str, users: Vec<User>) -> Result<Vec<User>, String> {
        let mut total = 0u64;
        let mut kept = Vec::with_capacity(users.len());
        for user in users {
            let mut entity = Entity::User(user);
            let size = record_size(&mut entity);
            total += size;
            self.check_page(total)?;
            if let Err(reason) = self.check_record(&mut entity, size) {
                tracing::warn!(plugin, id = %self.short(entity_id(&entity)), "user left out: {reason}");
                continue;
            }
            for_each_text(&mut entity, |_, text| self.redactor.redact_in_place(text));
            if let Entity::User(user) = entity {
                kept.push(user);
            }
        }
        Ok(kept)
    }

    /// Checks that every text of a description fits the field limit (it names the plugin in
    /// logs and errors).
    pub(crate) fn description(&self, description: &Description) -> Result<(), String> {
        let Description {
            name,
            version,
            origins,
            capabilities,
            ..
        } = description;
        self.check_field_or_fail("a name", name)?;
        self.check_field_or_fail("a version", version)?;
        for text in origins.iter().chain(capabilities) {
            self.check_field_or_fail("an origin or capability", text)?;
        }
        Ok(())
    }

    /// Bounds and redacts one id the plugin returned (of a created record).
    pub(crate) fn id(&self, id: String) -> Result<String, String> {
        self.check_field_or_fail("the returned id", &id)?;
        Ok(self.redactor.redact(&id).into_owned())
    }

    /// Bounds and redacts the message of a connector error.
    pub(crate) fn error(&self, error: ConnectorError) -> ConnectorError {
        let clean = |m: String| self.short(&m);
        match error {
            ConnectorError::Unauthorized(m) => ConnectorError::Unauthorized(clean(m)),
            ConnectorError::Transient(m) => ConnectorError::Transient(clean(m)),
            ConnectorError::InvalidConfig(m) => ConnectorError::InvalidConfig(clean(m)),
            ConnectorError::NotFound(m) => ConnectorError::NotFound(clean(m)),
            ConnectorError::Rejected(m) => ConnectorError::Rejected(clean(m)),
            ConnectorError::Unsupported(m) => ConnectorError::Unsupported(clean(m)),
            rate @ ConnectorError::RateLimited { .. } => rate,
        }
    }

    fn check_page(&self, total: u64) -> Result<(), String> {
        if total > self.limits.max_page_bytes {
            return Err(format!(
                "returned more than the limit of {} bytes in one result (max_page_size)",
                self.limits.max_page_bytes
            ));
        }
        Ok(())
    }

    fn check_field_or_fail(&self, what: &str, value: &str) -> Result<(), String> {
        if value.len() as u64 > self.limits.max_field_bytes {
            return Err(format!(
                "returned {what} of {} bytes, over the limit of {} bytes (max_field_size)",
                value.len(),
                self.limits.max_field_bytes
            ));
        }
        Ok(())
    }

    /// Why a record may not be returned, naming the field or the record's size.
    fn check_record(&self, entity: &mut Entity, size: u64) -> Result<(), String> {
        let limit = self.limits.max_field_bytes;
        let mut too_long = None;
        for_each_text(entity, |field, text| {
            if too_long.is_none() && text.len() as u64 > limit {
                too_long = Some((field, text.len()));
            }
        });
        if let Some((field, len)) = too_long {
            return Err(format!(
                "field `{field}` is {len} bytes, over the limit of {limit} bytes (max_field_size); the record is {size} bytes"
            ));
        }
        if size > self.limits.max_record_bytes {
            return Err(format!(
                "record is {size} bytes, over the limit of {} bytes (max_record_size)",
                self.limits.max_record_bytes
            ));
        }
        Ok(())
    }

    /// Redacted and cut to the field limit (on a character boundary), marked when cut.
    fn short(&self, text: &str) -> String {
        let limit = usize::try_from(self.limits.max_field_bytes).unwrap_or(usize::MAX);
        let text = if text.len() > limit {
            let mut end = limit;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}… [{} bytes cut]", &text[..end], text.len() - end)
        } else {
            text.to_owned()
        };
        self.redactor.redact(&text).into_owned()
    }
}

fn entity_id(entity: &Entity) -> &str {
    match entity {
        Entity::User(u) => &u.id,
        Entity::Team(t) => &t.id,
        Entity::SecurityProfile(p) => &p.id,
        Entity::Campaign(i) | Entity::Disposition(i) | Entity::AgentStatus(i) => &i.id,
    }
}

/// The record's size: the sum of its text, in bytes.
fn record_size(entity: &mut Entity) -> u64 {
    let mut size = 0u64;
    for_each_text(entity, |_, text| size += text.len() as u64);
    size
}

/// Calls `f` with every text of a record and the name of its field.
///
/// The records are taken apart field by field, with no `..`: a text field added to the model
/// does not compile until it is bounded and redacted here too.
fn for_each_text(entity: &mut Entity, mut f: impl FnMut(&'static str, &mut String)) {
    fn opt(
        f: &mut impl FnMut(&'static str, &mut String),
        name: &'static str,
        v: &mut Option<String>,
    ) {
        if let Some(v) = v {
            f(name, v);
        }
    }
    fn list(f: &mut impl FnMut(&'static str, &mut String), name: &'static str, v: &mut [String]) {
        for item in v {
            f(name, item);
        }
    }
    fn extra(f: &mut impl FnMut(&'static str, &mut String), pairs: &mut [(String, String)]) {
        for (key, value) in pairs {
            f("extra", key);
            f("extra", value);
        }
    }
    match entity {
        Entity::User(User {
            id,
            username,
            first_name,
            last_name,
            email,
            active: _,
            team_id,
            security_profile_id,
            roles,
            permissions,
            primary_phone,
            phones,
            employee_id,
            site_id,
            groups,
            password_set: _,
            extra: pairs,
        }) => {
            f("id", id);
            opt(&mut f, "username", username);
            opt(&mut f, "first_name", first_name);
            opt(&mut f, "last_name", last_name);
            opt(&mut f, "email", email);
            opt(&mut f, "team_id", team_id);
            opt(&mut f, "security_profile_id", security_profile_id);
            list(&mut f, "roles", roles);
            list(&mut f, "permissions", permissions);
            opt(&mut f, "primary_phone", primary_phone);
            list(&mut f, "phones", phones);
            opt(&mut f, "employee_id", employee_id);
            opt(&mut f, "site_id", site_id);
            list(&mut f, "groups", groups);
            extra(&mut f, pairs);
        }
        Entity::Team(Team {
            id,
            name,
            features,
            active: _,
        }) => {
            f("id", id);
            f("name", name);
            list(&mut f, "features", features);
        }
        Entity::SecurityProfile(SecurityProfile {
            id,
            name,
            permissions,
        }) => {
            f("id", id);
            f("name", name);
            list(&mut f, "permissions", permissions);
        }
        Entity::Campaign(item) | Entity::Disposition(item) | Entity::AgentStatus(item) => {
            let NamedItem {
                id,
                name,
                active: _,
                group,
                extra: pairs,
            } = item;
            f("id", id);
            f("name", name);
            opt(&mut f, "group", group);
            extra(&mut f, pairs);
        }
    }
}

#[cfg(test)]
mod tests;
