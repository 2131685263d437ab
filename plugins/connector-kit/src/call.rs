//! A typed HTTP client over the host's `http` import: requests built with their query,
//! headers and JSON or form bodies ([`Call`]), sent through a [`Host`] with failures classified
//! by the connector's [`Classifier`], JSON replies read into types ([`json_reply`]), and the
//! one token renewal a refused request gets ([`with_renewal`]).
//!
//! It is the contract's `http.send` and nothing more: one request, one response, no redirects
//! followed, no retries but the renewal after a 401 (the host retries `transient` and
//! `rate-limited` errors by calling again).

use std::fmt::Display;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::classify::Classifier;
use crate::grant::Renewal;
use crate::host::{Host, header};
use crate::secret::Secret;
use crate::wit::http::{Request, Response};
use crate::wit::types::Error;

/// One request to build and send.
///
/// ```ignore
/// let response = Call::get(base.join("/users"))
///     .query("page", 2)
///     .query("pageSize", 500)
///     .bearer(&token)
///     .accept_json()
///     .send_ok(host, &CLASSIFIER, "GET /users (page 2)")?;
/// let users: UserList = json_reply("GET /users (page 2)", &response)?;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    request: Request,
}

impl Call {
    /// A request with `method` (`GET`, `POST`, `PUT`, `PATCH`, `DELETE`) to `url`.
    pub fn new(method: &str, url: impl Into<String>) -> Self {
        Self {
            request: Request {
                method: method.into(),
                url: url.into(),
                headers: Vec::new(),
                body: None,
            },
        }
    }

    /// A `GET` of `url`.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new("GET", url)
    }

    /// A `POST` to `url`.
    pub fn post(url: impl Into<String>) -> Self {
        Self::new("POST", url)
    }

    /// A `PUT` to `url`.
    pub fn put(url: impl Into<String>) -> Self {
        Self::new("PUT", url)
    }

    /// A `PATCH` of `url`.
    pub fn patch(url: impl Into<String>) -> Self {
        Self::new("PATCH", url)
    }

    /// A `DELETE` of `url`.
    pub fn delete(url: impl Into<String>) -> Self {
        Self::new("DELETE", url)
    }

    /// Appends `key=value` to the URL's query, form-urlencoded (so any value is safe).
    pub fn query(mut self, key: &str, value: impl Display) -> Self {
        let separator = if self.request.url.contains('?') {
            '&'
        } else {
            '?'
        };
        let pair = form_urlencoded::Serializer::new(String::new())
            .append_pair(key, &value.to_string())
            .finish();
        self.request.url.push(separator);
        self.request.url.push_str(&pair);
        self
    }

    /// [`query`](Self::query) for each pair, in order.
    pub fn queries<'a>(self, pairs: impl IntoIterator<Item = &'a (&'a str, &'a str)>) -> Self {
        pairs
            .into_iter()
            .fold(self, |call, (key, value)| call.query(key, value))
    }

    /// [`query`](Self::query) when `value` is `Some`; the URL as it is otherwise.
    pub fn query_opt(self, key: &str, value: Option<impl Display>) -> Self {
        match value {
            Some(value) => self.query(key, value),
            None => self,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request.headers.push(header(name, value));
        self
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &Secret) -> Self {
        self.header("Authorization", &format!("Bearer {}", token.expose()))
    }

    /// `Accept: application/json`.
    pub fn accept_json(self) -> Self {
        self.header("Accept", "application/json")
    }

    /// `body` as JSON, with its `Content-Type`. A body that cannot be encoded (a map with
    /// keys that are not strings) is `rejected`.
    pub fn json(mut self, body: &impl Serialize) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::Rejected(format!(
                "the body of {} {} cannot be encoded as JSON: {e}",
                self.request.method, self.request.url
            ))
        })?;
        self.request.body = Some(bytes);
        Ok(self.header("Content-Type", "application/json"))
    }

    /// `pairs` as an `application/x-www-form-urlencoded` body (a token request's form).
    pub fn form<'a>(mut self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.request.body = Some(body.into_bytes());
        self.header("Content-Type", "application/x-www-form-urlencoded")
    }

    /// The request as the host's `http.send` takes it.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// Sends the request (`what` names it in errors, e.g. `GET /users (page 2)`): its response
    /// whatever the status; a request that got none is classified.
    pub fn send(
        &self,
        host: &mut impl Host,
        classifier: &Classifier,
        what: &str,
    ) -> Result<Response, Error> {
        host.send(&self.request)
            .map_err(|e| classifier.http_error(what, &e))
    }

    /// [`send`](Self::send), with any status but a 2xx classified as the error it is.
    pub fn send_ok(
        &self,
        host: &mut impl Host,
        classifier: &Classifier,
        what: &str,
    ) -> Result<Response, Error> {
        success(classifier, what, self.send(host, classifier, what)?)
    }
}

impl From<Call> for Request {
    fn from(call: Call) -> Self {
        call.request
    }
}

/// The response when its status is a 2xx, else the error its status means.
pub fn success(classifier: &Classifier, what: &str, response: Response) -> Result<Response, Error> {
    if (200..=299).contains(&response.status) {
        Ok(response)
    } else {
        Err(classifier.status(what, &response))
    }
}

/// The JSON body of a reply to `what`, read into `T`. A body that is not JSON, or not the
/// shape `T` expects, is `rejected` with serde's reason (which names the field and position),
/// never a trap.
pub fn json_reply<T: DeserializeOwned>(what: &str, response: &Response) -> Result<T, Error> {
    serde_json::from_slice(&response.body).map_err(|e| {
        Error::Rejected(format!(
            "{what} answered {} with a body that is not the JSON expected: {e}",
            response.status
        ))
    })
}

/// Sends a request signed with a token, once more with a renewed token when the API refuses
/// it (401). `attempt` sends one attempt with the token `auth` holds (obtaining one when it
/// holds none); `forget` drops a token the API refused, after each 401, so that the next
/// attempt obtains another and no later request sends it again. A second 401 is final
/// (`unauthorized`); every other response is returned whatever its status.
pub fn with_renewal<H: Host, A>(
    host: &mut H,
    classifier: &Classifier,
    what: &str,
    auth: &mut A,
    mut forget: impl FnMut(&mut A),
    mut attempt: impl FnMut(&mut A, &mut H) -> Result<Response, Error>,
) -> Result<Response, Error> {
    let mut renewal = Renewal::default();
    loop {
        let response = attempt(auth, host)?;
        if response.status != 401 {
            return Ok(response);
        }
        forget(auth);
        renewal.after_refusal(classifier, host, what, &response)?;
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;
    use crate::testing::{CLASSIFIER, ScriptedHost, json_ok, respond};
    use crate::wit::http::HttpError;

    #[test]
    fn a_call_encodes_its_query_and_carries_its_headers_and_body() {
        let call = Call::post("http://a/x?fixed=1")
            .query("q", "a b&c=d")
            .query_opt("none", None::<u32>)
            .query_opt("top", Some(50))
            .queries(&[("a", "1"), ("b", "2")])
            .bearer(&Secret::new("tok"))
            .json(&json!({"name": "Ada"}))
            .unwrap();
        let request = call.request();
        assert_eq!(
            request.url,
            "http://a/x?fixed=1&q=a+b%26c%3Dd&top=50&a=1&b=2"
        );
        assert_eq!(
            request.body.as_deref(),
            Some(br#"{"name":"Ada"}"#.as_slice())
        );
        let names: Vec<_> = request.headers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["Authorization", "Content-Type"]);
        assert_eq!(
            Call::get("http://a").query("k", 1).request().url,
            "http://a?k=1"
        );
        let form = Call::post("http://a/token").form([("grant_type", "password"), ("p", "x y")]);
        assert_eq!(
            form.request().body.as_deref(),
            Some(b"grant_type=password&p=x+y".as_slice())
        );
    }

    #[test]
    fn send_ok_classifies_statuses_and_failures_naming_the_request() {
        let mut host = ScriptedHost::default()
            .expect("GET http://a/x", respond(404, &[], "gone"))
            .expect("GET http://a/x", Err(HttpError::Timeout))
            .expect("GET http://a/x", respond(204, &[], ""));
        let call = Call::get("http://a/x");
        assert_eq!(
            call.send_ok(&mut host, &CLASSIFIER, "GET /x"),
            Err(Error::NotFound("GET /x answered 404: gone".into()))
        );
        assert_eq!(
            call.send_ok(&mut host, &CLASSIFIER, "GET /x"),
            Err(Error::Transient("GET /x: timed out".into()))
        );
        assert_eq!(
            call.send_ok(&mut host, &CLASSIFIER, "GET /x")
                .unwrap()
                .status,
            204
        );
        host.assert_done();
    }

    #[test]
    fn a_json_reply_is_read_into_its_type_or_rejected_with_the_reason() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Users {
            total: u32,
        }
        let ok = json_ok(json!({"total": 3})).unwrap();
        assert_eq!(
            json_reply::<Users>("GET /users", &ok),
            Ok(Users { total: 3 })
        );
        let wrong = json_ok(json!({"total": "three"})).unwrap();
        let Err(Error::Rejected(why)) = json_reply::<Users>("GET /users", &wrong) else {
            panic!("not rejected");
        };
        assert!(
            why.starts_with(
                "GET /users answered 200 with a body that is not the JSON expected: invalid type"
            ),
            "{why}"
        );
    }

    #[test]
    fn a_refused_token_is_renewed_once_then_the_refusal_is_final() {
        let mut host = ScriptedHost::default()
            .expect("GET http://a/x", respond(401, &[], "expired"))
            .expect("GET http://a/x", respond(200, &[], "{}"))
            .expect("GET http://a/x", respond(401, &[], "no"))
            .expect("GET http://a/x", respond(401, &[], "still no"));
        /// The token held, and how many were obtained.
        type Tokens = (Option<Secret>, u32);
        let forget = |tokens: &mut Tokens| tokens.0 = None;
        let attempt = |tokens: &mut Tokens, host: &mut ScriptedHost| {
            let token = tokens.0.get_or_insert_with(|| {
                tokens.1 += 1;
                Secret::new(format!("t{}", tokens.1))
            });
            Call::get("http://a/x")
                .bearer(token)
                .send(host, &CLASSIFIER, "GET /x")
        };
        let mut tokens: Tokens = (None, 0);
        let ok = with_renewal(
            &mut host,
            &CLASSIFIER,
            "GET /x",
            &mut tokens,
            forget,
            attempt,
        );
        assert_eq!(ok.unwrap().status, 200);
        assert_eq!(host.authorization(1), "Bearer t2");
        assert_eq!(
            with_renewal(
                &mut host,
                &CLASSIFIER,
                "GET /x",
                &mut tokens,
                forget,
                attempt
            ),
            Err(Error::Unauthorized(
                "GET /x answered 401: still no, even with a renewed token".into()
            ))
        );
        assert_eq!(host.authorization(2), "Bearer t2");
        assert_eq!(tokens, (None, 3), "the refused token is not kept");
        host.assert_done();
    }
}
