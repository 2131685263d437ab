"""The connection's settings, read and checked once in `configure`.

The keys follow the Rust connectors (`base-url`, `page-size`; kebab-case) and so do the
words of every refusal: unknown, repeated and empty keys are refused naming the key, before
the connector touches the network. The bearer token is a secret setting: the host redacts it
from everything the connector returns or logs, and this module never quotes it.
"""

from dataclasses import dataclass, field

from componentize_py_types import Err
from wit_world.imports import types

CONNECTOR = "scim"

#: Every key `configure` accepts.
KEYS = ("base-url", "token", "page-size")

#: The `count` of a list request when `page-size` is not set.
DEFAULT_PAGE_SIZE = 100
#: The largest `count` the connector asks for; a server may still serve fewer.
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Settings:
    """The parsed settings of one connection."""

    #: The SCIM base URL (`https://example.com/scim/v2`), without a trailing `/`.
    base_url: str
    #: The bearer token; `repr` never shows it.
    token: str = field(repr=False)
    #: The `count` of every list request.
    page_size: int = DEFAULT_PAGE_SIZE


def invalid(message: str) -> Err:
    """The `invalid-config` failure of a setting."""
    return Err(types.Error_InvalidConfig(message))


def parse(pairs) -> Settings:
    """Reads `(key, value)` pairs into settings, or raises `invalid-config` naming the key."""
    values = {}
    for key, value in pairs:
        if key not in KEYS:
            raise invalid(f"setting `{key}` is unknown to {CONNECTOR} (known: {', '.join(KEYS)})")
        if key in values:
            raise invalid(f"setting `{key}` is given more than once")
        if not value.strip():
            raise invalid(f"setting `{key}` is invalid: it is empty")
        values[key] = value
    for key in ("base-url", "token"):
        if key not in values:
            raise invalid(f"setting `{key}` is required but missing")
    return Settings(
        base_url=base_url(values["base-url"]),
        token=values["token"],
        page_size=page_size(values.get("page-size")),
    )


def base_url(value: str) -> str:
    """Checks a base URL as connector-kit's `BaseUrl` does and drops a trailing `/`."""

    def refuse(reason: str) -> Err:
        return invalid(f"setting `base-url` is invalid: `{value}` {reason}")

    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in ("http", "https"):
        raise refuse("is not an http:// or https:// URL")
    if any(c.isspace() for c in value):
        raise refuse("contains whitespace")
    if "?" in value or "#" in value:
        raise refuse("has a query or fragment")
    authority = rest.split("/", 1)[0]
    if not authority:
        raise refuse("has no host")
    if "@" in authority:
        raise refuse("carries credentials: give them in their own settings instead")
    return value.rstrip("/")


def page_size(value) -> int:
    """`page-size` as a whole number from 1 to MAX_PAGE_SIZE; the default when not set."""
    if value is None:
        return DEFAULT_PAGE_SIZE
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_PAGE_SIZE:
        return int(value)
    raise invalid(
        f"setting `page-size` is invalid: `{value}` is not a whole number from 1 to {MAX_PAGE_SIZE}"
    )
