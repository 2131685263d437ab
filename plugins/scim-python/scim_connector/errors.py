"""Turns HTTP outcomes into the contract's `error`, which tells the host what to do next.

The table is connector-kit's (`plugins/connector-kit/src/classify.rs`), which every Rust
connector follows; this module is its Python twin with SCIM's way of explaining a failure
(RFC 7644 §3.12: an error body with `status`, `scimType` and `detail`):

| outcome | error |
|---|---|
| 429 | `rate-limited(Retry-After × 1000 ms, or 30 s)` |
| 5xx, timeout, broken connection | `transient` |
| 401, 403 (a static token cannot be renewed) | `unauthorized` |
| 404 | `not-found` |
| 400 and other 4xx | `rejected` |
| 3xx (redirects are not followed) | `invalid-config` (check `base-url`) |
| origin denied by the host, malformed request | `invalid-config` |
| body larger than the host allows | `invalid-config` (lower `page-size`) |

Messages name the request (`what`, e.g. `GET /Users (startIndex 101)`) and carry the
server's explanation when it gave one.
"""

import json

from componentize_py_types import Err
from wit_world.imports import http, types

#: The wait when a 429 has no usable `Retry-After`.
DEFAULT_RETRY_AFTER_MS = 30_000
#: The longest piece of an error body that is not SCIM's error form quoted in a message.
BODY_QUOTE_CHARS = 200


def header(headers, name: str):
    """The value of the first header called `name` (any case), or None."""
    wanted = name.lower()
    return next((h.value for h in headers if h.name.lower() == wanted), None)


def retry_after_ms(headers) -> int:
    """The wait a 429 asks for, in milliseconds. A `Retry-After` date falls back to 30 s."""
    value = (header(headers, "Retry-After") or "").strip()
    if value.isascii() and value.isdigit():
        return min(int(value) * 1000, 2**64 - 1)
    return DEFAULT_RETRY_AFTER_MS


def detail(body: bytes):
    """SCIM's explanation of a failed response (`detail (scimType)`), else the start of a body
    that is not SCIM's error form; None when the body is blank."""
    try:
        error = json.loads(body)
    except ValueError:
        error = None
    if isinstance(error, dict):
        text = error.get("detail")
        kind = error.get("scimType")
        if isinstance(text, str) and text.strip():
            return f"{text.strip()} ({kind})" if isinstance(kind, str) and kind else text.strip()
        if isinstance(kind, str) and kind:
            return kind
    text = body.decode("utf-8", errors="replace").strip()
    return text[:BODY_QUOTE_CHARS] or None


def describe(what: str, response: http.Response) -> str:
    """`what answered STATUS[: detail]`."""
    why = detail(response.body)
    return f"{what} answered {response.status}" + (f": {why}" if why else "")


def status_error(what: str, response: http.Response) -> Err:
    """The failure for a response whose status is not a success."""
    status = response.status
    if status == 429:
        return Err(types.Error_RateLimited(retry_after_ms(response.headers)))
    if 500 <= status <= 599:
        return Err(types.Error_Transient(describe(what, response)))
    if status in (401, 403):
        return Err(types.Error_Unauthorized(f"{describe(what, response)}; check `token`"))
    if status == 404:
        return Err(types.Error_NotFound(describe(what, response)))
    if 300 <= status <= 399:
        target = header(response.headers, "Location") or "no Location"
        return Err(
            types.Error_InvalidConfig(
                f"{what} answered {status} (redirect to {target}); redirects are not "
                "followed: check `base-url`"
            )
        )
    return Err(types.Error_Rejected(describe(what, response)))


def http_error(what: str, error) -> Err:
    """The failure for a request that got no response (`http.HttpError`)."""
    if isinstance(error, http.HttpError_Denied):
        return Err(
            types.Error_InvalidConfig(
                f"{what}: the host refused the request ({error.value}); the SCIM service's "
                "origin must be allowed for this connection"
            )
        )
    if isinstance(error, http.HttpError_Timeout):
        return Err(types.Error_Transient(f"{what}: timed out"))
    if isinstance(error, http.HttpError_Connection):
        return Err(types.Error_Transient(f"{what}: connection failed: {error.value}"))
    if isinstance(error, http.HttpError_TooLarge):
        return Err(
            types.Error_InvalidConfig(
                f"{what}: the response is larger than the host allows ({error.value} bytes); "
                "lower `page-size`"
            )
        )
    return Err(
        types.Error_InvalidConfig(
            f"{what}: the host found the request malformed ({error.value}); check `base-url`"
        )
    )


def rejected(message: str) -> Err:
    """The failure of a record or reply the connector cannot use."""
    return Err(types.Error_Rejected(message))


def unsupported(message: str) -> Err:
    """The answer of a call or kind the connector does not serve."""
    return Err(types.Error_Unsupported(message))
