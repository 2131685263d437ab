"""SCIM resources (RFC 7643) to the contract's records and back.

Read: a `User` becomes a `user`, a `Group` a `team`. What real services vary in is accepted:
`active` absent means active (and `"true"`/`"false"` strings are read as flags), `emails` with
or without a `primary` mark (the primary one, else the first), `name` or `groups` absent. A
resource that cannot be mapped (no `id`, no `userName`, a field of the wrong type) raises
`Unmappable` naming the field; the read reports it in `page.invalid` and goes on.

Written: `create` and `update` own `userName`, `name.givenName`, `name.familyName`, the
primary email and `active`; `create` also stores the host's external id in `externalId`. An
update changes only those in the resource as the service holds it, so attributes the
connector does not own (other emails, phone numbers, extensions) survive it.
"""

import copy
from datetime import datetime

from wit_world.imports import types

from .errors import rejected

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

#: Attributes the service sets (RFC 7643 §3.1, §4.1.2): never sent back in a replacement.
READ_ONLY = ("meta", "groups")


class Unmappable(Exception):
    """A resource the connector cannot map; `reason` names the field."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def resource_id(resource):
    """The resource's `id` when it has a usable one, for naming it in `page.invalid`."""
    if isinstance(resource, dict):
        value = resource.get("id")
        if isinstance(value, str) and value:
            return value
    return None


def text(node: dict, key: str, where: str):
    """The string at `key`, None when absent, null or empty; `Unmappable` for another type."""
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unmappable(f"{where} is not a string")
    return value if value.strip() else None


def flag(value, where: str, default: bool) -> bool:
    """A boolean, or `"true"`/`"false"` in any case; `default` when absent or null."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise Unmappable(f"{where} is not a boolean")


def entries(node: dict, key: str) -> list:
    """A multi-valued attribute (RFC 7643 §2.4): a list of objects, [] when absent or null."""
    value = node.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise Unmappable(f"{key} is not a list")
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise Unmappable(f"{key}[{index}] is not an object")
    return value


def primary_index(values: list, key: str):
    """The index of the entry marked primary, else of the first with a value; None if none."""
    for index, entry in enumerate(values):
        if flag(entry.get("primary"), f"{key}[{index}].primary", False):
            return index
    for index, entry in enumerate(values):
        if text(entry, "value", f"{key}[{index}].value") is not None:
            return index
    return None


def values(items: list, key: str) -> list:
    """Every entry's `value`, in order, the entries without one left out."""
    found = (text(entry, "value", f"{key}[{i}].value") for i, entry in enumerate(items))
    return [value for value in found if value is not None]


def required_id(resource) -> str:
    if not isinstance(resource, dict):
        raise Unmappable("the resource is not a JSON object")
    value = resource.get("id")
    if not isinstance(value, str) or not value.strip():
        raise Unmappable("id is missing")
    return value


def last_modified(resource: dict):
    """`meta.lastModified` as the service wrote it, None when absent."""
    meta = resource.get("meta")
    if not isinstance(meta, dict):
        return None
    return text(meta, "lastModified", "meta.lastModified")


def user_from(resource) -> types.User:
    """The contract's user of a SCIM `User`; `Unmappable` naming the field."""
    user_id = required_id(resource)
    username = text(resource, "userName", "userName")
    if username is None:
        raise Unmappable("userName is missing")
    name = resource.get("name")
    if name is None:
        name = {}
    if not isinstance(name, dict):
        raise Unmappable("name is not an object")
    emails = entries(resource, "emails")
    email_at = primary_index(emails, "emails")
    phones = entries(resource, "phoneNumbers")
    phone_at = primary_index(phones, "phoneNumbers")
    groups = entries(resource, "groups")
    group_names = [
        text(g, "display", f"groups[{i}].display") or text(g, "value", f"groups[{i}].value")
        for i, g in enumerate(groups)
    ]
    group_ids = values(groups, "groups")
    enterprise = resource.get(ENTERPRISE_SCHEMA)
    if enterprise is not None and not isinstance(enterprise, dict):
        raise Unmappable(f"{ENTERPRISE_SCHEMA} is not an object")
    extra = [
        types.KeyValue(key, value)
        for key, value in (
            ("externalId", text(resource, "externalId", "externalId")),
            ("displayName", text(resource, "displayName", "displayName")),
            ("lastModified", last_modified(resource)),
        )
        if value is not None
    ]
    return types.User(
        id=user_id,
        username=username,
        first_name=text(name, "givenName", "name.givenName"),
        last_name=text(name, "familyName", "name.familyName"),
        email=None if email_at is None else text(emails[email_at], "value", "emails.value"),
        active=flag(resource.get("active"), "active", True),
        # A team id only where it is unambiguous: a user in exactly one group.
        team_id=group_ids[0] if len(group_ids) == 1 else None,
        security_profile_id=None,
        roles=values(entries(resource, "roles"), "roles"),
        permissions=values(entries(resource, "entitlements"), "entitlements"),
        primary_phone=None
        if phone_at is None
        else text(phones[phone_at], "value", "phoneNumbers.value"),
        phones=values(phones, "phoneNumbers"),
        employee_id=None
        if enterprise is None
        else text(enterprise, "employeeNumber", "employeeNumber"),
        site_id=None,
        groups=[n for n in group_names if n is not None],
        password_set=None,
        extra=extra,
    )


def team_from(resource) -> types.Team:
    """The contract's team of a SCIM `Group`; `Unmappable` naming the field."""
    group_id = required_id(resource)
    name = text(resource, "displayName", "displayName")
    if name is None:
        raise Unmappable("displayName is missing")
    return types.Team(id=group_id, name=name, features=[], active=True)


def latest(first, second):
    """The later of two `meta.lastModified` values (either may be None); an unparseable one
    loses to a parseable one."""

    def parsed(value):
        try:
            return datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return None

    a, b = parsed(first), parsed(second)
    if a is None:
        return second if b is not None else first
    if b is None:
        return first
    try:
        return second if b > a else first
    except TypeError:  # one naive, one aware: the service mixes forms; keep the first
        return first


def apply_user(resource: dict, user: types.User) -> dict:
    """`resource` with the fields the connector owns set from `user` (a copy; read-only
    attributes dropped, so it can be sent as a replacement)."""
    if user.username is None or not user.username.strip():
        raise rejected("the record has no username, and SCIM requires userName")
    result = {k: copy.deepcopy(v) for k, v in resource.items() if k not in READ_ONLY}
    result["userName"] = user.username
    name = result.get("name")
    name = dict(name) if isinstance(name, dict) else {}
    for key, value in (("givenName", user.first_name), ("familyName", user.last_name)):
        if value is None:
            name.pop(key, None)
        else:
            name[key] = value
    if name:
        result["name"] = name
    else:
        result.pop("name", None)
    emails = result.get("emails")
    emails = [dict(e) for e in emails if isinstance(e, dict)] if isinstance(emails, list) else []
    try:
        at = primary_index(emails, "emails")
    except Unmappable:
        at = None
    if user.email is None:
        if at is not None:
            del emails[at]
    elif at is None:
        emails.insert(0, {"value": user.email, "type": "work", "primary": True})
    else:
        emails[at]["value"] = user.email
        emails[at]["primary"] = True
    if emails:
        result["emails"] = emails
    else:
        result.pop("emails", None)
    result["active"] = user.active
    return result


def new_user(user: types.User, external_id: str) -> dict:
    """The body of a create: the owned fields and the host's external id."""
    return apply_user({"schemas": [USER_SCHEMA], "externalId": external_id}, user)


def deactivation() -> dict:
    """The PATCH body that deactivates a user (RFC 7644 §3.5.2.3)."""
    return {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
