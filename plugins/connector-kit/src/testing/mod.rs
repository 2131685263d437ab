//! What the connectors' native tests share (feature `test-support`): hosts to run a connector
//! natively over ([`ScriptedHost`], which answers from a script on a clock moved by hand;
//! [`FixtureHost`], which replays a recorded fixture; [`LiveHost`] with feature `live-http`,
//! which sends over real HTTP and records), reply builders, and the check that a `plugin.toml`
//! declares what the connector declares.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde_json::Value;

#[cfg(feature = "live-http")]
mod live;
mod replay;

#[cfg(feature = "live-http")]
pub use live::LiveHost;
pub use replay::FixtureHost;

use crate::classify::{Classifier, quote_body};
use crate::guest::{About, Connector};
use crate::host::{Host, header, header_value};
use crate::kind::kind_name;
use crate::wit::http::{HttpError, Request, Response};
use crate::wit::log::Level;
use crate::wit::types::{Error, Kind, Page};

/// A classifier for tests of code that classifies: a failed response's body is its
/// explanation, messages point at `base-url`, replies are made smaller with `page-size`.
pub const CLASSIFIER: Classifier = Classifier {
    explain: |response| quote_body(&response.body),
    url_settings: "base-url",
    origin: "the origin",
    page_size: Some("page-size"),
};

/// What the scripted host answers to one request.
pub type Reply = Result<Response, HttpError>;

/// A host that answers from a script and checks each request (`METHOD url`) against it, in
/// order, with a clock that only moves when a test moves it. It panics on a request the
/// script does not expect.
#[derive(Debug)]
pub struct ScriptedHost {
    script: VecDeque<(String, Reply)>,
    /// Every request sent, in order.
    pub sent: Vec<Request>,
    /// Every log line written, in order.
    pub logs: Vec<String>,
    start: Instant,
    elapsed: Duration,
}

impl Default for ScriptedHost {
    fn default() -> Self {
        Self {
            script: VecDeque::new(),
            sent: Vec::new(),
            logs: Vec::new(),
            start: Instant::now(),
            elapsed: Duration::ZERO,
        }
    }
}

impl ScriptedHost {
    /// Expects the request `call` (`METHOD url`) next, after those already expected, and
    /// answers it with `reply`.
    pub fn expect(mut self, call: impl Into<String>, reply: Reply) -> Self {
        self.then(call, reply);
        self
    }

    /// [`expect`](Self::expect), on a host already in use.
    pub fn then(&mut self, call: impl Into<String>, reply: Reply) {
        self.script.push_back((call.into(), reply));
    }

    /// Moves the clock on.
    pub fn advance(&mut self, by: Duration) {
        self.elapsed += by;
    }

    /// Panics when an expected request was never made.
    pub fn assert_done(&self) {
        let left: Vec<_> = self.script.iter().map(|(c, _)| c).collect();
        assert!(left.is_empty(), "requests never made: {left:?}");
    }

    /// The value of header `name` of the `index`th request sent, or `""`.
    pub fn header(&self, index: usize, name: &str) -> &str {
        header_value(&self.sent[index].headers, name).unwrap_or_default()
    }

    /// The `Authorization` header of the `index`th request sent, or `""`.
    pub fn authorization(&self, index: usize) -> &str {
        self.header(index, "Authorization")
    }

    /// The body of the `index`th request sent, as JSON.
    pub fn json_body(&self, index: usize) -> Value {
        let body = self.sent[index].body.as_deref().unwrap_or_default();
        serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("request {index} has no JSON body: {e}"))
    }
}

impl Host for ScriptedHost {
    fn send(&mut self, request: &Request) -> Reply {
        self.sent.push(request.clone());
        let call = format!("{} {}", request.method, request.url);
        let (expected, reply) = self
            .script
            .pop_front()
            .unwrap_or_else(|| panic!("unexpected request {call}"));
        assert_eq!(call, expected);
        reply
    }

    fn log(&mut self, _level: Level, message: &str) {
        self.logs.push(message.to_string());
    }

    fn now(&self) -> Instant {
        self.start + self.elapsed
    }
}

/// The longest read [`read_all`] follows: a connector whose cursors never end is a bug to
/// report, not a test to hang.
pub const MAX_PAGES: usize = 10_000;

/// Every page of a read of `kind` (from `since`, when given), following the cursors as the
/// host does; the first error ends it. Panics past [`MAX_PAGES`] pages.
pub fn read_all<C: Connector, H: Host>(
    connector: &mut C,
    host: &mut H,
    kind: Kind,
    since: Option<&str>,
) -> Result<Vec<Page>, Error> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        assert!(
            pages.len() < MAX_PAGES,
            "the read did not end within {MAX_PAGES} pages"
        );
        let page = connector.read(host, kind, cursor.as_deref(), since)?;
        cursor = page.next_cursor.clone();
        pages.push(page);
        if cursor.is_none() {
            return Ok(pages);
        }
    }
}

/// A response with this status, headers and body.
pub fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
    Response {
        status,
        headers: headers.iter().map(|(n, v)| header(n, v)).collect(),
        body: body.as_bytes().to_vec(),
    }
}

/// The scripted host's reply: a response with this status, headers and body.
pub fn respond(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    Ok(response(status, headers, body))
}

/// A 200 with this JSON body.
pub fn json_ok(body: Value) -> Reply {
    respond(200, &[], &body.to_string())
}

/// A 204 with an empty body.
pub fn no_content() -> Reply {
    respond(204, &[], "")
}

/// Panics unless the manifest text declares what the connector declares (its name, version,
/// reads, writes and origins), with a vendor and a description.
pub fn assert_manifest_declares(manifest: &str, declared: &About) {
    let manifest: toml::Table = manifest
        .parse()
        .unwrap_or_else(|e| panic!("plugin.toml is not TOML: {e}"));
    let strings = |key: &str| -> Vec<String> {
        manifest[key]
            .as_array()
            .unwrap_or_else(|| panic!("plugin.toml: {key} is not an array"))
            .iter()
            .map(|v| {
                v.as_str()
                    .unwrap_or_else(|| panic!("{key}: {v}"))
                    .to_string()
            })
            .collect()
    };
    let names = |kinds: &[Kind]| -> Vec<String> {
        kinds.iter().map(|k| kind_name(*k).to_string()).collect()
    };
    let strs = |all: &[&str]| -> Vec<String> { all.iter().map(|s| s.to_string()).collect() };
    assert_eq!(manifest["name"].as_str(), Some(declared.name));
    assert_eq!(manifest["version"].as_str(), Some(declared.version));
    assert!(
        manifest["vendor"].as_str().is_some_and(|s| !s.is_empty()),
        "plugin.toml names no vendor"
    );
    assert!(
        manifest["description"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert_eq!(strings("reads"), names(declared.reads));
    assert_eq!(strings("writes"), names(declared.writes));
    assert_eq!(strings("origins"), strs(declared.origins));
}
