"""The contract's calls against one SCIM 2.0 service provider (RFC 7644).

| call | requests |
|---|---|
| `check` | `GET /Users?startIndex=1&count=1` |
| `read(user/team)` | `GET /Users` or `GET /Groups` (`excludedAttributes=members`) with `startIndex`/`count`; `since` as `filter=meta.lastModified gt "…"`, and without a filter when the service refuses that one (400, 501) |
| `create(user)` | `POST /Users` with `externalId`; a 409 for a user already holding the external id (a create whose reply was lost) updates that user |
| `find` | `GET /Users?filter=externalId eq "…"` (or `/Groups`) |
| `get` | `GET /Users/{id}` (or `/Groups/{id}`); none on 404 |
| `update(user)` | `GET /Users/{id}`, then `PUT` of it with the owned fields changed (`If-Match` when it has a version) |
| `deactivate(user)` | `PATCH` `active: false`; `GET` + `PUT` when the service has no PATCH (405, 501). Never `DELETE` |
| `search-users` | `filter=userName co "…" or name.givenName co "…" or name.familyName co "…"` |
| `find-by-email` | `filter=emails.value eq "…" or …`, 20 addresses a request |

Teams are read only, and the kinds SCIM has no resource for are `unsupported`.
"""

from datetime import timedelta
from email.utils import parsedate_to_datetime

from componentize_py_types import Err
from wit_world.imports import http, log, types

from . import mapping
from .client import ScimClient, path_segment, string_literal
from .cursor import Cursor
from .describe import COLLECTIONS, KIND_NAMES
from .errors import header, rejected, status_error, unsupported
from .mapping import Unmappable
from .settings import Settings

#: Statuses of a service that cannot filter by `meta.lastModified`: the read goes on unfiltered.
NO_FILTER = (400, 501)
#: Statuses of a service without PATCH: a deactivation replaces the user instead.
NO_PATCH = (405, 501)
#: Email addresses per `find-by-email` request: the filter stays a short URL.
EMAILS_PER_REQUEST = 20


def collection(kind) -> str:
    """The SCIM collection of a kind the connector reads; `unsupported` for the others."""
    if kind not in COLLECTIONS:
        raise unsupported(
            f"scim reads users (/Users) and teams (/Groups) only, not {KIND_NAMES[kind]}"
        )
    return COLLECTIONS[kind]


def written_user(entity) -> types.User:
    """The user a write carries; `unsupported` for another kind."""
    if not isinstance(entity, types.Entity_User):
        raise unsupported("scim writes users only")
    return entity.value


def watermark_of(response):
    """The service's clock when the read began: the `Date` of its first response, one second
    earlier (a `Date` is cut to the second, and a change made in that second is read again
    rather than missed), as SCIM writes a `dateTime`. None without a usable `Date`."""
    try:
        date = parsedate_to_datetime(header(response.headers, "Date") or "")
    except (TypeError, ValueError):
        return None
    if date is None or date.tzinfo is None:
        return None
    return (date - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


class ScimConnector:
    """The calls of one configured connection. `send` is the host's `http.send`, `write_log`
    the host's `log.log`."""

    def __init__(self, settings: Settings, send, write_log):
        self.client = ScimClient(settings, send)
        self.page_size = settings.page_size
        self.write_log = write_log

    # --- reads -----------------------------------------------------------------------------

    def check(self) -> None:
        what = "GET /Users (check)"
        response = self.client.request("GET", "/Users", what, {"startIndex": 1, "count": 1})
        self.client.json_object(self.client.expect(response, what), what)

    def read(self, kind, cursor, since) -> types.Page:
        name = collection(kind)
        at = (
            Cursor.decode(cursor, KIND_NAMES[kind])
            if cursor
            else Cursor(KIND_NAMES[kind], 1, since)
        )
        response, at = self._list_page(name, at)
        what = f"GET /{name} (startIndex {at.start})"
        body = self.client.json_object(response, what)
        resources = list_resources(body, what)
        items, invalid = [], []
        seen = None
        for index, resource in enumerate(resources):
            try:
                items.append(self._entity(kind, resource))
            except Unmappable as error:
                invalid.append(
                    types.InvalidRecord(
                        mapping.resource_id(resource),
                        f"{name}[{at.start + index}]: {error.reason}",
                    )
                )
            if isinstance(resource, dict):
                try:
                    seen = mapping.latest(seen, mapping.last_modified(resource))
                except Unmappable:
                    pass
        mark, source = at.mark, at.mark_source
        if mark is None:
            mark = watermark_of(response)
            source = "date" if mark is not None else "seen"
        if source == "seen":
            mark = mapping.latest(mark, seen)
        total = total_results(body)
        after = at.start + len(resources)
        if not resources:
            more = False
            if total is not None and at.start <= total:
                invalid.append(
                    types.InvalidRecord(
                        None,
                        f"{what}: the service reported {total} results but served none from "
                        f"startIndex {at.start}; the read is incomplete",
                    )
                )
        else:
            more = total is None or after <= total
        next_cursor = None
        if more:
            next_cursor = Cursor(at.kind, after, at.since, mark, source if mark else None).encode()
        return types.Page(items=items, invalid=invalid, next_cursor=next_cursor, watermark=mark)

    def _list_page(self, name: str, at: Cursor):
        """The response of one page, and the cursor it was read at: without the `since`
        filter when the service refused it."""
        query = {"startIndex": at.start, "count": self.page_size}
        if name == "Groups":
            query["excludedAttributes"] = "members"
        what = f"GET /{name} (startIndex {at.start})"
        if at.since is not None:
            filtered = dict(query, filter=f"meta.lastModified gt {string_literal(at.since)}")
            response = self.client.request("GET", f"/{name}", what, filtered)
            if response.status not in NO_FILTER:
                return self.client.expect(response, what), at
            self.write_log(
                log.Level.WARN,
                f"{what} with filter meta.lastModified answered {response.status}: the "
                "service cannot filter by it, so this incremental read reads everything",
            )
            at = Cursor(at.kind, at.start, None, at.mark, at.mark_source)
        response = self.client.request("GET", f"/{name}", what, query)
        return self.client.expect(response, what), at

    def _entity(self, kind, resource):
        if kind == types.Kind.USER:
            return types.Entity_User(mapping.user_from(resource))
        return types.Entity_Team(mapping.team_from(resource))

    def _search(self, name: str, scim_filter: str, what: str, pages: bool):
        """The resources a filter matches: the first page, or every page."""
        start, found = 1, []
        while True:
            query = {"filter": scim_filter, "startIndex": start, "count": self.page_size}
            response = self.client.request("GET", f"/{name}", what, query)
            body = self.client.json_object(self.client.expect(response, what), what)
            resources = list_resources(body, what)
            found += resources
            start += len(resources)
            total = total_results(body)
            if not pages or not resources or (total is not None and start > total):
                return found

    def find(self, kind, external_id: str):
        name = collection(kind)
        what = f"GET /{name} (externalId {external_id})"
        matching = [
            mapping.resource_id(r)
            for r in self._search(name, f"externalId eq {string_literal(external_id)}", what, True)
            if isinstance(r, dict) and r.get("externalId") == external_id
        ]
        ids = [i for i in matching if i is not None]
        if len(ids) > 1:
            raise rejected(f"{what}: {len(ids)} resources hold this externalId ({', '.join(ids)})")
        return ids[0] if ids else None

    def get(self, kind, resource_id: str):
        name = collection(kind)
        what = f"GET /{name}/{resource_id}"
        response = self.client.request("GET", f"/{name}/{path_segment(resource_id)}", what)
        if response.status == 404:
            return None
        body = self.client.json_object(self.client.expect(response, what), what)
        try:
            return self._entity(kind, body)
        except Unmappable as error:
            raise rejected(f"{what}: {error.reason}") from None

    def search_users(self, query: str) -> list:
        literal = string_literal(query)
        scim_filter = " or ".join(
            f"{attribute} co {literal}"
            for attribute in ("userName", "name.givenName", "name.familyName")
        )
        return self._users(
            self._search("Users", scim_filter, f"GET /Users (search {query})", False)
        )

    def find_by_email(self, emails: list) -> list:
        found = {}
        for at in range(0, len(emails), EMAILS_PER_REQUEST):
            chunk = emails[at : at + EMAILS_PER_REQUEST]
            scim_filter = " or ".join(f"emails.value eq {string_literal(e)}" for e in chunk)
            what = f"GET /Users (by email, {len(chunk)} addresses)"
            for user in self._users(self._search("Users", scim_filter, what, True)):
                found.setdefault(user.id, user)
        return list(found.values())

    def _users(self, resources) -> list:
        """The users of a search; one that cannot be mapped is logged and left out."""
        users = []
        for resource in resources:
            try:
                users.append(mapping.user_from(resource))
            except Unmappable as error:
                self.write_log(
                    log.Level.WARN,
                    f"user {mapping.resource_id(resource)} left out of a search: {error.reason}",
                )
        return users

    # --- writes ----------------------------------------------------------------------------

    def create(self, entity, external_id: str) -> str:
        user = written_user(entity)
        what = "POST /Users"
        response = self.client.request(
            "POST", "/Users", what, body=mapping.new_user(user, external_id)
        )
        if response.status == 409:
            existing = self.find(types.Kind.USER, external_id)
            if existing is None:
                raise status_error(what, response)
            self.update(existing, entity)
            return existing
        body = self.client.json_object(self.client.expect(response, what, (200, 201)), what)
        created = mapping.resource_id(body) or self.find(types.Kind.USER, external_id)
        if created is None:
            raise rejected(f"{what} answered {response.status} without the new user's id")
        return created

    def update(self, user_id: str, entity) -> None:
        user = written_user(entity)
        self._replace(user_id, lambda resource: mapping.apply_user(resource, user))

    def deactivate(self, kind, user_id: str) -> None:
        if kind != types.Kind.USER:
            raise unsupported(f"scim deactivates users only, not {KIND_NAMES[kind]}")
        what = f"PATCH /Users/{user_id}"
        path = f"/Users/{path_segment(user_id)}"
        response = self.client.request("PATCH", path, what, body=mapping.deactivation())
        if response.status in NO_PATCH:
            self._replace(user_id, lambda resource: dict(resource, active=False))
            return
        self.client.expect(response, what, (200, 204))

    def _replace(self, user_id: str, change) -> None:
        """`GET` the user and `PUT` it back changed, guarded by its version when it has one."""
        path = f"/Users/{path_segment(user_id)}"
        what = f"GET /Users/{user_id}"
        current = self.client.json_object(
            self.client.expect(self.client.request("GET", path, what), what), what
        )
        meta = current.get("meta")
        version = meta.get("version") if isinstance(meta, dict) else None
        guard = []
        if isinstance(version, str) and version:
            guard = [http.Header("If-Match", version)]
        what = f"PUT /Users/{user_id}"
        response = self.client.request("PUT", path, what, body=change(current), headers=guard)
        if response.status == 412:
            raise Err(types.Error_Transient(f"{what} answered 412: the user changed meanwhile"))
        self.client.expect(response, what, (200, 204))


def list_resources(body: dict, what: str) -> list:
    """The `Resources` of a list response; [] when the service leaves it out (RFC 7644 lets a
    service omit it when there are none)."""
    resources = body.get("Resources", body.get("resources"))
    if resources is None:
        return []
    if not isinstance(resources, list):
        raise rejected(f"{what} answered a list response whose Resources is not a list")
    return resources


def total_results(body: dict):
    """`totalResults` as a whole number, None when absent or unusable."""
    total = body.get("totalResults")
    if isinstance(total, bool):
        return None
    if isinstance(total, int):
        return total
    if isinstance(total, str) and total.isascii() and total.isdigit():
        return int(total)
    return None
