//! The connector without any HTTP: the responses of one real read, recorded, then answered
//! from memory to a fresh client. What remains is the connector's own work (building
//! requests, parsing the JSON bodies, mapping agents, building pages) plus one copy of each
//! body, which a host hands over anyway.

use std::sync::Arc;

use cxone_acd::Host;
use cxone_acd::wit::http::{HttpError, Request, Response};
use cxone_acd::wit::log::Level;

/// The `METHOD url` of a request, which a replay must see in the recorded order.
fn call(request: &Request) -> String {
    format!("{} {}", request.method, request.url)
}

/// Passes requests on to `inner` and keeps every answered request with its response.
pub struct RecordingHost<H> {
    inner: H,
    exchanges: Vec<(String, Response)>,
}

impl<H: Host> RecordingHost<H> {
    pub fn new(inner: H) -> Self {
        Self {
            inner,
            exchanges: Vec::new(),
        }
    }

    /// What was recorded, in order.
    pub fn into_recording(self) -> Recording {
        Recording(Arc::new(self.exchanges))
    }
}

impl<H: Host> Host for RecordingHost<H> {
    fn send(&mut self, request: &Request) -> Result<Response, HttpError> {
        let response = self.inner.send(request)?;
        self.exchanges.push((call(request), response.clone()));
        Ok(response)
    }

    fn log(&mut self, level: Level, message: &str) {
        self.inner.log(level, message);
    }
}

/// The exchanges of one recorded read. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Recording(Arc<Vec<(String, Response)>>);

impl Recording {
    /// Number of recorded requests.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A host that answers the same requests, in the same order, from this recording.
    pub fn replay(&self) -> ReplayHost {
        ReplayHost {
            recording: self.clone(),
            next: 0,
        }
    }
}

/// Answers from a [`Recording`]. A request other than the recorded one at its position is
/// refused (`invalid-request`), so a replay that diverged fails instead of timing other work.
pub struct ReplayHost {
    recording: Recording,
    next: usize,
}

impl ReplayHost {
    /// Whether every recorded request was asked for.
    pub fn is_done(&self) -> bool {
        self.next == self.recording.len()
    }
}

impl Host for ReplayHost {
    fn send(&mut self, request: &Request) -> Result<Response, HttpError> {
        let asked = call(request);
        let index = self.next;
        match self.recording.0.get(index) {
            Some((recorded, response)) if *recorded == asked => {
                self.next += 1;
                Ok(response.clone())
            }
            Some((recorded, _)) => Err(HttpError::InvalidRequest(format!(
                "replay diverged at request {index}: recorded `{recorded}`, asked `{asked}`"
            ))),
            None => Err(HttpError::InvalidRequest(format!(
                "replay ran past its {} recorded requests: asked `{asked}`",
                self.recording.len()
            ))),
        }
    }

    fn log(&mut self, _level: Level, _message: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers every request with a 200 whose body is the request's URL.
    struct Echo;

    impl Host for Echo {
        fn send(&mut self, request: &Request) -> Result<Response, HttpError> {
            Ok(Response {
                status: 200,
                headers: Vec::new(),
                body: request.url.clone().into_bytes(),
            })
        }

        fn log(&mut self, _level: Level, _message: &str) {}
    }

    fn get(url: &str) -> Request {
        Request {
            method: "GET".into(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    fn recorded(urls: &[&str]) -> Recording {
        let mut host = RecordingHost::new(Echo);
        for url in urls {
            host.send(&get(url)).unwrap();
        }
        host.into_recording()
    }

    #[test]
    fn replay_answers_the_recorded_requests_in_order() {
        let recording = recorded(&["http://a/1", "http://a/2"]);
        let mut replay = recording.replay();
        assert_eq!(replay.send(&get("http://a/1")).unwrap().body, b"http://a/1");
        assert!(!replay.is_done());
        assert_eq!(replay.send(&get("http://a/2")).unwrap().body, b"http://a/2");
        assert!(replay.is_done());
    }

    #[test]
    fn replay_refuses_a_request_out_of_order() {
        let mut replay = recorded(&["http://a/1", "http://a/2"]).replay();
        let error = replay.send(&get("http://a/2")).unwrap_err();
        assert!(
            matches!(&error, HttpError::InvalidRequest(m) if m.contains("diverged at request 0")),
            "{error:?}"
        );
    }

    #[test]
    fn replay_refuses_a_request_past_the_recording() {
        let mut replay = recorded(&["http://a/1"]).replay();
        replay.send(&get("http://a/1")).unwrap();
        let error = replay.send(&get("http://a/1")).unwrap_err();
        assert!(
            matches!(&error, HttpError::InvalidRequest(m) if m.contains("past its 1 recorded")),
            "{error:?}"
        );
    }
}
