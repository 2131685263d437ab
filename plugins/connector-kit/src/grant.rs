//! The pieces of a token grant that the platforms share: Basic client credentials, judging a
//! refused grant, reading the token of a reply, and the one renewal a refused token gets.
//!
//! Each connector keeps its own grant (which request, which reply fields, when to renew); these
//! are the parts that read the same on every platform, so that a refused grant or a lost reply
//! is reported in the same words whichever connector met it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de::DeserializeOwned;

use crate::classify::Classifier;
use crate::host::Host;
use crate::secret::Secret;
use crate::wit::http::{Request, Response};
use crate::wit::log::Level;
use crate::wit::types::Error;

/// `base64(user:password)`, the credentials of an `Authorization: Basic` header. The parts are
/// joined with `:` as they are, not form-encoded first, as the platforms document it.
pub fn basic_credentials(user: &str, password: &str) -> Secret {
    Secret::new(STANDARD.encode(format!("{user}:{password}")))
}

/// `Basic base64(client_id:client_secret)`, a whole `Authorization` value.
pub fn basic_authorization(client_id: &str, client_secret: &Secret) -> Secret {
    let credentials = basic_credentials(client_id, client_secret.expose());
    Secret::new(format!("Basic {}", credentials.expose()))
}

/// Whether a failed OAuth token request means the credentials were refused: 401 or 403, or a
/// 400 whose OAuth error is about the client or the grant.
pub fn grant_refused(response: &Response) -> bool {
    let oauth_error = serde_json::from_slice::<serde_json::Value>(&response.body)
        .ok()
        .and_then(|v| v.get("error")?.as_str().map(str::to_string));
    matches!(response.status, 401 | 403)
        || (response.status == 400
            && matches!(
                oauth_error.as_deref(),
                Some("invalid_client" | "invalid_grant" | "unauthorized_client")
            ))
}

/// What a connector's messages say about refused credentials: what they are called, and which
/// settings to check (`None` when the message names none).
#[derive(Debug, Clone, Copy)]
pub struct Credentials {
    /// As in `refused the {name}`: `credentials`, `client credentials`.
    pub name: &'static str,
    /// As in `; check {check}`: `client-id and client-secret`.
    pub check: Option<&'static str>,
}

/// The error for a token request (`what`) that did not succeed. A `refused` grant is
/// `unauthorized` (the operator must fix the credentials); anything else is classified as any
/// request is.
pub fn grant_failure(
    classifier: &Classifier,
    what: &str,
    response: &Response,
    refused: bool,
    credentials: Credentials,
) -> Error {
    if !refused {
        return classifier.status(what, response);
    }
    let why = classifier
        .detail(response)
        .unwrap_or_else(|| "no reason given".into());
    let check = credentials
        .check
        .map(|settings| format!("; check {settings}"))
        .unwrap_or_default();
    Error::Unauthorized(format!(
        "{what} refused the {} ({}): {why}{check}",
        credentials.name, response.status
    ))
}

/// Sends a token request (`what`): its response when it succeeded, else the error `failed`
/// makes of it. A request that got no response is classified as any request is.
pub fn send_grant<H: Host>(
    host: &mut H,
    classifier: &Classifier,
    what: &str,
    request: &Request,
    failed: impl FnOnce(&Response) -> Error,
) -> Result<Response, Error> {
    let response = host
        .send(request)
        .map_err(|e| classifier.http_error(what, &e))?;
    if (200..=299).contains(&response.status) {
        Ok(response)
    } else {
        Err(failed(&response))
    }
}

/// The reply of a successful grant (`what`). serde's message names a missing or mistyped field
/// and never quotes the token.
pub fn token_reply<T: DeserializeOwned>(what: &str, body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| {
        Error::Rejected(format!(
            "{what} answered 200 without a usable token reply: {e}"
        ))
    })
}

/// The token in field `field` of a grant's reply, refused when it is empty.
pub fn non_empty_token(what: &str, field: &str, token: String) -> Result<Secret, Error> {
    if token.is_empty() {
        Err(Error::Rejected(format!(
            "{what} answered 200 with an empty {field}"
        )))
    } else {
        Ok(Secret::new(token))
    }
}

/// A token kept until the API refuses it, for platforms whose tokens outlive what a sync asks
/// of them: a 401 renews it (see [`with_renewal`](crate::with_renewal)) rather than its expiry.
#[derive(Debug, Default)]
pub struct KeptToken(Option<Secret>);

impl KeptToken {
    /// The kept token, else the one `obtain` gets from a grant, which is kept from then on.
    pub fn get_or_obtain<H: Host>(
        &mut self,
        host: &mut H,
        obtain: impl FnOnce(&mut H) -> Result<Secret, Error>,
    ) -> Result<Secret, Error> {
        if let Some(token) = &self.0 {
            return Ok(token.clone());
        }
        let token = obtain(host)?;
        host.log(Level::Debug, "obtained an access token");
        self.0 = Some(token.clone());
        Ok(token)
    }

    /// The API refused the token: the next [`get_or_obtain`](Self::get_or_obtain) obtains
    /// another.
    pub fn forget(&mut self) {
        self.0 = None;
    }
}

/// The one renewal a refused token gets per request: the request is sent again once with a
/// new token, and a refusal of that one is final.
#[derive(Debug, Default)]
pub struct Renewal {
    done: bool,
}

impl Renewal {
    /// After a 401 to `what` (the caller has dropped the token): `unauthorized` when the token
    /// was renewed already, else `Ok` to renew it and send the request once more.
    pub fn after_refusal(
        &mut self,
        classifier: &Classifier,
        host: &mut impl Host,
        what: &str,
        response: &Response,
    ) -> Result<(), Error> {
        if self.done {
            return Err(Error::Unauthorized(format!(
                "{}, even with a renewed token",
                classifier.describe(what, response)
            )));
        }
        self.done = true;
        host.log(
            Level::Debug,
            &format!("{what}: token refused (401); renewing it and retrying once"),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::testing::{CLASSIFIER, ScriptedHost, respond, response};

    #[test]
    fn basic_credentials_are_base64_of_user_colon_password() {
        assert_eq!(
            basic_credentials("my client", "s3cr3t:x").expose(),
            "bXkgY2xpZW50OnMzY3IzdDp4"
        );
    }

    #[test]
    fn basic_header_is_base64_of_id_colon_secret() {
        let h = basic_authorization("my client", &Secret::new("s3cr3t:x"));
        assert_eq!(h.expose(), "Basic bXkgY2xpZW50OnMzY3IzdDp4");
    }

    #[test]
    fn a_grant_is_refused_by_401_403_or_an_oauth_credential_error() {
        assert!(grant_refused(&response(401, &[], "")));
        assert!(grant_refused(&response(403, &[], "")));
        for error in ["invalid_client", "invalid_grant", "unauthorized_client"] {
            let body = format!(r#"{{"error":"{error}"}}"#);
            assert!(grant_refused(&response(400, &[], &body)), "{error}");
        }
        assert!(!grant_refused(&response(
            400,
            &[],
            r#"{"error":"unsupported_grant_type"}"#
        )));
        assert!(!grant_refused(&response(502, &[], "")));
    }

    #[test]
    fn a_refused_grant_is_unauthorized_naming_the_credentials_and_what_to_check() {
        let refused = grant_failure(
            &CLASSIFIER,
            "POST /auth/token",
            &response(401, &[], "Bad key"),
            true,
            Credentials {
                name: "client credentials",
                check: Some("client-id"),
            },
        );
        assert_eq!(
            refused,
            Error::Unauthorized(
                "POST /auth/token refused the client credentials (401): Bad key; check client-id"
                    .into()
            )
        );
        let credentials = Credentials {
            name: "credentials",
            check: None,
        };
        assert_eq!(
            grant_failure(&CLASSIFIER, "x", &response(401, &[], ""), true, credentials),
            Error::Unauthorized("x refused the credentials (401): no reason given".into())
        );
        assert!(matches!(
            grant_failure(
                &CLASSIFIER,
                "x",
                &response(502, &[], ""),
                false,
                credentials
            ),
            Error::Transient(_)
        ));
    }

    #[test]
    fn a_token_reply_yields_its_token_and_names_what_is_missing() {
        #[derive(Deserialize)]
        struct Reply {
            access_token: String,
        }
        let reply: Reply = token_reply("T", br#"{"access_token":"tok"}"#).unwrap();
        assert_eq!(
            non_empty_token("T", "access_token", reply.access_token)
                .unwrap()
                .expose(),
            "tok"
        );
        assert!(matches!(
            token_reply::<Reply>("T", b"<html>"),
            Err(Error::Rejected(m)) if m.starts_with("T answered 200 without a usable token reply")
        ));
        assert_eq!(
            non_empty_token("T", "access_token", String::new()),
            Err(Error::Rejected(
                "T answered 200 with an empty access_token".into()
            ))
        );
    }

    #[test]
    fn a_failed_grant_is_what_the_connector_makes_of_it() {
        let mut host = ScriptedHost::default()
            .expect("POST http://a/token", respond(401, &[], ""))
            .expect("POST http://a/token", respond(200, &[], "{}"));
        let request = Request {
            method: "POST".into(),
            url: "http://a/token".into(),
            headers: Vec::new(),
            body: None,
        };
        let refused = |_: &Response| Error::Unauthorized("refused".into());
        assert_eq!(
            send_grant(&mut host, &CLASSIFIER, "T", &request, refused),
            Err(Error::Unauthorized("refused".into()))
        );
        assert!(send_grant(&mut host, &CLASSIFIER, "T", &request, refused).is_ok());
        host.assert_done();
    }

    #[test]
    fn a_kept_token_is_obtained_once_until_it_is_forgotten() {
        let mut host = ScriptedHost::default();
        let mut kept = KeptToken::default();
        let mut grants = 0;
        let mut obtain = |_: &mut ScriptedHost| {
            grants += 1;
            Ok(Secret::new(format!("tok-{grants}")))
        };
        assert_eq!(
            kept.get_or_obtain(&mut host, &mut obtain).unwrap().expose(),
            "tok-1"
        );
        assert_eq!(
            kept.get_or_obtain(&mut host, &mut obtain).unwrap().expose(),
            "tok-1"
        );
        kept.forget();
        assert_eq!(
            kept.get_or_obtain(&mut host, &mut obtain).unwrap().expose(),
            "tok-2"
        );
        assert_eq!(host.logs, ["obtained an access token"; 2]);
    }

    #[test]
    fn a_refused_token_is_renewed_once_and_then_unauthorized() {
        let mut host = ScriptedHost::default();
        let mut renewal = Renewal::default();
        let refused = response(401, &[], "expired");
        assert_eq!(
            renewal.after_refusal(&CLASSIFIER, &mut host, "GET /x", &refused),
            Ok(())
        );
        assert_eq!(
            host.logs,
            ["GET /x: token refused (401); renewing it and retrying once"]
        );
        assert_eq!(
            renewal.after_refusal(&CLASSIFIER, &mut host, "GET /x", &refused),
            Err(Error::Unauthorized(
                "GET /x answered 401: expired, even with a renewed token".into()
            ))
        );
    }
}
