"""What the connector declares about itself: `describe()` and, kept equal by a unit test, the
`plugin.toml` manifest that signing embeds in the component.

A SCIM service can be anywhere, so `describe()` declares only loopback origins (a local
service, the tests); the manifest may declare more (`origins` of `plugin.toml`, which the host
holds the plugin to): an integrator adds the service's origin there and signs, without
rebuilding the component.
"""

from wit_world.exports import connector
from wit_world.imports import types

NAME = "scim"
VERSION = "0.1.0"
READS = [types.Kind.USER, types.Kind.TEAM]
WRITES = [types.Kind.USER]
ORIGINS = ["http://127.0.0.1:*", "http://localhost:*"]
CAPABILITIES = ["incremental", "get", "search-users", "find-by-email"]

#: The SCIM collection of each kind the connector reads.
COLLECTIONS = {types.Kind.USER: "Users", types.Kind.TEAM: "Groups"}

#: The kinds by the names the WIT gives them, for cursors and messages.
KIND_NAMES = {
    types.Kind.USER: "user",
    types.Kind.TEAM: "team",
    types.Kind.SECURITY_PROFILE: "security-profile",
    types.Kind.CAMPAIGN: "campaign",
    types.Kind.DISPOSITION: "disposition",
    types.Kind.AGENT_STATUS: "agent-status",
}


def description() -> connector.Description:
    return connector.Description(
        name=NAME,
        version=VERSION,
        reads=list(READS),
        writes=list(WRITES),
        origins=list(ORIGINS),
        capabilities=list(CAPABILITIES),
    )
