//! The account's extensions with an index by email, and the list query over them: filters by
//! status, type and email, then page/perPage paging in id order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::generate::{Numbering, added_user, generate};
use super::model::{DirectoryRecord, Extension, ExtensionStatus, ExtensionType};

/// What a list request selects; an empty list means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ListFilter {
    pub(crate) statuses: Vec<ExtensionStatus>,
    pub(crate) types: Vec<ExtensionType>,
    /// Emails, normalised (trimmed, lowercase).
    pub(crate) emails: Vec<String>,
}

impl ListFilter {
    fn selects(&self, extension: &Extension) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&extension.status))
            && (self.types.is_empty() || self.types.contains(&extension.kind))
    }
}

#[derive(Debug)]
pub(crate) struct Directory {
    seed: u64,
    domain: String,
    records: BTreeMap<u64, DirectoryRecord>,
    /// Normalised email -> ids of the extensions with it (every type and status).
    by_email: HashMap<String, BTreeSet<u64>>,
    numbering: Numbering,
    added: u64,
}

impl Directory {
    pub(crate) fn new(seed: u64, users: u64, domain: &str) -> Self {
        let (generated, numbering) = generate(seed, users, domain);
        let mut directory = Self {
            seed,
            domain: domain.to_owned(),
            records: BTreeMap::new(),
            by_email: HashMap::new(),
            numbering,
            added: 0,
        };
        for record in generated {
            directory.put(record);
        }
        directory
    }

    pub(crate) fn get(&self, id: u64) -> Option<&DirectoryRecord> {
        self.records.get(&id)
    }

    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    pub(crate) fn records(&self) -> impl Iterator<Item = &DirectoryRecord> {
        self.records.values()
    }

    /// Adds or replaces a record, keeping the email index in step.
    pub(crate) fn put(&mut self, record: DirectoryRecord) {
        let id = record.extension.id;
        self.unindex(id);
        if let Some(email) = record.extension.normalized_email() {
            self.by_email.entry(email).or_default().insert(id);
        }
        self.records.insert(id, record);
    }

    pub(crate) fn remove(&mut self, id: u64) -> bool {
        self.unindex(id);
        self.records.remove(&id).is_some()
    }

    fn unindex(&mut self, id: u64) {
        let Some(email) = self
            .records
            .get(&id)
            .and_then(|r| r.extension.normalized_email())
        else {
            return;
        };
        if let Some(ids) = self.by_email.get_mut(&email) {
            ids.remove(&id);
            if ids.is_empty() {
                self.by_email.remove(&email);
            }
        }
    }

    /// A new directory-only user with the next id and number (not yet stored).
    pub(crate) fn new_extension(&mut self) -> Extension {
        let (id, number) = self.numbering.take();
        let extension = added_user(self.seed, self.added, id, number, &self.domain);
        self.added += 1;
        extension
    }

    /// `(totalElements, the extensions of 1-based page `page`)`.
    pub(crate) fn page(
        &self,
        filter: &ListFilter,
        page: u64,
        per_page: u64,
    ) -> (u64, Vec<Extension>) {
        let skip = (page - 1).saturating_mul(per_page);
        let take = usize::try_from(per_page).unwrap_or(usize::MAX);
        let mut total = 0_u64;
        let mut items = Vec::new();
        let mut visit = |extension: &Extension| {
            if filter.selects(extension) {
                if total >= skip && items.len() < take {
                    items.push(extension.clone());
                }
                total += 1;
            }
        };
        if filter.emails.is_empty() {
            self.records.values().for_each(|r| visit(&r.extension));
        } else {
            let ids: BTreeSet<u64> = filter
                .emails
                .iter()
                .filter_map(|email| self.by_email.get(email))
                .flatten()
                .copied()
                .collect();
            ids.iter()
                .filter_map(|id| self.records.get(id))
                .for_each(|r| visit(&r.extension));
        }
        (total, items)
    }

    /// The `User` extensions (any status) whose email is `email`, trimmed and case-folded.
    pub(crate) fn user_matches(&self, email: &str) -> Vec<Extension> {
        let filter = ListFilter {
            types: vec![ExtensionType::User],
            emails: vec![super::model::normalize_email(email)],
            ..ListFilter::default()
        };
        self.page(&filter, 1, u64::MAX).1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory() -> Directory {
        Directory::new(4, 500, "x.example.com")
    }

    #[test]
    fn paging_covers_every_selected_extension_once_in_id_order() {
        let dir = directory();
        let filter = ListFilter::default();
        let (total, _) = dir.page(&filter, 1, 1);
        let mut seen = Vec::new();
        for page in 1..=total.div_ceil(70) {
            let (t, items) = dir.page(&filter, page, 70);
            assert_eq!(t, total);
            seen.extend(items.iter().map(|e| e.id));
        }
        assert_eq!(seen.len() as u64, total);
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(dir.page(&filter, total + 1, 70).1, vec![]);
    }

    #[test]
    fn the_email_index_follows_changes_and_removals() {
        let mut dir = directory();
        let mut record = dir.records().nth(3).cloned().unwrap();
        let id = record.extension.id;
        record.extension.contact.email = Some(" New.Address@X.example.com".into());
        dir.put(record);
        assert_eq!(dir.user_matches("new.address@x.example.com").len(), 1);
        assert!(dir.remove(id));
        assert!(dir.user_matches("new.address@x.example.com").is_empty());
        assert!(!dir.remove(id));
    }

    #[test]
    fn filters_combine_status_type_and_several_emails() {
        let dir = directory();
        let users: Vec<&Extension> = dir
            .records()
            .map(|r| &r.extension)
            .filter(|e| e.kind == ExtensionType::User && e.contact.email.is_some())
            .take(3)
            .collect();
        let filter = ListFilter {
            types: vec![ExtensionType::User],
            emails: users.iter().filter_map(|e| e.normalized_email()).collect(),
            ..ListFilter::default()
        };
        let (total, items) = dir.page(&filter, 1, 100);
        assert!(total >= 3);
        assert!(users.iter().all(|u| items.iter().any(|i| i.id == u.id)));
        let enabled_only = ListFilter {
            statuses: vec![ExtensionStatus::Enabled],
            ..filter
        };
        let (_, enabled) = dir.page(&enabled_only, 1, 100);
        assert!(enabled.iter().all(|e| e.status == ExtensionStatus::Enabled));
    }
}
