"""Requests to the SCIM service through the contract's `http` import, nothing else.

The sandbox has no sockets: every request is a call of the host's `http.send`, which this
client is given (the component passes the import, the unit tests a scripted function). The
client adds what every SCIM request carries (the bearer token, the SCIM media type), turns a
request that got no response into the contract's error, and reads JSON bodies, refusing one
that is not a JSON object with `rejected` rather than failing the call.
"""

import json
from urllib.parse import quote, urlencode

from componentize_py_types import Err
from wit_world.imports import http

from .errors import http_error, rejected, status_error
from .settings import Settings

#: SCIM's media type (RFC 7644 §3.1); plain JSON is accepted in replies too.
SCIM_JSON = "application/scim+json"


class ScimClient:
    """One connection's requests: `settings` say where and with which token, `send` is the
    host's `http.send`."""

    def __init__(self, settings: Settings, send):
        self.settings = settings
        self._send = send

    def url(self, path: str, query=None) -> str:
        """The base URL followed by `path` and the query, percent-encoded (spaces as `%20`)."""
        url = self.settings.base_url + path
        if query:
            url += "?" + urlencode(query, quote_via=quote)
        return url

    def request(self, method: str, path: str, what: str, query=None, body=None, headers=()):
        """Sends one request and returns its response, whatever its status; a request that
        got no response raises the contract's error for it."""
        sent = [
            http.Header("Authorization", f"Bearer {self.settings.token}"),
            http.Header("Accept", f"{SCIM_JSON}, application/json"),
            *headers,
        ]
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            sent.append(http.Header("Content-Type", SCIM_JSON))
        try:
            return self._send(http.Request(method, self.url(path, query), sent, data))
        except Err as failure:
            raise http_error(what, failure.value) from None

    def expect(self, response, what: str, statuses=(200,)):
        """`response` when its status is one of `statuses`, else the error its status means."""
        if response.status not in statuses:
            raise status_error(what, response)
        return response

    @staticmethod
    def json_object(response, what: str) -> dict:
        """The body as a JSON object, or `rejected` naming the request."""
        try:
            body = json.loads(response.body)
        except ValueError as error:
            raise rejected(f"{what} answered a body that is not JSON: {error}") from None
        if not isinstance(body, dict):
            raise rejected(f"{what} answered JSON that is not an object")
        return body


def path_segment(value: str) -> str:
    """`value` as one path segment (an id with `/` or `?` stays one segment)."""
    return quote(value, safe="")


def string_literal(value: str) -> str:
    """`value` as a SCIM filter string (RFC 7644 §3.4.2.2: JSON string syntax)."""
    return json.dumps(value)
