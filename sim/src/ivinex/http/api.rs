//! The API's collections: `users`, `campaigns`, `dispositions`, `agent-statuses`, each listed
//! (paged, or filtered by external id), read by id, created, updated and deleted.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::reply::{self, ApiError};
use crate::guard::lock;
use crate::ivinex::account::WriteError;
use crate::ivinex::input::Writer;
use crate::ivinex::{API_ROOT, RecordKind, Shared};

/// Records per page when `pageSize` is absent.
pub const DEFAULT_PAGE_SIZE: u64 = 100;
/// The largest `pageSize`.
pub const MAX_PAGE_SIZE: u64 = 500;

type Pairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// Paging and the external-id filter of a list request.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListParams {
    page: u64,
    page_size: u64,
    external_id: Option<String>,
}

impl ListParams {
    /// Names are case-sensitive; an unknown or repeated one is refused, so that a client's
    /// misspelt filter never silently lists everything.
    fn parse(pairs: &[(String, String)]) -> Result<Self, ApiError> {
        let mut params = ListParams {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
            external_id: None,
        };
        let mut seen: Vec<&str> = Vec::new();
        for (name, value) in pairs {
            if seen.contains(&name.as_str()) {
                return Err(ApiError::BadRequest(format!(
                    "query parameter '{name}' is given more than once"
                )));
            }
            seen.push(name);
            let number = |min: u64, max: u64| {
                value
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (min..=max).contains(n))
                    .ok_or_else(|| {
                        ApiError::BadRequest(format!(
                            "query parameter '{name}' must be a whole number from {min} to \
                             {max}, not '{value}'"
                        ))
                    })
            };
            match name.as_str() {
                "page" => params.page = number(1, u64::from(u32::MAX))?,
                "pageSize" => params.page_size = number(1, MAX_PAGE_SIZE)?,
                "externalId" if value.is_empty() => {
                    return Err(ApiError::BadRequest(
                        "query parameter 'externalId' must not be empty".into(),
                    ));
                }
                "externalId" => params.external_id = Some(value.clone()),
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "unknown query parameter '{name}' (known: page, pageSize, externalId)"
                    )));
                }
            }
        }
        Ok(params)
    }

    /// The path and query of page `page` of the same list.
    fn link(&self, kind: RecordKind, page: u64) -> String {
        let mut link = format!(
            "{API_ROOT}/{}?page={page}&pageSize={}",
            kind.collection(),
            self.page_size
        );
        if let Some(external_id) = &self.external_id {
            let encoded = percent_encode(external_id);
            link.push_str(&format!("&externalId={encoded}"));
        }
        link
    }
}

/// Percent-encodes a query value (unreserved characters stay).
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn kind_of(collection: &str) -> Result<RecordKind, ApiError> {
    RecordKind::from_collection(collection)
        .ok_or_else(|| ApiError::NotFound(format!("no collection '{collection}'")))
}

/// A record id: digits only (anything else names no record).
fn id_of(kind: RecordKind, id: &str) -> Result<u64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::NotFound(format!("no {} with id '{id}'", kind.noun())))
}

fn no_record(kind: RecordKind, id: u64) -> ApiError {
    ApiError::NotFound(format!("no {} with id {id}", kind.noun()))
}

fn internal(error: serde_json::Error) -> ApiError {
    ApiError::Internal(format!("cannot serialise a record: {error}"))
}

/// `GET /{collection}?page=&pageSize=&externalId=`.
pub async fn list(
    State(shared): State<Arc<Shared>>,
    Path(collection): Path<String>,
    query: Pairs,
) -> Result<Response, ApiError> {
    let kind = kind_of(&collection)?;
    let Query(pairs) = query.map_err(|r| ApiError::BadRequest(format!("bad query: {r}")))?;
    let params = ListParams::parse(&pairs)?;
    let listed = lock(&shared.account)
        .list(
            kind,
            params.page,
            params.page_size,
            params.external_id.as_deref(),
        )
        .map_err(internal)?;
    let more = params.page.saturating_mul(params.page_size) < listed.total;
    Ok(reply::json(
        StatusCode::OK,
        &json!({
            "items": listed.items,
            "page": params.page,
            "pageSize": params.page_size,
            "total": listed.total,
            "next": more.then(|| params.link(kind, params.page + 1)),
        }),
    ))
}

/// `GET /{collection}/{id}`.
pub async fn get(
    State(shared): State<Arc<Shared>>,
    Path((collection, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&collection)?;
    let id = id_of(kind, &id)?;
    let account = lock(&shared.account);
    let record = account
        .record(kind, id)
        .ok_or_else(|| no_record(kind, id))?;
    let wire = account.wire(record).map_err(internal)?;
    Ok(reply::json(StatusCode::OK, &wire))
}

/// The body of a write: a JSON object.
fn object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(ApiError::BadRequest(
            "the body must be a JSON object".into(),
        )),
        Err(error) => Err(ApiError::BadRequest(format!(
            "the body is not JSON: {error}"
        ))),
    }
}

fn refused(kind: RecordKind, error: WriteError) -> ApiError {
    match error {
        WriteError::Invalid(fields) => ApiError::Validation {
            noun: kind.noun(),
            fields,
        },
        WriteError::Conflict {
            existing,
            external_id,
        } => ApiError::Conflict {
            noun: kind.noun(),
            existing,
            external_id,
        },
    }
}

/// The record as it is now, with `status`.
fn answer(
    shared: &Shared,
    kind: RecordKind,
    id: u64,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let account = lock(&shared.account);
    let record = account
        .record(kind, id)
        .ok_or_else(|| no_record(kind, id))?;
    let wire = account.wire(record).map_err(internal)?;
    Ok(reply::json(status, &wire))
}

/// `POST /{collection}`: 201 with the record and its `Location`.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    Path(collection): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let kind = kind_of(&collection)?;
    let fields = object(&body)?;
    let now = shared.clock.tick();
    let id = lock(&shared.account)
        .create(kind, &fields, Writer::Api, now)
        .map_err(|e| refused(kind, e))?;
    let mut response = answer(&shared, kind, id, StatusCode::CREATED)?;
    let location = format!("{API_ROOT}/{}/{id}", kind.collection());
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// `PATCH /{collection}/{id}`: the fields given change, the others stay.
pub async fn update(
    State(shared): State<Arc<Shared>>,
    Path((collection, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let kind = kind_of(&collection)?;
    let id = id_of(kind, &id)?;
    let fields = object(&body)?;
    let now = shared.clock.tick();
    lock(&shared.account)
        .update(kind, id, &fields, Writer::Api, now)
        .ok_or_else(|| no_record(kind, id))?
        .map_err(|e| refused(kind, e))?;
    answer(&shared, kind, id, StatusCode::OK)
}

/// `DELETE /{collection}/{id}`: 204, or 404 (the call is counted either way).
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    Path((collection, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&collection)?;
    let id = id_of(kind, &id)?;
    if lock(&shared.account).remove(kind, id) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(no_record(kind, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn list_parameters_default_and_bound_and_refuse_strangers() {
        let default = ListParams::parse(&[]).unwrap();
        assert_eq!((default.page, default.page_size), (1, DEFAULT_PAGE_SIZE));
        let given = ListParams::parse(&pairs(&[("page", "3"), ("pageSize", "500")])).unwrap();
        assert_eq!((given.page, given.page_size), (3, 500));
        for bad in [
            [("page", "0")],
            [("pageSize", "501")],
            [("page", "x")],
            [("external_id", "a")],
            [("externalId", "")],
        ] {
            assert!(ListParams::parse(&pairs(&bad)).is_err(), "{bad:?}");
        }
        assert!(ListParams::parse(&pairs(&[("page", "1"), ("page", "2")])).is_err());
    }

    #[test]
    fn next_links_keep_the_page_size_and_encode_the_filter() {
        let params =
            ListParams::parse(&pairs(&[("pageSize", "2"), ("externalId", "t/user 1")])).unwrap();
        assert_eq!(
            params.link(RecordKind::User, 2),
            "/api/v1/users?page=2&pageSize=2&externalId=t%2Fuser%201"
        );
    }
}
