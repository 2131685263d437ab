"""The contract's calls over scripted SCIM responses: paging, incremental reads, writes, and
every malformed reply answered with an error or an invalid record, never a crash."""

import unittest

from componentize_py_types import Err
from wit_world.imports import http, types

from scim_connector.cursor import Cursor
from scripted import Script, connector, hub_user, list_response, response, scim_user

USER, TEAM = types.Kind.USER, types.Kind.TEAM
DATE = ("Date", "Mon, 30 Nov 2026 04:02:45 GMT")
MARK = "2026-11-30T04:02:44Z"


def failure(call) -> object:
    """The contract error `call` raises."""
    try:
        call()
    except Err as err:
        return err.value
    raise AssertionError("the call did not fail")


class ReadTest(unittest.TestCase):
    def test_a_read_pages_by_start_index_until_total_results_with_the_first_pages_watermark(self):
        later_date = ("Date", "Mon, 30 Nov 2026 05:00:00 GMT")
        script = Script(
            (
                ("GET", "/Users"),
                list_response([scim_user("1", "a"), scim_user("2", "b")], 3, [DATE]),
            ),
            (("GET", "/Users"), list_response([scim_user("3", "c")], 3, [later_date])),
        )
        scim = connector(script, page_size=2)
        first = scim.read(USER, None, None)
        self.assertEqual([e.value.id for e in first.items], ["1", "2"])
        self.assertEqual(script.sent[0].query, {"startIndex": "1", "count": "2"})
        self.assertEqual(script.sent[0].headers["authorization"], "Bearer t0ken-s3cret")
        self.assertEqual(first.watermark, MARK)
        last = scim.read(USER, first.next_cursor, None)
        self.assertEqual(script.sent[1].query, {"startIndex": "3", "count": "2"})
        self.assertEqual([e.value.id for e in last.items], ["3"])
        self.assertIsNone(last.next_cursor)
        self.assertEqual(last.watermark, MARK, "the read's watermark is fixed by its first page")
        self.assertTrue(script.done())

    def test_a_read_without_total_results_goes_on_until_a_page_without_resources(self):
        script = Script(
            (("GET", "/Groups"), list_response([{"id": "g1", "displayName": "Support"}])),
            (("GET", "/Groups"), list_response(None)),
        )
        scim = connector(script, page_size=1)
        first = scim.read(TEAM, None, None)
        self.assertEqual(first.items, [types.Entity_Team(types.Team("g1", "Support", [], True))])
        self.assertEqual(script.sent[0].query["excludedAttributes"], "members")
        last = scim.read(TEAM, first.next_cursor, None)
        self.assertEqual((last.items, last.invalid, last.next_cursor), ([], [], None))

    def test_without_a_date_header_the_watermark_is_the_latest_modification_read(self):
        script = Script(
            (
                ("GET", "/Users"),
                list_response(
                    [
                        scim_user("1", "a", meta={"lastModified": "2026-01-02T00:00:00Z"}),
                        scim_user("2", "b", meta={"lastModified": "2026-03-04T00:00:00Z"}),
                        scim_user("3", "c", meta={"lastModified": "2026-02-03T00:00:00Z"}),
                    ],
                    3,
                ),
            ),
        )
        page = connector(script).read(USER, None, None)
        self.assertEqual(page.watermark, "2026-03-04T00:00:00Z")

    def test_an_incremental_read_filters_by_last_modified(self):
        script = Script((("GET", "/Users"), list_response([], 0)))
        page = connector(script).read(USER, None, "2026-01-01T00:00:00Z")
        self.assertEqual(
            script.sent[0].query["filter"], 'meta.lastModified gt "2026-01-01T00:00:00Z"'
        )
        self.assertEqual((page.items, page.next_cursor), ([], None))

    def test_a_service_that_cannot_filter_by_last_modified_is_read_whole(self):
        refused = response(400, {"scimType": "invalidFilter", "detail": "no"})
        script = Script(
            (("GET", "/Users"), refused),
            (("GET", "/Users"), list_response([scim_user("1", "a")], 2)),
            (("GET", "/Users"), list_response([scim_user("2", "b")], 2)),
        )
        scim = connector(script, page_size=1)
        first = scim.read(USER, None, "2026-01-01T00:00:00Z")
        self.assertNotIn("filter", script.sent[1].query)
        self.assertIn("cannot filter by it", script.logged[0])
        scim.read(USER, first.next_cursor, None)
        self.assertNotIn("filter", script.sent[2].query, "later pages are not filtered either")
        self.assertTrue(script.done())

    def test_unmappable_users_are_reported_and_the_others_kept(self):
        script = Script(
            (("GET", "/Users"), list_response([scim_user("1", "a"), {"id": "2"}, "junk"], 3)),
        )
        page = connector(script).read(USER, None, None)
        self.assertEqual([e.value.id for e in page.items], ["1"])
        self.assertEqual(
            page.invalid,
            [
                types.InvalidRecord("2", "Users[2]: userName is missing"),
                types.InvalidRecord(None, "Users[3]: the resource is not a JSON object"),
            ],
        )

    def test_a_list_that_stops_short_of_its_total_makes_the_read_partial(self):
        script = Script((("GET", "/Users"), list_response([], 5)))
        page = connector(script).read(USER, Cursor("user", 3).encode(), None)
        self.assertEqual(len(page.invalid), 1)
        self.assertIn(
            "reported 5 results but served none from startIndex 3", page.invalid[0].reason
        )
        self.assertIsNone(page.next_cursor)

    def test_malformed_list_bodies_are_rejected_not_a_crash(self):
        for body in (b"<html>oops</html>", b"[1, 2]", b'{"Resources": {"id": "1"}}'):
            script = Script((("GET", "/Users"), response(200, body)))
            self.assertIsInstance(
                failure(lambda: connector(script).read(USER, None, None)), types.Error_Rejected
            )

    def test_a_cursor_of_another_read_or_format_is_rejected(self):
        scim = connector(Script())
        for cursor in (
            "page=2",
            "v=1&kind=user&start=0",
            "v=1&kind=user&start=x",
            "v=1&kind=user&start=2&mark=x",
        ):
            self.assertIsInstance(
                failure(lambda: scim.read(USER, cursor, None)), types.Error_Rejected, cursor
            )
        other = failure(lambda: scim.read(TEAM, Cursor("user", 2).encode(), None))
        self.assertIn("belongs to a read of user, not team", other.value)

    def test_kinds_scim_has_no_resource_for_are_unsupported(self):
        scim = connector(Script())
        self.assertIsInstance(
            failure(lambda: scim.read(types.Kind.CAMPAIGN, None, None)), types.Error_Unsupported
        )
        self.assertIsInstance(
            failure(lambda: scim.find(types.Kind.SECURITY_PROFILE, "x")), types.Error_Unsupported
        )

    def test_errors_reach_the_host_classified(self):
        for answer, expected in [
            (response(401), types.Error_Unauthorized),
            (response(429, headers=[("Retry-After", "2")]), types.Error_RateLimited),
            (response(502), types.Error_Transient),
            (http.HttpError_Timeout(), types.Error_Transient),
            (http.HttpError_Denied("origin"), types.Error_InvalidConfig),
        ]:
            script = Script((("GET", "/Users"), answer))
            self.assertIsInstance(failure(lambda: connector(script).check()), expected, answer)


class LookupTest(unittest.TestCase):
    def test_find_asks_by_external_id_and_answers_only_an_exact_match(self):
        script = Script(
            (("GET", "/Users"), list_response([scim_user("9", "a", externalId="acme/user/7")], 1)),
            (("GET", "/Users"), list_response([scim_user("9", "a", externalId="ACME/user/7")], 1)),
        )
        scim = connector(script)
        self.assertEqual(scim.find(USER, "acme/user/7"), "9")
        self.assertEqual(script.sent[0].query["filter"], 'externalId eq "acme/user/7"')
        self.assertIsNone(scim.find(USER, "acme/user/7"))

    def test_two_users_holding_one_external_id_are_rejected(self):
        twins = [scim_user(i, i, externalId="e") for i in ("1", "2")]
        script = Script((("GET", "/Users"), list_response(twins, 2)))
        self.assertIsInstance(
            failure(lambda: connector(script).find(USER, "e")), types.Error_Rejected
        )

    def test_get_answers_none_for_an_unknown_id_and_quotes_the_id_in_the_path(self):
        script = Script(
            (("GET", "/Users/a%2Fb"), response(404)),
            (("GET", "/Users/9"), response(200, scim_user("9", "alice"))),
        )
        scim = connector(script)
        self.assertIsNone(scim.get(USER, "a/b"))
        self.assertEqual(scim.get(USER, "9").value.username, "alice")

    def test_find_by_email_asks_for_every_address_and_lists_each_user_once(self):
        script = Script(
            (("GET", "/Users"), list_response([scim_user("1", "a"), scim_user("1", "a")], 2))
        )
        users = connector(script).find_by_email(["a@x.example", "b@x.example"])
        self.assertEqual([u.id for u in users], ["1"])
        self.assertEqual(
            script.sent[0].query["filter"],
            'emails.value eq "a@x.example" or emails.value eq "b@x.example"',
        )


class WriteTest(unittest.TestCase):
    def test_create_stores_the_external_id_and_returns_the_new_id(self):
        script = Script((("POST", "/Users"), response(201, scim_user("new-1", "dave"))))
        self.assertEqual(connector(script).create(hub_user(), "acme/user/7"), "new-1")
        self.assertEqual(script.sent[0].body["externalId"], "acme/user/7")
        self.assertEqual(script.sent[0].headers["content-type"], "application/scim+json")

    def test_a_repeated_create_updates_the_user_that_holds_the_external_id(self):
        script = Script(
            (("POST", "/Users"), response(409, {"scimType": "uniqueness"})),
            (
                ("GET", "/Users"),
                list_response([scim_user("9", "dave", externalId="acme/user/7")], 1),
            ),
            (("GET", "/Users/9"), response(200, scim_user("9", "dave", externalId="acme/user/7"))),
            (("PUT", "/Users/9"), response(200, scim_user("9", "dave"))),
        )
        self.assertEqual(connector(script).create(hub_user(first_name="Davey"), "acme/user/7"), "9")
        self.assertEqual(script.sent[3].body["name"]["givenName"], "Davey")

    def test_a_conflict_with_another_users_name_is_rejected(self):
        script = Script(
            (("POST", "/Users"), response(409, {"scimType": "uniqueness", "detail": "taken"})),
            (("GET", "/Users"), list_response([], 0)),
        )
        rejected = failure(lambda: connector(script).create(hub_user(), "acme/user/7"))
        self.assertEqual(
            rejected, types.Error_Rejected("POST /Users answered 409: taken (uniqueness)")
        )

    def test_update_replaces_the_user_guarded_by_its_version(self):
        current = scim_user("9", "dave", meta={"version": 'W/"3"'}, phoneNumbers=[{"value": "1"}])
        script = Script(
            (("GET", "/Users/9"), response(200, current)),
            (("PUT", "/Users/9"), response(200, current)),
        )
        connector(script).update("9", hub_user(last_name="Smith"))
        put = script.sent[1]
        self.assertEqual(put.headers["if-match"], 'W/"3"')
        self.assertEqual(
            (put.body["name"]["familyName"], put.body["phoneNumbers"]), ("Smith", [{"value": "1"}])
        )
        self.assertNotIn("meta", put.body)

    def test_update_of_a_changed_or_missing_user_is_transient_or_not_found(self):
        changed = Script(
            (("GET", "/Users/9"), response(200, scim_user("9", "dave", meta={"version": 'W/"3"'}))),
            (("PUT", "/Users/9"), response(412)),
        )
        self.assertIsInstance(
            failure(lambda: connector(changed).update("9", hub_user())), types.Error_Transient
        )
        missing = Script((("GET", "/Users/9"), response(404)))
        self.assertIsInstance(
            failure(lambda: connector(missing).update("9", hub_user())), types.Error_NotFound
        )

    def test_deactivate_patches_active_false(self):
        script = Script((("PATCH", "/Users/9"), response(204)))
        connector(script).deactivate(USER, "9")
        self.assertEqual(
            script.sent[0].body["Operations"], [{"op": "replace", "path": "active", "value": False}]
        )

    def test_deactivate_without_patch_puts_the_user_back_inactive_and_never_deletes(self):
        script = Script(
            (("PATCH", "/Users/9"), response(501)),
            (("GET", "/Users/9"), response(200, scim_user("9", "dave", active=True))),
            (("PUT", "/Users/9"), response(200, scim_user("9", "dave", active=False))),
        )
        connector(script).deactivate(USER, "9")
        self.assertIs(script.sent[2].body["active"], False)
        self.assertNotIn("DELETE", [s.method for s in script.sent])
        missing = Script((("PATCH", "/Users/x"), response(404)))
        self.assertIsInstance(
            failure(lambda: connector(missing).deactivate(USER, "x")), types.Error_NotFound
        )

    def test_writes_of_other_kinds_are_unsupported(self):
        scim = connector(Script())
        team = types.Entity_Team(types.Team("g1", "Support", [], True))
        self.assertIsInstance(
            failure(lambda: scim.create(team, "acme/team/1")), types.Error_Unsupported
        )
        self.assertIsInstance(failure(lambda: scim.update("g1", team)), types.Error_Unsupported)
        self.assertIsInstance(failure(lambda: scim.deactivate(TEAM, "g1")), types.Error_Unsupported)


if __name__ == "__main__":
    unittest.main()
