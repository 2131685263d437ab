//! The host side of the `http` interface: what an outbound request may be, and which origins
//! it may reach.
//!
//! A plugin's request is parsed once into an [`OutboundRequest`] that holds only what the
//! contract allows: one of the five methods the WIT lists, an absolute http(s) URL without
//! credentials, and end-to-end headers. Hop-by-hop and routing headers are the host's to set:
//! a plugin choosing its own `Host` could reach another virtual host behind an allowed
//! address, and `Connection`, `Transfer-Encoding` and the like would let it frame the request
//! itself. URL userinfo is refused rather than turned into an `Authorization` header behind
//! the plugin's back. The [`OriginPolicy`] then checks the origin.

use std::fmt;

use ccsync_plugin::OriginPattern;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use crate::bindings::http;

/// The methods the contract allows (`wit/connector.wit`, `request.method`).
pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Headers a plugin may not set: hop-by-hop headers (RFC 9110 §7.6.1) and headers that route
/// or frame the request, which the host sets itself. `proxy-*` and `x-forwarded-*` are refused
/// by prefix.
const HOST_ONLY_HEADERS: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
    "expect",
    "forwarded",
    "via",
    "max-forwards",
    "x-real-ip",
];
const HOST_ONLY_PREFIXES: &[&str] = &["proxy-", "x-forwarded-"];

/// Why a request was refused before it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The method is not one of [`METHODS`].
    Method(String),
    /// The URL is not an absolute http(s) URL.
    Url { url: String, reason: String },
    /// The URL carries a user name or password.
    Userinfo,
    /// The header is the host's to set.
    HostOnlyHeader(String),
    /// The header's name or value is not valid HTTP.
    InvalidHeader { name: String, reason: String },
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::Method(method) => write!(
                f,
                "method {method:?} is not allowed (allowed: {})",
                METHODS.join(", ")
            ),
            Refused::Url { url, reason } => write!(f, "bad URL {url:?}: {reason}"),
            Refused::Userinfo => f.write_str(
                "the URL carries credentials (user:password@); send them in a header instead",
            ),
            Refused::HostOnlyHeader(name) => {
                write!(f, "header `{name}` is not allowed: the host sets it")
            }
            Refused::InvalidHeader { name, reason } => {
                write!(f, "header `{name}` is invalid: {reason}")
            }
        }
    }
}

/// A request that obeys the contract, ready to be checked against the origins and sent.
#[derive(Debug)]
pub struct OutboundRequest {
    /// One of [`METHODS`].
    pub method: Method,
    /// An absolute http(s) URL without userinfo (its origin is checked separately).
    pub url: Url,
    /// End-to-end headers only: valid, and none the host sets itself.
    pub headers: HeaderMap,
    /// The body, as the plugin gave it.
    pub body: Option<Vec<u8>>,
}

impl OutboundRequest {
    /// Parses a plugin's request; the error names what is not allowed.
    pub fn parse(request: http::Request) -> Result<OutboundRequest, Refused> {
        let http::Request {
            method,
            url,
            headers,
            body,
        } = request;
        if !METHODS.contains(&method.as_str()) {
            return Err(Refused::Method(method));
        }
        let method = Method::from_bytes(method.as_bytes()).map_err(|_| Refused::Method(method))?;
        let parsed = Url::parse(&url).map_err(|e| Refused::Url {
            url: url.clone(),
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Refused::Url {
                url,
                reason: "only http and https URLs are allowed".into(),
            });
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Refused::Userinfo);
        }
        let mut map = HeaderMap::with_capacity(headers.len());
        for http::Header { name, value } in headers {
            let header =
                HeaderName::from_bytes(name.as_bytes()).map_err(|e| Refused::InvalidHeader {
                    name: name.clone(),
                    reason: e.to_string(),
                })?;
            let lower = header.as_str();
            if HOST_ONLY_HEADERS.contains(&lower)
                || HOST_ONLY_PREFIXES.iter().any(|p| lower.starts_with(p))
            {
                return Err(Refused::HostOnlyHeader(name));
            }
            let value = HeaderValue::from_str(&value).map_err(|e| Refused::InvalidHeader {
                name: name.clone(),
                reason: e.to_string(),
            })?;
            map.append(header, value);
        }
        Ok(OutboundRequest {
            method,
            url: parsed,
            headers: map,
            body,
        })
    }
}

/// The origins a plugin instance may call: a request must match one pattern the plugin
/// declared and one the operator allowed.
#[derive(Debug, Clone, Default)]
pub struct OriginPolicy {
    declared: Vec<OriginPattern>,
    allowed: Vec<OriginPattern>,
}

impl OriginPolicy {
    pub fn new(declared: Vec<OriginPattern>, allowed: Vec<OriginPattern>) -> Self {
        OriginPolicy { declared, allowed }
    }

    /// Checks a request URL; the error says why it is refused.
    pub fn check(&self, url: &Url) -> Result<(), String> {
        let scheme = url.scheme();
        let host = url.host_str().ok_or_else(|| format!("{url} has no host"))?;
        let port = url.port();
        let origin = match url.port_or_known_default() {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        };
        if !self.declared.iter().any(|p| p.matches(scheme, host, port)) {
            return Err(format!(
                "origin {origin} is not declared by the plugin (declared: {})",
                list(&self.declared)
            ));
        }
        if !self.allowed.iter().any(|p| p.matches(scheme, host, port)) {
            return Err(format!(
                "origin {origin} is not allowed for this connection (allowed: {})",
                list(&self.allowed)
            ));
        }
        Ok(())
    }
}

fn list(patterns: &[OriginPattern]) -> String {
    if patterns.is_empty() {
        return "none".into();
    }
    patterns
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(s: &str) -> OriginPattern {
        s.parse().expect("valid pattern")
    }

    fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> http::Request {
        http::Request {
            method: method.into(),
            url: url.into(),
            headers: headers
                .iter()
                .map(|(name, value)| http::Header {
                    name: (*name).into(),
                    value: (*value).into(),
                })
                .collect(),
            body: None,
        }
    }

    #[test]
    fn a_request_needs_an_origin_both_declared_and_allowed() {
        let policy = OriginPolicy::new(
            vec![pattern("http://127.0.0.1:*")],
            vec![pattern("http://127.0.0.1:8080")],
        );
        let url = |s: &str| Url::parse(s).unwrap();
        assert!(policy.check(&url("http://127.0.0.1:8080/agents")).is_ok());
        let undeclared = policy.check(&url("http://localhost:8080/")).unwrap_err();
        assert!(undeclared.contains("not declared"), "{undeclared}");
        let not_allowed = policy.check(&url("http://127.0.0.1:9090/")).unwrap_err();
        assert!(not_allowed.contains("not allowed"), "{not_allowed}");
    }

    #[test]
    fn exactly_the_five_contract_methods_are_allowed() {
        for method in METHODS {
            let parsed = OutboundRequest::parse(request(method, "https://a.test/", &[])).unwrap();
            assert_eq!(parsed.method.as_str(), method);
        }
        for method in ["TRACE", "CONNECT", "OPTIONS", "HEAD", "get", "PROPFIND"] {
            assert_eq!(
                OutboundRequest::parse(request(method, "https://a.test/", &[])).unwrap_err(),
                Refused::Method(method.into())
            );
        }
    }

    #[test]
    fn hop_by_hop_and_routing_headers_are_refused_by_name() {
        for name in [
            "Host",
            "connection",
            "Transfer-Encoding",
            "Keep-Alive",
            "TE",
            "Trailer",
            "Upgrade",
            "Proxy-Authorization",
            "Proxy-Connection",
            "Content-Length",
            "X-Forwarded-Host",
            "Forwarded",
        ] {
            let refused = OutboundRequest::parse(request("GET", "https://a.test/", &[(name, "x")]))
                .unwrap_err();
            assert_eq!(refused, Refused::HostOnlyHeader(name.into()));
            assert!(refused.to_string().contains(&format!("`{name}`")));
        }
        let ok = OutboundRequest::parse(request(
            "POST",
            "https://a.test/",
            &[
                ("Authorization", "Bearer t"),
                ("Accept", "application/json"),
            ],
        ))
        .unwrap();
        assert_eq!(ok.headers.len(), 2);
    }

    #[test]
    fn an_invalid_header_is_refused_naming_it() {
        let refused =
            OutboundRequest::parse(request("GET", "https://a.test/", &[("X-Note", "a\r\nb")]))
                .unwrap_err();
        assert!(
            matches!(&refused, Refused::InvalidHeader { name, .. } if name == "X-Note"),
            "{refused:?}"
        );
        let refused =
            OutboundRequest::parse(request("GET", "https://a.test/", &[("Bad Name", "v")]))
                .unwrap_err();
        assert!(
            refused
                .to_string()
                .starts_with("header `Bad Name` is invalid"),
            "{refused}"
        );
    }

    #[test]
    fn urls_with_userinfo_or_another_scheme_are_refused() {
        for url in [
            "https://user:pw@a.test/",
            "https://user@a.test/",
            "https://:pw@a.test/",
        ] {
            assert_eq!(
                OutboundRequest::parse(request("GET", url, &[])).unwrap_err(),
                Refused::Userinfo,
                "{url}"
            );
        }
        for url in ["ftp://a.test/", "file:///etc/passwd", "/relative"] {
            assert!(
                matches!(
                    OutboundRequest::parse(request("GET", url, &[])),
                    Err(Refused::Url { .. })
                ),
                "{url}"
            );
        }
    }
}
