"""`describe()` and the `plugin.toml` manifest agree, as the host requires when it loads the
signed component (name, version, kinds; every origin described is declared)."""

import tomllib
import unittest
from pathlib import Path

from wit_world.imports import types

from scim_connector.describe import description

MANIFEST = Path(__file__).resolve().parent.parent / "plugin.toml"
KIND_NAMES = {types.Kind.USER: "user", types.Kind.TEAM: "team"}


class DescribeTest(unittest.TestCase):
    def test_plugin_manifest_declares_what_describe_returns(self):
        manifest = tomllib.loads(MANIFEST.read_text())
        described = description()
        self.assertEqual(manifest["name"], described.name)
        self.assertEqual(manifest["version"], described.version)
        self.assertEqual(manifest["reads"], [KIND_NAMES[k] for k in described.reads])
        self.assertEqual(manifest["writes"], [KIND_NAMES[k] for k in described.writes])
        for origin in described.origins:
            self.assertIn(origin, manifest["origins"])

    def test_describe_reads_users_and_teams_and_writes_users(self):
        described = description()
        self.assertEqual(described.reads, [types.Kind.USER, types.Kind.TEAM])
        self.assertEqual(described.writes, [types.Kind.USER])
        self.assertIn("incremental", described.capabilities)


if __name__ == "__main__":
    unittest.main()
