"""Unit tests of the {{name}} connector's logic, with no component and no network:

    python3 -m unittest discover -s tests
"""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import connector  # noqa: E402
from connector import ConnectorError, Settings  # noqa: E402


class SettingsTest(unittest.TestCase):
    def test_good_settings_parse_and_the_base_url_loses_its_trailing_slash(self):
        s = Settings.parse([("base-url", "https://api.example.com/v1/"), ("token", "t0k")])
        self.assertEqual(s.base_url, "https://api.example.com/v1")

    def test_a_bad_setting_is_invalid_config_naming_its_key(self):
        cases = [
            ([("base-url", "https://a"), ("token", "t"), ("colour", "x")], "`colour`"),
            ([("base-url", "https://a"), ("token", "t"), ("token", "t")], "`token`"),
            ([("base-url", ""), ("token", "t")], "`base-url`"),
            ([("base-url", "https://a")], "`token`"),
        ]
        for pairs, key in cases:
            with self.assertRaises(ConnectorError) as caught:
                Settings.parse(pairs)
            self.assertEqual(caught.exception.case, "invalid-config")
            self.assertIn(key, caught.exception.value)


class ClassifyTest(unittest.TestCase):
    def test_statuses_are_classified_as_the_contract_says(self):
        def case(status, headers=()):
            return connector.status_error("GET /users?page=1", status, list(headers), b"nope")

        self.assertEqual(case(429, [("retry-after", "7")]).value, 7000)
        self.assertEqual(case(429).value, connector.DEFAULT_RETRY_AFTER_MS)
        self.assertEqual(case(503).case, "transient")
        self.assertEqual(case(401).case, "unauthorized")
        self.assertEqual(case(404).case, "not-found")
        self.assertEqual(case(302).case, "invalid-config")
        self.assertEqual(case(400).case, "rejected")


class ReadTest(unittest.TestCase):
    def api(self, status, body):
        sent = []

        def send(method, url, headers, what):
            sent.append((method, url, dict(headers)))
            return status, [("content-type", "application/json")], body

        return connector.Api(Settings("https://api.example.com/v1", "t0k"), send), sent

    def test_a_page_maps_its_users_reports_the_unmappable_and_points_at_the_next_page(self):
        body = (
            b'{"users": [{"id": "u-1", "login": "ada", "active": true}, {"id": 2},'
            b' {"login": "nobody"}, {"id": "u-4", "active": "yes"}], "next": 2}'
        )
        api, sent = self.api(200, body)
        users, invalid, following = api.users_page("1")
        self.assertEqual([u["id"] for u in users], ["u-1", "2"])
        self.assertEqual(invalid, [(None, "id is missing"), ("u-4", 'active is not a flag: "yes"')])
        self.assertEqual(following, "2")
        self.assertEqual(sent[0][1], "https://api.example.com/v1/users?page=1")
        self.assertEqual(sent[0][2]["Authorization"], "Bearer t0k")

    def test_a_cut_off_body_is_transient_and_a_401_unauthorized(self):
        api, _ = self.api(200, b'{"users": [{"id": "u')
        with self.assertRaises(ConnectorError) as caught:
            api.users_page(None)
        self.assertEqual(caught.exception.case, "transient")
        api, _ = self.api(401, b"")
        with self.assertRaises(ConnectorError) as caught:
            api.users_page(None)
        self.assertEqual(caught.exception.case, "unauthorized")


if __name__ == "__main__":
    unittest.main()
