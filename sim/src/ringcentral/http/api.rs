//! The directory resources: the extension list (`page`/`perPage` paging with `paging` and
//! `navigation`, filters by `status`, `type` and repeated `email`) and one extension by id.

use std::sync::Arc;

use axum::Extension as Ext;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::Malformed;
use super::params::ListParams;
use super::reply::{self, ApiError};
use crate::guard::read;
use crate::ringcentral::assumed::ACCOUNT_ID;
use crate::ringcentral::model::Extension;
use crate::ringcentral::{API_ACCOUNT_ROOT, Shared};

type Pairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// `~` is the caller's own account; its id is accepted too.
fn check_account(account: &str) -> Result<(), ApiError> {
    if account == "~" || account == ACCOUNT_ID.to_string() {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "Account [{account}] is not found"
        )))
    }
}

/// The extension as the wire carries it: its `uri` first, then its fields.
fn wire(base_url: &str, extension: &Extension) -> Value {
    let mut fields = Map::new();
    fields.insert(
        "uri".into(),
        json!(format!(
            "{base_url}{API_ACCOUNT_ROOT}/{ACCOUNT_ID}/extension/{}",
            extension.id
        )),
    );
    if let Ok(Value::Object(rest)) = serde_json::to_value(extension) {
        fields.extend(rest);
    }
    Value::Object(fields)
}

/// The injected malformation: `contact` is a string instead of an object.
fn break_record(record: &mut Value) {
    record["contact"] = json!("<malformed contact>");
}

/// `GET /restapi/v1.0/account/{account}/extension`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    malformed: Option<Ext<Malformed>>,
    query: Pairs,
) -> Result<Response, ApiError> {
    check_account(&account)?;
    let Query(pairs) = query.map_err(|rejection| ApiError::InvalidParameter {
        name: "query".into(),
        value: rejection.body_text(),
    })?;
    let params = ListParams::parse(&pairs)?;
    let (total, extensions) =
        read(&shared.directory).page(&params.filter(), params.page, params.per_page);
    let mut records: Vec<Value> = extensions
        .iter()
        .map(|e| wire(&shared.base_url, e))
        .collect();
    if malformed.is_some()
        && let Some(first) = records.first_mut()
    {
        break_record(first);
    }
    let total_pages = total.div_ceil(params.per_page);
    let path = format!("{}{API_ACCOUNT_ROOT}/{account}/extension", shared.base_url);
    let uri = |page: u64| json!({"uri": format!("{path}?{}", params.query_for_page(page))});
    let mut paging = json!({
        "page": params.page,
        "totalPages": total_pages,
        "perPage": params.per_page,
        "totalElements": total,
    });
    if !records.is_empty() {
        let start = (params.page - 1) * params.per_page;
        paging["pageStart"] = json!(start);
        paging["pageEnd"] = json!(start + records.len() as u64 - 1);
    }
    let mut navigation = json!({"firstPage": uri(1)});
    if params.page < total_pages {
        navigation["nextPage"] = uri(params.page + 1);
    }
    if params.page > 1 {
        navigation["previousPage"] = uri((params.page - 1).min(total_pages.max(1)));
    }
    navigation["lastPage"] = uri(total_pages.max(1));
    Ok(reply::json(
        StatusCode::OK,
        &json!({
            "uri": format!("{path}?{}", params.query_for_page(params.page)),
            "records": records,
            "paging": paging,
            "navigation": navigation,
        }),
    ))
}

/// `GET /restapi/v1.0/account/{account}/extension/{id}`.
pub(crate) async fn get_one(
    State(shared): State<Arc<Shared>>,
    Path((account, id)): Path<(String, String)>,
    malformed: Option<Ext<Malformed>>,
) -> Result<Response, ApiError> {
    check_account(&account)?;
    let not_found = || ApiError::NotFound(format!("Extension [{id}] is not found"));
    let id_number: u64 = id.parse().map_err(|_| ApiError::InvalidParameter {
        name: "extensionId".into(),
        value: id.clone(),
    })?;
    let extension = read(&shared.directory)
        .get(id_number)
        .map(|r| r.extension.clone())
        .ok_or_else(not_found)?;
    let mut record = wire(&shared.base_url, &extension);
    if malformed.is_some() {
        break_record(&mut record);
    }
    Ok(reply::json(StatusCode::OK, &record))
}
