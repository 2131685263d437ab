"""Where a read goes on, handed to the host as an opaque `next-cursor` and back.

SCIM pages by index (RFC 7644 §3.4.2.4: `startIndex` from 1, `count`), so the cursor holds the
next `startIndex`; it also holds what every page of one read must agree on: the `since` it
filters by (dropped when the service cannot filter by `meta.lastModified`) and the watermark
that the read's first response fixed, so the last page returns the same one.
"""

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from .errors import rejected

#: The cursor format's version, so that a later format can tell old cursors apart.
VERSION = "1"

#: Where a watermark came from: the service's clock when the read began (`Date` of the first
#: response), or the latest `meta.lastModified` read so far (a service that sends no `Date`).
MARK_SOURCES = ("date", "seen")


@dataclass(frozen=True)
class Cursor:
    """One read's position: its kind's name, the next `startIndex`, the filter and watermark."""

    kind: str
    start: int
    since: str | None = None
    mark: str | None = None
    mark_source: str | None = None

    def encode(self) -> str:
        """`v=1&kind=user&start=101[&since=…][&mark=…&from=date]`."""
        pairs = [("v", VERSION), ("kind", self.kind), ("start", str(self.start))]
        if self.since is not None:
            pairs.append(("since", self.since))
        if self.mark is not None:
            pairs += [("mark", self.mark), ("from", self.mark_source)]
        return urlencode(pairs)

    @staticmethod
    def decode(text: str, kind: str) -> "Cursor":
        """The cursor of a read of `kind`; `rejected` for any other text."""

        def not_ours():
            return rejected(f"`{text}` is not a scim cursor")

        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            raise not_ours() from None
        fields = dict(pairs)
        if len(fields) != len(pairs) or not set(fields) <= {
            "v",
            "kind",
            "start",
            "since",
            "mark",
            "from",
        }:
            raise not_ours()
        start = fields.get("start", "")
        if (
            fields.get("v") != VERSION
            or not (start.isascii() and start.isdigit())
            or int(start) < 1
        ):
            raise not_ours()
        if ("mark" in fields) != ("from" in fields) or fields.get(
            "from", "date"
        ) not in MARK_SOURCES:
            raise not_ours()
        if fields.get("kind") != kind:
            raise rejected(f"cursor `{text}` belongs to a read of {fields.get('kind')}, not {kind}")
        return Cursor(kind, int(start), fields.get("since"), fields.get("mark"), fields.get("from"))
