//! An Admin API platform as a whole connector: what a platform adds to the shared [`Client`]
//! (what it declares, its settings, its sign-in) is a [`Platform`], and the client of any
//! platform is then a connector-kit [`Connector`], exported as it is.

use connector_kit::wit::types::{Error, KeyValue, Kind, Page};
use connector_kit::{About, Connector, Host};

use crate::auth::Auth;
use crate::client::Client;

/// One platform serving the Admin API: its sign-in (this type) and what the connector for it
/// declares and is configured with.
pub trait Platform: Auth + Sized + Send + 'static {
    /// What the connector declares.
    const ABOUT: About;
    /// Why the connector writes nothing (the Admin API platforms are sources).
    const NO_WRITES: &'static str;
    /// Why it searches no users.
    const NO_SEARCH: &'static str;
    /// Why it reads no record by id.
    const NO_GET: &'static str = "no read by id: read the kind's pages";

    /// The sign-in for these settings, and the page size they ask for.
    fn configure(settings: &[KeyValue]) -> Result<(Self, u32), Error>;
}

impl<P: Platform> Connector for Client<P> {
    const ABOUT: About = P::ABOUT;
    const NO_WRITES: &'static str = P::NO_WRITES;
    const NO_GET: &'static str = P::NO_GET;
    const NO_SEARCH: &'static str = P::NO_SEARCH;

    fn configure(settings: &[KeyValue]) -> Result<Self, Error> {
        let (auth, page_size) = P::configure(settings)?;
        Ok(Client::new(auth, page_size))
    }

    // `Client::check` and `Client::read` name the inherent methods (which serve any `Auth`,
    // a test's fake too): inherent methods come first in path resolution.
    fn check<H: Host>(&mut self, host: &mut H) -> Result<(), Error> {
        Client::check(self, host)
    }

    fn read<H: Host>(
        &mut self,
        host: &mut H,
        kind: Kind,
        cursor: Option<&str>,
        since: Option<&str>,
    ) -> Result<Page, Error> {
        Client::read(self, host, kind, cursor, since)
    }
}
