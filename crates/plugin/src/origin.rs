//! Origin patterns: which `scheme://host:port` a plugin may call.
//!
//! A plugin's manifest declares patterns and an operator's connection allows patterns; the
//! runtime lets a request through only when its origin matches a declared pattern AND an
//! operator pattern. Patterns are parsed once, here, so matching is a comparison of
//! normalised parts and never a string game.
//!
//! The rules:
//! - scheme: `http` or `https` (case-insensitive); nothing else.
//! - host: a DNS name (ASCII letters, digits, hyphens; IDNs in their `xn--` form), an IPv4
//!   address, or a bracketed IPv6 address. Compared case-insensitively.
//! - `*` may stand as the whole leftmost label and matches exactly ONE label, as in TLS
//!   certificates: `*.x.com` matches `a.x.com`, but neither `x.com` nor `a.b.x.com`. It never
//!   matches an IP address, and a bare `*` host is refused.
//! - port: a number, `*` (any port), or omitted (the scheme's default: 80 or 443). A request
//!   without an explicit port is on the default port, so `https://x.com` and
//!   `https://x.com:443` are the same origin.
//! - no user info, path, query or fragment (a pattern is an origin, not a URL).
//! - a request host with a trailing dot (`x.com.`) matches no pattern: denial is the safe side.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// Plain HTTP; default port 80.
    Http,
    /// HTTP over TLS; default port 443.
    Https,
}

impl Scheme {
    /// The scheme as written in a URL, lowercase.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// The port a URL of this scheme is on when it names none: 80 or 443.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    fn parse(s: &str) -> Option<Scheme> {
        if s.eq_ignore_ascii_case("http") {
            Some(Scheme::Http)
        } else if s.eq_ignore_ascii_case("https") {
            Some(Scheme::Https)
        } else {
            None
        }
    }
}

/// The host part of a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum HostPattern {
    /// A DNS name, lowercase.
    Name(String),
    /// `*.<suffix>`: exactly one label, then the suffix (lowercase, without the leading dot).
    AnyLabelOf(String),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
}

/// The port part of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum PortPattern {
    Exact(u16),
    Any,
}

/// A parsed, validated origin pattern such as `https://*.niceincontact.com` or
/// `http://127.0.0.1:*`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OriginPattern {
    scheme: Scheme,
    host: HostPattern,
    port: PortPattern,
}

/// Why a string is not an origin pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid origin `{pattern}`: {reason}")]
pub struct BadOrigin {
    /// The string as given.
    pub pattern: String,
    /// Which rule it breaks.
    pub reason: String,
}

impl OriginPattern {
    /// The pattern's scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Whether a request to `scheme://host[:port]` is within this pattern.
    ///
    /// `port` is the URL's explicit port, or `None` for the scheme's default (so both
    /// `url.port()` and `url.port_or_known_default()` may be passed). `host` may be an IPv6
    /// address with or without brackets (as `url::Url::host_str` gives it).
    pub fn matches(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        let Some(scheme) = Scheme::parse(scheme) else {
            return false;
        };
        if scheme != self.scheme {
            return false;
        }
        let port = port.unwrap_or(scheme.default_port());
        if let PortPattern::Exact(expected) = self.port
            && expected != port
        {
            return false;
        }
        let host = host.to_ascii_lowercase();
        let unbracketed = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&host);
        match &self.host {
            HostPattern::Ipv6(ip) => unbracketed.parse::<Ipv6Addr>().is_ok_and(|h| h == *ip),
            HostPattern::Ipv4(ip) => host.parse::<Ipv4Addr>().is_ok_and(|h| h == *ip),
            HostPattern::Name(name) => host == *name,
            HostPattern::AnyLabelOf(suffix) => one_label_under(&host, suffix),
        }
    }

    /// Whether every origin this pattern `other` matches is also matched by `self`.
    pub fn covers(&self, other: &OriginPattern) -> bool {
        if self.scheme != other.scheme {
            return false;
        }
        let port_ok = match (self.port, other.port) {
            (PortPattern::Any, _) => true,
            (PortPattern::Exact(a), PortPattern::Exact(b)) => a == b,
            (PortPattern::Exact(_), PortPattern::Any) => false,
        };
        let host_ok = match (&self.host, &other.host) {
            (HostPattern::AnyLabelOf(a), HostPattern::AnyLabelOf(b)) => a == b,
            (HostPattern::AnyLabelOf(suffix), HostPattern::Name(name)) => {
                one_label_under(name, suffix)
            }
            (a, b) => a == b,
        };
        port_ok && host_ok
    }
}

/// `host` is `<one label>.<suffix>`.
fn one_label_under(host: &str, suffix: &str) -> bool {
    host.strip_suffix(suffix)
        .and_then(|rest| rest.strip_suffix('.'))
        .is_some_and(|label| !label.is_empty() && !label.contains('.'))
}

impl FromStr for OriginPattern {
    type Err = BadOrigin;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| BadOrigin {
            pattern: s.to_owned(),
            reason: reason.to_owned(),
        };
        let (scheme, rest) = s
            .split_once("://")
            .ok_or_else(|| bad("expected `scheme://host[:port]`"))?;
        let scheme =
            Scheme::parse(scheme).ok_or_else(|| bad("the scheme must be `http` or `https`"))?;
        if let Some(c) = rest
            .chars()
            .find(|c| matches!(c, '/' | '?' | '#' | '@' | '\\') || c.is_whitespace())
        {
            let reason = match c {
                '/' | '\\' => "an origin has no path (remove everything from the first `/`)",
                '?' => "an origin has no query",
                '#' => "an origin has no fragment",
                '@' => "an origin has no user info",
                _ => "an origin contains no whitespace",
            };
            return Err(bad(reason));
        }
        let (host, port) = split_host_port(rest).map_err(|r| bad(&r))?;
        let host = parse_host(host).map_err(|r| bad(&r))?;
        let port = match port {
            None => PortPattern::Exact(scheme.default_port()),
            Some("*") => PortPattern::Any,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n != 0 && p.bytes().all(|b| b.is_ascii_digit()) => PortPattern::Exact(n),
                _ => return Err(bad("the port must be a number from 1 to 65535, or `*`")),
            },
        };
        Ok(OriginPattern { scheme, host, port })
    }
}

fn split_host_port(rest: &str) -> Result<(&str, Option<&str>), String> {
    if rest.starts_with('[') {
        let end = rest
            .find(']')
            .ok_or("an IPv6 address must be closed with `]`")?;
        let (host, after) = rest.split_at(end + 1);
        match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err("expected `:port` after the IPv6 address".into()),
            },
        }
    } else {
        match rest.split_once(':') {
            Some((host, port)) => Ok((host, Some(port))),
            None => Ok((rest, None)),
        }
    }
}

fn parse_host(host: &str) -> Result<HostPattern, String> {
    if host.is_empty() {
        return Err("the host is empty".into());
    }
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']').unwrap_or(inner);
        return inner
            .parse::<Ipv6Addr>()
            .map(HostPattern::Ipv6)
            .map_err(|_| format!("`{inner}` is not an IPv6 address"));
    }
    let host = host.to_ascii_lowercase();
    if host == "*" {
        return Err("a bare `*` host would allow every host; name a domain after `*.`".into());
    }
    if let Some(suffix) = host.strip_prefix("*.") {
        validate_name(suffix)?;
        return Ok(HostPattern::AnyLabelOf(suffix.to_owned()));
    }
    if host.contains('*') {
        return Err("`*` is allowed only as the whole leftmost label (`*.example.com`)".into());
    }
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return Ok(HostPattern::Ipv4(ip));
    }
    validate_name(&host)?;
    Ok(HostPattern::Name(host))
}

/// A DNS name of LDH labels; a numeric last label is refused, as URL parsers would read the
/// name as an IPv4 address in some other notation.
fn validate_name(name: &str) -> Result<(), String> {
    if !name.is_ascii() {
        return Err(
            "the host must be ASCII (write an international name in its `xn--` form)".into(),
        );
    }
    if name.len() > 253 {
        return Err("the host is longer than 253 characters".into());
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err(
                "the host has an empty label (two dots, or a leading or trailing dot)".into(),
            );
        }
        if label.len() > 63 {
            return Err(format!("the label `{label}` is longer than 63 characters"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(format!(
                "the label `{label}` may contain only letters, digits and `-`"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("the label `{label}` starts or ends with `-`"));
        }
    }
    if name
        .rsplit('.')
        .next()
        .is_some_and(|last| last.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "`{name}` is neither a domain name nor an IPv4 address"
        ));
    }
    Ok(())
}

/// The canonical form: lowercase, default port omitted.
impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme.as_str())?;
        match &self.host {
            HostPattern::Name(name) => f.write_str(name)?,
            HostPattern::AnyLabelOf(suffix) => write!(f, "*.{suffix}")?,
            HostPattern::Ipv4(ip) => write!(f, "{ip}")?,
            HostPattern::Ipv6(ip) => write!(f, "[{ip}]")?,
        }
        match self.port {
            PortPattern::Any => f.write_str(":*"),
            PortPattern::Exact(p) if p == self.scheme.default_port() => Ok(()),
            PortPattern::Exact(p) => write!(f, ":{p}"),
        }
    }
}

impl Serialize for OriginPattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for OriginPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> OriginPattern {
        s.parse().unwrap()
    }

    fn reason(s: &str) -> String {
        s.parse::<OriginPattern>().unwrap_err().reason
    }

    #[test]
    fn exact_host_matches_only_itself_on_the_same_scheme_and_port() {
        let pattern = p("https://api.example.com");
        assert!(pattern.matches("https", "api.example.com", None));
        assert!(pattern.matches("https", "api.example.com", Some(443)));
        assert!(!pattern.matches("https", "api.example.com", Some(8443)));
        assert!(!pattern.matches("http", "api.example.com", None));
        assert!(!pattern.matches("ftp", "api.example.com", None));
        assert!(!pattern.matches("https", "example.com", None));
        assert!(!pattern.matches("https", "x.api.example.com", None));
        assert!(!pattern.matches("https", "api.example.com.evil.net", None));
    }

    #[test]
    fn omitted_port_is_the_scheme_default() {
        assert!(p("http://h.example").matches("http", "h.example", Some(80)));
        assert!(!p("http://h.example").matches("http", "h.example", Some(443)));
        assert_eq!(p("https://h.example:443"), p("https://h.example"));
        assert_eq!(p("http://h.example:80").to_string(), "http://h.example");
        assert_eq!(
            p("https://h.example:80").to_string(),
            "https://h.example:80"
        );
    }

    #[test]
    fn star_port_matches_any_port() {
        let pattern = p("http://127.0.0.1:*");
        assert!(pattern.matches("http", "127.0.0.1", Some(8080)));
        assert!(pattern.matches("http", "127.0.0.1", None));
        assert!(!pattern.matches("https", "127.0.0.1", Some(8080)));
        assert!(!pattern.matches("http", "127.0.0.2", Some(8080)));
    }

    #[test]
    fn wildcard_matches_exactly_one_leftmost_label() {
        let pattern = p("https://*.x.com");
        assert!(pattern.matches("https", "a.x.com", None));
        assert!(pattern.matches("https", "A.X.COM", None));
        assert!(!pattern.matches("https", "x.com", None));
        assert!(!pattern.matches("https", "a.b.x.com", None));
        assert!(!pattern.matches("https", "ax.com", None));
        assert!(!pattern.matches("https", ".x.com", None));
        assert!(!pattern.matches("https", "a.x.com.", None));
    }

    #[test]
    fn wildcard_never_matches_an_ip_address() {
        let pattern = p("http://*.example.com:*");
        assert!(!pattern.matches("http", "127.0.0.1", None));
        assert!(!pattern.matches("http", "[::1]", None));
    }

    #[test]
    fn host_comparison_is_case_insensitive() {
        let pattern = p("HTTPS://API.Example.COM");
        assert_eq!(pattern.to_string(), "https://api.example.com");
        assert!(pattern.matches("HTTPS", "Api.Example.Com", None));
    }

    #[test]
    fn ipv6_literals_match_with_or_without_brackets_in_any_spelling() {
        let pattern = p("http://[::1]:8080");
        assert_eq!(pattern.to_string(), "http://[::1]:8080");
        assert!(pattern.matches("http", "[::1]", Some(8080)));
        assert!(pattern.matches("http", "::1", Some(8080)));
        assert!(pattern.matches("http", "[0:0:0:0:0:0:0:1]", Some(8080)));
        assert!(!pattern.matches("http", "[::2]", Some(8080)));
        assert!(!pattern.matches("http", "[::1]", None));
        assert_eq!(
            p("https://[2001:DB8::1]").to_string(),
            "https://[2001:db8::1]"
        );
    }

    #[test]
    fn ipv4_pattern_matches_only_that_address() {
        let pattern = p("http://10.0.0.5");
        assert!(pattern.matches("http", "10.0.0.5", None));
        assert!(!pattern.matches("http", "10.0.0.50", None));
        assert!(!pattern.matches("http", "10.0.0.5.nip.io", None));
    }

    #[test]
    fn refuses_schemes_other_than_http_and_https() {
        assert!(reason("ftp://x.com").contains("`http` or `https`"));
        assert!(reason("x.com").contains("scheme://host"));
        assert!(reason("file:///etc/passwd").contains("`http` or `https`"));
    }

    #[test]
    fn refuses_paths_queries_fragments_and_user_info() {
        assert!(reason("https://x.com/").contains("no path"));
        assert!(reason("https://x.com/api").contains("no path"));
        assert!(reason("https://x.com?a=1").contains("no query"));
        assert!(reason("https://x.com#f").contains("no fragment"));
        assert!(reason("https://u:p@x.com").contains("no user info"));
        assert!(reason("https://x .com").contains("whitespace"));
    }

    #[test]
    fn refuses_misplaced_or_bare_wildcards() {
        assert!(reason("https://*").contains("bare `*`"));
        assert!(reason("https://a.*.com").contains("leftmost"));
        assert!(reason("https://a*.x.com").contains("leftmost"));
        assert!(reason("https://**.x.com").contains("leftmost"));
        assert!(reason("https://*.").contains("empty label"));
    }

    #[test]
    fn refuses_malformed_hosts_and_ports() {
        assert!(reason("https://").contains("empty"));
        assert!(reason("https://x..com").contains("empty label"));
        assert!(reason("https://x.com.").contains("empty label"));
        assert!(reason("https://-x.com").contains("starts or ends"));
        assert!(reason("https://x_y.com").contains("letters, digits"));
        assert!(reason("https://bücher.de").contains("xn--"));
        assert!(reason("https://0x7f.1").contains("neither"));
        assert!(reason("https://256.1.1.1").contains("neither"));
        assert!(reason("https://x.com:0").contains("1 to 65535"));
        assert!(reason("https://x.com:65536").contains("1 to 65535"));
        assert!(reason("https://x.com:+80").contains("1 to 65535"));
        assert!(reason("https://x.com:").contains("1 to 65535"));
        assert!(reason("https://[::1").contains("closed"));
        assert!(reason("https://[::g]").contains("not an IPv6"));
        assert!(reason("https://[::1]x").contains("`:port`"));
    }

    #[test]
    fn display_round_trips_through_parse() {
        for s in [
            "https://api.example.com",
            "http://*.example.com:*",
            "http://127.0.0.1:8080",
            "https://[fe80::1]:*",
            "https://xn--bcher-kva.de",
        ] {
            assert_eq!(p(s).to_string(), s);
            assert_eq!(p(&p(s).to_string()), p(s));
        }
    }

    #[test]
    fn covers_means_every_match_of_the_narrower_pattern_matches_the_wider() {
        assert!(p("https://*.x.com").covers(&p("https://a.x.com")));
        assert!(p("https://*.x.com").covers(&p("https://*.x.com")));
        assert!(!p("https://*.x.com").covers(&p("https://x.com")));
        assert!(!p("https://*.x.com").covers(&p("https://a.b.x.com")));
        assert!(!p("https://a.x.com").covers(&p("https://*.x.com")));
        assert!(p("http://h.com:*").covers(&p("http://h.com:81")));
        assert!(!p("http://h.com:81").covers(&p("http://h.com:*")));
        assert!(!p("http://h.com").covers(&p("https://h.com")));
        assert!(p("https://h.com").covers(&p("https://h.com:443")));
    }
}
