"""The {{name}} connector's logic, free of the component's bindings so that plain `python3 -m
unittest` tests it: settings, the API's requests, error classification and mapping.

The API it speaks (replace it with your platform's):

- `GET {base-url}/users?page=N` with `Authorization: Bearer {token}` answers
  `{"users": [{"id", "login", "firstName", "lastName", "email", "active", "teamId"}...],
  "next": N+1 or null}`, pages counted from 1.

Failures are `ConnectorError`s named after the contract's `error` cases (app.py turns them
into the contract's types); the class tells the host what to do next:

| outcome | error |
|---|---|
| 429 | `rate-limited` (Retry-After x 1000 ms, or 30 s): the host waits |
| 5xx, timeout, broken connection, a cut-off body | `transient`: the host retries |
| 401, 403 (a static token cannot be renewed) | `unauthorized`: the operator fixes `token` |
| 404 | `not-found` |
| 3xx (redirects are not followed), origin denied, malformed request | `invalid-config` |
| 400 and other 4xx, a reply larger than the host allows | `rejected` |
"""

import json

NAME = "{{name}}"
VERSION = "0.1.0"
#: The origins it may call: your platform's, and loopback for a local mock. Keep them equal to
#: plugin.toml's.
ORIGINS = ["https://api.example.com", "http://127.0.0.1:*", "http://localhost:*"]
#: The settings this connector knows, all required.
KEYS = ("base-url", "token")
DEFAULT_RETRY_AFTER_MS = 30_000
BODY_QUOTE_CHARS = 200


class ConnectorError(Exception):
    """A failure, as one of the contract's `error` cases: `case` is its name (`transient`,
    `rate-limited`...), `value` its message (milliseconds for `rate-limited`)."""

    def __init__(self, case: str, value):
        super().__init__(f"{case}: {value}")
        self.case = case
        self.value = value


class Settings:
    """The checked settings of one connection."""

    def __init__(self, base_url: str, token: str):
        self.base_url = base_url
        self.token = token

    @staticmethod
    def parse(pairs) -> "Settings":
        """Every key known and given once, none empty; else `invalid-config` naming the key."""
        seen = {}
        for key, value in pairs:
            if key not in KEYS:
                raise ConnectorError(
                    "invalid-config", f"unknown setting `{key}` (known: {', '.join(KEYS)})"
                )
            if key in seen:
                raise ConnectorError("invalid-config", f"setting `{key}` is given twice")
            if not value.strip():
                raise ConnectorError("invalid-config", f"setting `{key}` is empty")
            seen[key] = value.strip()
        for key in KEYS:
            if key not in seen:
                raise ConnectorError("invalid-config", f"setting `{key}` is missing")
        base_url = seen["base-url"]
        if not base_url.startswith(("https://", "http://")):
            raise ConnectorError(
                "invalid-config", f"setting `base-url` must be an http(s) URL, not {base_url!r}"
            )
        return Settings(base_url.rstrip("/"), seen["token"])


def header(headers, name: str):
    """The value of the first `(name, value)` header called `name` (any case), or None."""
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def describe_failure(what: str, status: int, body: bytes) -> str:
    """`what answered STATUS[: the start of the body]`."""
    text = body.decode("utf-8", errors="replace").strip()[:BODY_QUOTE_CHARS]
    return f"{what} answered {status}" + (f": {text}" if text else "")


def status_error(what: str, status: int, headers, body: bytes) -> ConnectorError:
    """The failure for a response whose status is not a success."""
    if status == 429:
        wait = (header(headers, "Retry-After") or "").strip()
        ms = int(wait) * 1000 if wait.isascii() and wait.isdigit() else DEFAULT_RETRY_AFTER_MS
        return ConnectorError("rate-limited", min(ms, 2**64 - 1))
    described = describe_failure(what, status, body)
    if 500 <= status <= 599:
        return ConnectorError("transient", described)
    if status in (401, 403):
        return ConnectorError("unauthorized", f"{described}; check `token`")
    if status == 404:
        return ConnectorError("not-found", described)
    if 300 <= status <= 399:
        location = header(headers, "Location") or "no Location"
        return ConnectorError(
            "invalid-config", f"{described} (redirected to {location}); check `base-url`"
        )
    return ConnectorError("rejected", described)


def transport_error(what: str, case: str, detail) -> ConnectorError:
    """The failure for a request that got no response: `case` is the http-error's name."""
    if case == "denied":
        return ConnectorError(
            "invalid-config",
            f"{what}: the host denied the request ({detail}); the origin of `base-url` must "
            "be allowed for this connection",
        )
    if case == "timeout":
        return ConnectorError("transient", f"{what}: timed out")
    if case == "connection":
        return ConnectorError("transient", f"{what}: {detail}")
    if case == "too-large":
        return ConnectorError(
            "rejected", f"{what}: the reply is larger than the host allows ({detail} bytes)"
        )
    return ConnectorError(
        "invalid-config", f"{what}: the host found the request malformed ({detail}); check `base-url`"
    )


class Unmappable(Exception):
    """A record the connector cannot map; the message names the field."""


def _id(record: dict):
    value = record.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int):
        return str(value)
    return None


def _text(record: dict, field: str):
    value = record.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unmappable(f"{field} is not text: {json.dumps(value)}")
    return value.strip() or None


def user(record) -> dict:
    """One user of the API as the fields of the contract's `user`."""
    if not isinstance(record, dict):
        raise Unmappable("the record is not an object")
    user_id = _id(record)
    if user_id is None:
        raise Unmappable("id is missing")
    active = record.get("active", True)
    if active is None:
        active = True
    if not isinstance(active, bool):
        raise Unmappable(f"active is not a flag: {json.dumps(active)}")
    return {
        "id": user_id,
        "username": _text(record, "login"),
        "first_name": _text(record, "firstName"),
        "last_name": _text(record, "lastName"),
        "email": _text(record, "email"),
        "active": active,
        "team_id": _text(record, "teamId"),
    }


def users_page(what: str, body: bytes):
    """A users page's body as `(users, invalid, next_cursor)`: the mapped users, `(id, reason)`
    of each one that cannot be mapped, and the next page's cursor or None."""
    try:
        parsed = json.loads(body)
    except ValueError as error:
        raise ConnectorError(
            "transient", f"{what} answered a body that is not JSON: {error}"
        ) from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("users"), list):
        raise ConnectorError("transient", f"{what} answered JSON that is not a page of users")
    users, invalid = [], []
    for record in parsed["users"]:
        try:
            users.append(user(record))
        except Unmappable as why:
            invalid.append((_id(record) if isinstance(record, dict) else None, str(why)))
    following = parsed.get("next")
    if following is not None and (isinstance(following, bool) or not isinstance(following, int)):
        raise ConnectorError("transient", f"{what} answered a `next` that is not a page number")
    return users, invalid, None if following is None else str(following)


class Api:
    """One configured connection. `send(method, url, headers)` is the host's `http.send` as
    app.py adapts it: `(status, [(name, value)...], body)`, or a `ConnectorError`."""

    def __init__(self, settings: Settings, send):
        self.settings = settings
        self.send = send

    def users_page(self, cursor):
        """Page `cursor` (None: the first) as `users_page` returns it."""
        if cursor is None:
            page = 1
        elif cursor.isascii() and cursor.isdigit():
            page = int(cursor)
        else:
            raise ConnectorError("rejected", f"cursor {cursor!r} is not a page number")
        path = f"/users?page={page}"
        what = f"GET {path}"
        headers = [
            ("Accept", "application/json"),
            ("Authorization", f"Bearer {self.settings.token}"),
        ]
        status, reply_headers, body = self.send("GET", self.settings.base_url + path, headers, what)
        if not 200 <= status <= 299:
            raise status_error(what, status, reply_headers, body)
        return users_page(what, body)
