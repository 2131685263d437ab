"""`configure`'s settings: refused by key, in the Rust connectors' words, before any request."""

import unittest

from componentize_py_types import Err
from wit_world.imports import types

from scim_connector import settings

BASE = [("base-url", "https://scim.example.com/scim/v2/"), ("token", "s3cret-token")]


def refusal(pairs) -> str:
    with unittest.TestCase().assertRaises(Err) as caught:
        settings.parse(pairs)
    assert isinstance(caught.exception.value, types.Error_InvalidConfig), caught.exception
    return caught.exception.value.value


class SettingsTest(unittest.TestCase):
    def test_base_url_loses_its_trailing_slash_and_page_size_defaults(self):
        parsed = settings.parse(BASE)
        self.assertEqual(parsed.base_url, "https://scim.example.com/scim/v2")
        self.assertEqual(parsed.token, "s3cret-token")
        self.assertEqual(parsed.page_size, settings.DEFAULT_PAGE_SIZE)
        self.assertEqual(settings.parse(BASE + [("page-size", "1000")]).page_size, 1000)

    def test_each_required_key_missing_is_named(self):
        for key in ("base-url", "token"):
            pairs = [p for p in BASE if p[0] != key]
            self.assertEqual(refusal(pairs), f"setting `{key}` is required but missing")

    def test_unknown_repeated_and_empty_keys_are_refused_naming_the_key(self):
        self.assertEqual(
            refusal(BASE + [("page_size", "10")]),
            "setting `page_size` is unknown to scim (known: base-url, token, page-size)",
        )
        self.assertEqual(
            refusal(BASE + [("token", "again")]), "setting `token` is given more than once"
        )
        for blank in ("", " ", "\t"):
            self.assertEqual(
                refusal([BASE[0], ("token", blank)]), "setting `token` is invalid: it is empty"
            )

    def test_invalid_values_name_their_key(self):
        for key, value in [
            ("base-url", "ftp://scim.example.com"),
            ("base-url", "https://"),
            ("base-url", "https://user:pw@scim.example.com"),
            ("base-url", "https://scim.example.com/v2?x=1"),
            ("base-url", "https://scim example.com"),
            ("page-size", "0"),
            ("page-size", "1001"),
            ("page-size", "lots"),
            ("page-size", "²"),
            ("page-size", "-1"),
        ]:
            pairs = [p for p in BASE if p[0] != key] + [(key, value)]
            self.assertTrue(
                refusal(pairs).startswith(f"setting `{key}` is invalid: `{value}`"), (key, value)
            )

    def test_the_token_never_shows_in_the_settings_repr(self):
        self.assertNotIn("s3cret-token", repr(settings.parse(BASE)))


if __name__ == "__main__":
    unittest.main()
