"""A scripted stand-in for the host's `http.send`, so the unit tests run the connector's
code natively: each request is checked against the next expected one and answered with its
scripted response, and the requests are kept for the test to look at."""

import json
from urllib.parse import parse_qsl, urlsplit

from componentize_py_types import Err
from wit_world.imports import http, types

from scim_connector import settings
from scim_connector.connector import ScimConnector

BASE = "https://scim.example.com/scim/v2"
TOKEN = "t0ken-s3cret"


def response(status, body=None, headers=()):
    """A response whose body is `body` as JSON (bytes and str as they are)."""
    if body is None:
        data = b""
    elif isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = json.dumps(body).encode()
    return http.Response(status, [http.Header(k, v) for k, v in headers], data)


def list_response(resources, total=None, headers=()):
    """A SCIM ListResponse; `Resources` left out when `resources` is None, `totalResults`
    when `total` is."""
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]}
    if total is not None:
        body["totalResults"] = total
    if resources is not None:
        body["Resources"] = resources
    return response(200, body, headers)


class Sent:
    """One request as the connector sent it."""

    def __init__(self, request):
        self.method = request.method
        parts = urlsplit(request.url)
        self.path = parts.path.removeprefix(urlsplit(BASE).path)
        self.query = dict(parse_qsl(parts.query))
        self.headers = {h.name.lower(): h.value for h in request.headers}
        self.body = None if request.body is None else json.loads(request.body)


class Script:
    """Expected requests `(method, path)` and their answers: a response, or an HttpError."""

    def __init__(self, *steps):
        self.steps = list(steps)
        self.sent = []

    def send(self, request):
        sent = Sent(request)
        self.sent.append(sent)
        if not self.steps:
            raise AssertionError(f"unexpected request {sent.method} {sent.path}")
        (method, path), answer = self.steps.pop(0)
        if (sent.method, sent.path) != (method, path):
            raise AssertionError(f"expected {method} {path}, got {sent.method} {sent.path}")
        if isinstance(answer, http.Response):
            return answer
        raise Err(answer)

    def done(self):
        return not self.steps


def connector(script, page_size=None):
    """A connector configured for BASE over `script`; its log lines go to `script.logged`."""
    pairs = [("base-url", BASE), ("token", TOKEN)]
    if page_size is not None:
        pairs.append(("page-size", str(page_size)))
    script.logged = []
    return ScimConnector(
        settings.parse(pairs), script.send, lambda level, message: script.logged.append(message)
    )


def scim_user(user_id, user_name, **fields):
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": user_id,
        "userName": user_name,
        **fields,
    }


def hub_user(**fields):
    """A user as the host pushes it."""
    values = dict(
        id="",
        username="dave",
        first_name="Dave",
        last_name="Jones",
        email="dave@example.com",
        active=True,
        team_id=None,
        security_profile_id=None,
        roles=[],
        permissions=[],
        primary_phone=None,
        phones=[],
        employee_id=None,
        site_id=None,
        groups=["Call Center Agents"],
        password_set=None,
        extra=[],
    )
    values.update(fields)
    return types.Entity_User(types.User(**values))
