"""SCIM resources to records and back, with what real services vary in."""

import unittest

from componentize_py_types import Err
from wit_world.imports import types

from scim_connector import mapping
from scim_connector.mapping import Unmappable
from scripted import hub_user, scim_user

ENTERPRISE = mapping.ENTERPRISE_SCHEMA


class ReadTest(unittest.TestCase):
    def test_a_full_user_maps_every_field_it_has(self):
        user = mapping.user_from(
            scim_user(
                "u1",
                "alice",
                externalId="hr-7",
                displayName="Alice Smith",
                name={"givenName": "Alice", "familyName": "Smith"},
                emails=[
                    {"value": "alice@home.example", "type": "home"},
                    {"value": "alice@example.com", "type": "work", "primary": True},
                ],
                phoneNumbers=[{"value": "+1 555 0100"}, {"value": "+1 555 0199", "primary": True}],
                groups=[{"value": "g1", "display": "Support"}],
                roles=[{"value": "agent"}],
                active=True,
                meta={"lastModified": "2026-01-02T03:04:05Z"},
                **{ENTERPRISE: {"employeeNumber": "E-42"}},
            )
        )
        self.assertEqual(
            user,
            types.User(
                id="u1",
                username="alice",
                first_name="Alice",
                last_name="Smith",
                email="alice@example.com",
                active=True,
                team_id="g1",
                security_profile_id=None,
                roles=["agent"],
                permissions=[],
                primary_phone="+1 555 0199",
                phones=["+1 555 0100", "+1 555 0199"],
                employee_id="E-42",
                site_id=None,
                groups=["Support"],
                password_set=None,
                extra=[
                    types.KeyValue("externalId", "hr-7"),
                    types.KeyValue("displayName", "Alice Smith"),
                    types.KeyValue("lastModified", "2026-01-02T03:04:05Z"),
                ],
            ),
        )

    def test_what_services_vary_in_is_accepted(self):
        bare = mapping.user_from(scim_user("u2", "bob"))
        self.assertTrue(bare.active, "active absent means active")
        self.assertEqual(
            (bare.email, bare.first_name, bare.groups, bare.team_id), (None, None, [], None)
        )
        unmarked = mapping.user_from(
            scim_user(
                "u3", "carol", emails=[{"value": "carol@example.com"}, {"value": "c@x.example"}]
            )
        )
        self.assertEqual(unmarked.email, "carol@example.com", "without primary: the first")
        self.assertEqual(
            mapping.user_from(
                scim_user("u4", "dan", emails=[{"value": "d@x", "primary": "true"}])
            ).email,
            "d@x",
        )
        self.assertFalse(mapping.user_from(scim_user("u5", "eve", active="False")).active)
        self.assertTrue(mapping.user_from(scim_user("u6", "fay", active=None)).active)
        two_groups = mapping.user_from(
            scim_user("u7", "gus", groups=[{"value": "g1"}, {"value": "g2", "display": "Sales"}])
        )
        self.assertEqual((two_groups.groups, two_groups.team_id), (["g1", "Sales"], None))

    def test_an_unmappable_user_names_the_field(self):
        for resource, reason in [
            ("not an object", "the resource is not a JSON object"),
            ({"userName": "x"}, "id is missing"),
            (scim_user("u1", ""), "userName is missing"),
            (scim_user("u1", 7), "userName is not a string"),
            (scim_user("u1", "x", active="maybe"), "active is not a boolean"),
            (scim_user("u1", "x", emails="a@b"), "emails is not a list"),
            (scim_user("u1", "x", emails=["a@b"]), "emails[0] is not an object"),
            (scim_user("u1", "x", name="Alice"), "name is not an object"),
            (scim_user("u1", "x", name={"givenName": 3}), "name.givenName is not a string"),
        ]:
            with self.assertRaises(Unmappable) as caught:
                mapping.user_from(resource)
            self.assertEqual(caught.exception.reason, reason)

    def test_groups_map_to_teams_and_need_a_display_name(self):
        self.assertEqual(
            mapping.team_from({"id": "g1", "displayName": "Support"}),
            types.Team(id="g1", name="Support", features=[], active=True),
        )
        with self.assertRaises(Unmappable) as caught:
            mapping.team_from({"id": "g1"})
        self.assertEqual(caught.exception.reason, "displayName is missing")


class WriteTest(unittest.TestCase):
    def test_a_create_carries_the_owned_fields_and_the_external_id(self):
        self.assertEqual(
            mapping.new_user(hub_user().value, "acme/user/7"),
            {
                "schemas": [mapping.USER_SCHEMA],
                "externalId": "acme/user/7",
                "userName": "dave",
                "name": {"givenName": "Dave", "familyName": "Jones"},
                "emails": [{"value": "dave@example.com", "type": "work", "primary": True}],
                "active": True,
            },
        )

    def test_an_update_changes_only_owned_fields_and_keeps_the_rest(self):
        current = scim_user(
            "u1",
            "dave.old",
            externalId="acme/user/7",
            name={"givenName": "D", "familyName": "Jones", "honorificPrefix": "Dr"},
            emails=[{"value": "old@example.com", "primary": True}, {"value": "dave@home.example"}],
            phoneNumbers=[{"value": "+1 555 0100"}],
            groups=[{"value": "g1"}],
            meta={"version": 'W/"3"'},
        )
        changed = mapping.apply_user(current, hub_user(first_name=None, active=False).value)
        self.assertEqual(
            changed,
            {
                "schemas": [mapping.USER_SCHEMA],
                "id": "u1",
                "userName": "dave",
                "externalId": "acme/user/7",
                "name": {"familyName": "Jones", "honorificPrefix": "Dr"},
                "emails": [
                    {"value": "dave@example.com", "primary": True},
                    {"value": "dave@home.example"},
                ],
                "phoneNumbers": [{"value": "+1 555 0100"}],
                "active": False,
            },
        )
        self.assertEqual(current["userName"], "dave.old", "the resource read is not changed")
        no_email = mapping.apply_user(current, hub_user(email=None).value)
        self.assertEqual(no_email["emails"], [{"value": "dave@home.example"}])

    def test_a_user_without_username_cannot_be_written(self):
        with self.assertRaises(Err) as caught:
            mapping.new_user(hub_user(username=None).value, "acme/user/7")
        self.assertIsInstance(caught.exception.value, types.Error_Rejected)


if __name__ == "__main__":
    unittest.main()
