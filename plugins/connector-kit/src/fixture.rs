//! Recorded fixtures (`ccsync-fixture/1`): a connector's HTTP exchanges kept as JSON files and
//! served in place of the network, so that a connector is tested with no platform at hand.
//!
//! One format serves both ends: `ccsync plugin test --record DIR` / `--fixture DIR` records and
//! replays a component's exchanges, and [`FixtureHost`](crate::testing::FixtureHost) replays
//! the same directory to the connector compiled natively (what
//! [`LiveHost`](crate::testing::LiveHost) recorded, too).
//!
//! A fixture is a directory:
//!
//! - `fixture.json`: `{"format": "ccsync-fixture/1", "endpoint": "<base URL>"}`, the endpoint
//!   the exchanges were recorded against (it fills `{endpoint}` in the settings on replay);
//! - `exchanges/0001.json`, `0002.json`…, one per request, in the order they were made:
//!   `{"request": {"method": "GET", "url": "…"}, "response": {"status": 200, "headers":
//!   [["content-type", "application/json"]], "body": "…"}}`; a body that is not UTF-8 is
//!   `"body_hex"` instead of `"body"`.
//!
//! Request headers and bodies are not kept: they carry the credentials. (A token grant's
//! reply is kept: record against a test account.) A request is answered by the next unserved
//! exchange of the same method and URL; once they are all served, the last one is served again
//! (a re-read of the same page). A request with no exchange at all has no answer.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The `format` of `fixture.json`.
pub const FORMAT: &str = "ccsync-fixture/1";

/// Why a fixture cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A file is not what the format says.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FixtureError + '_ {
    move |source| FixtureError::Io {
        path: path.to_owned(),
        source,
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    endpoint: String,
}

/// A recorded response: what a replayed request is answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The HTTP status.
    pub status: u16,
    /// The response headers, as `(name, value)`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// One request and the response it got.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exchange {
    request: RecordedRequest,
    response: RecordedResponse,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RecordedRequest {
    method: String,
    url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RecordedResponse {
    status: u16,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_hex: Option<String>,
}

impl Exchange {
    /// The exchange of a request (`method`, `url`) and its response, as a fixture keeps it:
    /// without the request's headers and body, and without the response's `Date`, which
    /// changes on every run and says nothing about the connector.
    pub fn new(method: &str, url: &str, response: &Recorded) -> Exchange {
        let (body, body_hex) = match std::str::from_utf8(&response.body) {
            Ok(text) => (Some(text.to_owned()), None),
            Err(_) => (None, Some(hex::encode(&response.body))),
        };
        Exchange {
            request: RecordedRequest {
                method: method.to_owned(),
                url: url.to_owned(),
            },
            response: RecordedResponse {
                status: response.status,
                headers: response
                    .headers
                    .iter()
                    .filter(|(name, _)| !name.eq_ignore_ascii_case("date"))
                    .cloned()
                    .collect(),
                body,
                body_hex,
            },
        }
    }

    fn response(&self, path: &Path) -> Result<Recorded, FixtureError> {
        let body = match (&self.response.body, &self.response.body_hex) {
            (Some(text), _) => text.clone().into_bytes(),
            (None, Some(hex)) => hex::decode(hex).map_err(|e| FixtureError::Invalid {
                path: path.to_owned(),
                message: format!("body_hex: {e}"),
            })?,
            (None, None) => Vec::new(),
        };
        Ok(Recorded {
            status: self.response.status,
            headers: self.response.headers.clone(),
            body,
        })
    }
}

/// A fixture loaded for replay.
#[derive(Debug)]
pub struct Replay {
    endpoint: String,
    queues: HashMap<(String, String), ReplayQueue>,
}

#[derive(Debug)]
struct ReplayQueue {
    unserved: VecDeque<Recorded>,
    last: Recorded,
}

impl Replay {
    /// Reads a fixture directory.
    pub fn open(dir: &Path) -> Result<Replay, FixtureError> {
        let header_path = dir.join("fixture.json");
        let header: Header = read_json(&header_path)?;
        if header.format != FORMAT {
            return Err(FixtureError::Invalid {
                path: header_path,
                message: format!("format {:?} is not {FORMAT:?}", header.format),
            });
        }
        let exchanges_dir = dir.join("exchanges");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&exchanges_dir)
            .map_err(io(&exchanges_dir))?
            .map(|entry| entry.map(|e| e.path()).map_err(io(&exchanges_dir)))
            .collect::<Result<_, _>>()?;
        files.retain(|p| p.extension().is_some_and(|e| e == "json"));
        files.sort();
        let mut queues: HashMap<(String, String), ReplayQueue> = HashMap::new();
        for file in files {
            let exchange: Exchange = read_json(&file)?;
            let response = exchange.response(&file)?;
            let key = (exchange.request.method, exchange.request.url);
            match queues.get_mut(&key) {
                Some(queue) => queue.unserved.push_back(response),
                None => {
                    queues.insert(
                        key,
                        ReplayQueue {
                            unserved: VecDeque::from([response.clone()]),
                            last: response,
                        },
                    );
                }
            }
        }
        Ok(Replay {
            endpoint: header.endpoint,
            queues,
        })
    }

    /// The endpoint the fixture was recorded against.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The recorded response to `method url`; `None` when the fixture has no exchange for it.
    pub fn answer(&mut self, method: &str, url: &str) -> Option<Recorded> {
        let queue = self.queues.get_mut(&(method.to_owned(), url.to_owned()))?;
        match queue.unserved.pop_front() {
            Some(response) => {
                queue.last = response.clone();
                Some(response)
            }
            None => Some(queue.last.clone()),
        }
    }
}

/// Writes `exchanges` as a fixture recorded against `endpoint`, replacing the directory's
/// earlier exchanges.
pub fn write(dir: &Path, endpoint: &str, exchanges: &[Exchange]) -> Result<(), FixtureError> {
    let exchanges_dir = dir.join("exchanges");
    if exchanges_dir.exists() {
        std::fs::remove_dir_all(&exchanges_dir).map_err(io(&exchanges_dir))?;
    }
    std::fs::create_dir_all(&exchanges_dir).map_err(io(&exchanges_dir))?;
    write_json(
        &dir.join("fixture.json"),
        &Header {
            format: FORMAT.into(),
            endpoint: endpoint.trim_end_matches('/').to_owned(),
        },
    )?;
    for (n, exchange) in exchanges.iter().enumerate() {
        write_json(&exchanges_dir.join(format!("{:04}.json", n + 1)), exchange)?;
    }
    Ok(())
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, FixtureError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    serde_json::from_str(&text).map_err(|e| FixtureError::Invalid {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), FixtureError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| FixtureError::Invalid {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    text.push('\n');
    std::fs::write(path, text).map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(status: u16, body: &[u8]) -> Recorded {
        Recorded {
            status,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("date".into(), "Mon, 01 Jan 2024 00:00:00 GMT".into()),
            ],
            body: body.to_vec(),
        }
    }

    #[test]
    fn a_recording_replays_in_order_per_request_then_repeats_its_last_answer() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = ("http://127.0.0.1:1/a", "http://127.0.0.1:1/b");
        let exchanges = [
            Exchange::new("GET", a, &recorded(200, b"first")),
            Exchange::new("GET", b, &recorded(404, &[0xff, 0x00])),
            Exchange::new("GET", a, &recorded(200, b"second")),
        ];
        write(dir.path(), "http://127.0.0.1:1/", &exchanges).unwrap();
        let first = std::fs::read_to_string(dir.path().join("exchanges/0001.json")).unwrap();
        assert!(!first.contains("date"), "the date header is not kept");

        let mut replay = Replay::open(dir.path()).unwrap();
        assert_eq!(replay.endpoint(), "http://127.0.0.1:1");
        assert_eq!(replay.answer("GET", a).unwrap().body, b"first");
        assert_eq!(replay.answer("GET", b).unwrap().body, [0xff, 0x00]);
        assert_eq!(replay.answer("GET", a).unwrap().body, b"second");
        assert_eq!(replay.answer("GET", a).unwrap().body, b"second");
        assert_eq!(replay.answer("GET", "http://127.0.0.1:1/c"), None);
        assert_eq!(replay.answer("POST", a), None);
    }

    #[test]
    fn a_fixture_of_another_format_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("fixture.json"),
            r#"{"format": "ccsync-fixture/9", "endpoint": "http://x"}"#,
        )
        .unwrap();
        let err = Replay::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("fixture.json"), "{err}");
        assert!(err.contains("ccsync-fixture/9"), "{err}");
    }
}
