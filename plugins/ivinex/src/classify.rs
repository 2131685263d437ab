//! How Ivinex explains a failed response, for connector-kit's classification of HTTP outcomes
//! into the contract's `error` (the table of which outcome is which error is
//! [`connector_kit::classify`]'s): a 422 (validation) and a 409 (conflict) are `rejected`
//! like any other 4xx, naming the fields; a redirect or a malformed request points at
//! `base-url`, a reply larger than the host allows at `page-size`.
//!
//! Messages name the request (`what`, e.g. `POST /users`) and carry Ivinex's own explanation:
//! the fields of a 422 (`email: 'x' is not an email address; groups[0]: …`), else the error's
//! `message`. A 409 on a create is not classified here: the client resolves it.

use connector_kit::classify::{Classifier, quote_body};
use connector_kit::wit::http::Response;
use serde_json::Value;

/// How the connector classifies its failures.
pub const IVINEX: Classifier = Classifier {
    explain: detail,
    url_settings: "base-url",
    origin: "the origin",
    page_size: Some("page-size"),
};

/// The `error` object of an Ivinex error body.
fn error_object(body: &[u8]) -> Option<Value> {
    let mut body: Value = serde_json::from_slice(body).ok()?;
    Some(body.get_mut("error")?.take()).filter(Value::is_object)
}

/// Ivinex's explanation of a failed response, if it gave one: the invalid fields, else the
/// message, else the start of a body that is not Ivinex's error form.
pub fn detail(response: &Response) -> Option<String> {
    let Some(error) = error_object(&response.body) else {
        return quote_body(&response.body);
    };
    let fields: Vec<String> = error
        .get("fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let field = f.get("field")?.as_str()?;
            let message = f.get("message")?.as_str().unwrap_or("is invalid");
            Some(format!("{field}: {message}"))
        })
        .collect();
    if !fields.is_empty() {
        return Some(fields.join("; "));
    }
    error
        .get("message")
        .or_else(|| error.get("code"))
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .map(str::to_string)
}

/// The `existingId` of a 409 on a create: the record that already has the external id.
pub fn existing_id(response: &Response) -> Option<String> {
    match error_object(&response.body)?.get("existingId")? {
        Value::Number(id) => id.as_u64().map(|id| id.to_string()),
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use connector_kit::testing::response;
    use connector_kit::wit::types::Error;

    use super::*;

    #[test]
    fn a_validation_failure_is_rejected_naming_every_field() {
        let body = r#"{"error":{"code":"validation_failed","message":"The user was not saved",
            "fields":[{"field":"email","message":"'x' is not an email address"},
            {"field":"groups[0]","message":"no group is named 'A'"}]}}"#;
        assert_eq!(
            IVINEX.status("POST /users", &response(422, &[], body)),
            Error::Rejected(
                "POST /users answered 422: email: 'x' is not an email address; groups[0]: no \
                 group is named 'A'"
                    .into()
            )
        );
    }

    #[test]
    fn statuses_map_to_what_the_host_does_next() {
        let error = r#"{"error":{"code":"x","message":"why"}}"#;
        let classify = |status| IVINEX.status("GET /users", &response(status, &[], error));
        assert_eq!(
            classify(503),
            Error::Transient("GET /users answered 503: why".into())
        );
        assert!(matches!(classify(401), Error::Unauthorized(_)));
        assert!(matches!(classify(403), Error::Unauthorized(_)));
        assert!(matches!(classify(404), Error::NotFound(_)));
        assert!(matches!(classify(409), Error::Rejected(_)));
        assert!(matches!(classify(400), Error::Rejected(_)));
        assert!(matches!(
            IVINEX.status("x", &response(302, &[("Location", "https://y")], "")),
            Error::InvalidConfig(m) if m.contains("redirect to https://y")
        ));
    }

    #[test]
    fn a_conflict_names_the_existing_record() {
        let body = r#"{"error":{"code":"conflict","message":"m","existingId":1042}}"#;
        assert_eq!(
            existing_id(&response(409, &[], body)).as_deref(),
            Some("1042")
        );
        assert_eq!(existing_id(&response(409, &[], "{}")), None);
    }
}
