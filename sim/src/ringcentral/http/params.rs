//! Query parameters of the extension list, parsed once into typed values; a bad value becomes a
//! 400 `CMN-101` naming the parameter.

use super::reply::ApiError;
use crate::ringcentral::directory::ListFilter;
use crate::ringcentral::model::{ExtensionStatus, ExtensionType, normalize_email};

/// Records per page when `perPage` is absent.
pub(crate) const DEFAULT_PER_PAGE: u64 = 100;
/// The most records one page carries; a larger `perPage` is clamped to it.
pub(crate) const MAX_PER_PAGE: u64 = 1000;

/// Paging and filters of a list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListParams {
    /// 1-based.
    pub(crate) page: u64,
    pub(crate) per_page: u64,
    pub(crate) statuses: Vec<ExtensionStatus>,
    pub(crate) types: Vec<ExtensionType>,
    /// The `email` values as given (for the navigation links).
    pub(crate) emails: Vec<String>,
}

impl ListParams {
    /// Parses the query pairs. Names are matched case-insensitively; unknown ones are ignored.
    /// `status`, `type` and `email` may repeat (any of the values selects).
    pub(crate) fn parse(pairs: &[(String, String)]) -> Result<Self, ApiError> {
        let mut params = ListParams {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            statuses: Vec::new(),
            types: Vec::new(),
            emails: Vec::new(),
        };
        for (name, value) in pairs {
            let bad = || ApiError::InvalidParameter {
                name: name.clone(),
                value: value.clone(),
            };
            match name.to_ascii_lowercase().as_str() {
                "page" => {
                    params.page = value
                        .trim()
                        .parse()
                        .ok()
                        .filter(|p| *p >= 1)
                        .ok_or_else(bad)?;
                }
                "perpage" => {
                    let per_page: u64 = value
                        .trim()
                        .parse()
                        .ok()
                        .filter(|p| *p >= 1)
                        .ok_or_else(bad)?;
                    params.per_page = per_page.min(MAX_PER_PAGE);
                }
                "status" => params
                    .statuses
                    .push(ExtensionStatus::parse(value.trim()).ok_or_else(bad)?),
                "type" => params
                    .types
                    .push(ExtensionType::parse(value.trim()).ok_or_else(bad)?),
                "email" => params.emails.push(value.clone()),
                _ => {}
            }
        }
        Ok(params)
    }

    /// The directory filter these parameters select.
    pub(crate) fn filter(&self) -> ListFilter {
        ListFilter {
            statuses: self.statuses.clone(),
            types: self.types.clone(),
            emails: self.emails.iter().map(|e| normalize_email(e)).collect(),
        }
    }

    /// The query string of the same request for another page.
    pub(crate) fn query_for_page(&self, page: u64) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("page", &page.to_string());
        query.append_pair("perPage", &self.per_page.to_string());
        for status in &self.statuses {
            query.append_pair("status", status.as_str());
        }
        for kind in &self.types {
            query.append_pair("type", kind.as_str());
        }
        for email in &self.emails {
            query.append_pair("email", email);
        }
        query.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<ListParams, ApiError> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ListParams::parse(&owned)
    }

    #[test]
    fn defaults_are_page_one_of_one_hundred_without_filters() {
        let p = parse(&[]).unwrap();
        assert_eq!((p.page, p.per_page), (1, 100));
        assert_eq!(p.filter(), ListFilter::default());
    }

    #[test]
    fn per_page_above_one_thousand_is_clamped() {
        assert_eq!(parse(&[("perPage", "5000")]).unwrap().per_page, 1000);
        assert_eq!(parse(&[("perpage", "250")]).unwrap().per_page, 250);
    }

    #[test]
    fn repeated_filters_accumulate_and_emails_are_normalised_for_the_filter() {
        let p = parse(&[
            ("status", "Enabled"),
            ("status", "Disabled"),
            ("type", "User"),
            ("email", " A@X.com"),
            ("email", "b@x.com"),
        ])
        .unwrap();
        let filter = p.filter();
        assert_eq!(filter.statuses.len(), 2);
        assert_eq!(filter.emails, ["a@x.com", "b@x.com"]);
        assert_eq!(
            p.query_for_page(2),
            "page=2&perPage=100&status=Enabled&status=Disabled&type=User&email=+A%40X.com&email=b%40x.com"
        );
    }

    #[test]
    fn bad_values_are_refused_naming_the_parameter() {
        for (name, value) in [
            ("page", "0"),
            ("page", "x"),
            ("perPage", "0"),
            ("status", "enabled"),
            ("type", "Robot"),
        ] {
            match parse(&[(name, value)]) {
                Err(ApiError::InvalidParameter { name: n, value: v }) => {
                    assert_eq!((n.as_str(), v.as_str()), (name, value));
                }
                other => panic!("{name}={value}: {other:?}"),
            }
        }
    }
}
