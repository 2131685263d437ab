"""HTTP outcomes classified as connector-kit classifies them for the Rust connectors."""

import unittest

from wit_world.imports import http, types

from scim_connector import errors
from scripted import response

SCIM_ERROR = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
    "status": "409",
    "scimType": "uniqueness",
    "detail": "userName is taken",
}


def classify(status, body=None, headers=()):
    return errors.status_error("GET /Users", response(status, body, headers)).value


class ErrorsTest(unittest.TestCase):
    def test_statuses_map_to_what_the_host_does_next(self):
        self.assertEqual(
            classify(503, "down"), types.Error_Transient("GET /Users answered 503: down")
        )
        self.assertIsInstance(classify(500), types.Error_Transient)
        self.assertEqual(
            classify(401), types.Error_Unauthorized("GET /Users answered 401; check `token`")
        )
        self.assertIsInstance(classify(403), types.Error_Unauthorized)
        self.assertEqual(classify(404), types.Error_NotFound("GET /Users answered 404"))
        self.assertIsInstance(classify(400), types.Error_Rejected)
        self.assertIsInstance(classify(422), types.Error_Rejected)
        redirect = classify(302, headers=[("Location", "https://elsewhere")])
        self.assertIsInstance(redirect, types.Error_InvalidConfig)
        self.assertIn("redirect to https://elsewhere", redirect.value)

    def test_rate_limit_waits_retry_after_seconds_in_ms_or_30s(self):
        self.assertEqual(
            classify(429, headers=[("retry-after", "7")]), types.Error_RateLimited(7000)
        )
        self.assertEqual(classify(429), types.Error_RateLimited(30_000))
        self.assertEqual(
            classify(429, headers=[("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT")]),
            types.Error_RateLimited(30_000),
        )

    def test_a_scim_error_is_explained_by_its_detail_and_type_other_bodies_quoted_short(self):
        self.assertEqual(
            classify(409, SCIM_ERROR),
            types.Error_Rejected("GET /Users answered 409: userName is taken (uniqueness)"),
        )
        long_page = "<html>" + "x" * 1000
        self.assertEqual(len(errors.detail(long_page.encode())), errors.BODY_QUOTE_CHARS)
        self.assertIsNone(errors.detail(b" \n "))

    def test_requests_without_response_map_denied_to_config_and_network_to_transient(self):
        def failed(error):
            return errors.http_error("GET /Users", error).value

        self.assertIsInstance(failed(http.HttpError_Denied("origin")), types.Error_InvalidConfig)
        self.assertEqual(
            failed(http.HttpError_Timeout()), types.Error_Transient("GET /Users: timed out")
        )
        self.assertIsInstance(failed(http.HttpError_Connection("refused")), types.Error_Transient)
        too_large = failed(http.HttpError_TooLarge(1024))
        self.assertIsInstance(too_large, types.Error_InvalidConfig)
        self.assertTrue(too_large.value.endswith("lower `page-size`"))
        self.assertIsInstance(
            failed(http.HttpError_InvalidRequest("bad")), types.Error_InvalidConfig
        )


if __name__ == "__main__":
    unittest.main()
