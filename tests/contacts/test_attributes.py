"""Typed contact attributes: each type's values coerced or refused clearly, on every write, and their Settings page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from frontdesk.contacts import actions
from frontdesk.contacts.attributes import coerce_value, create_definition
from frontdesk.contacts.models import AttributeDefinition, AttributeType, Contact
from frontdesk.core.models import AuditEntry, Member, Role
from tests.factories import make_contact, make_member, make_workspace

HOSTILE_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java&#09;script:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "https://",
    'https://x.example/"><script>alert(1)</script>',
    "ftp://files.example/a",
]


def definition(kind: AttributeType, choices: list[str] | None = None) -> AttributeDefinition:
    return AttributeDefinition(key="k", label="K", type=kind, choices=choices or [])


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        (AttributeType.TEXT, "  Window seat  ", "Window seat"),
        (AttributeType.TEXT, 42, "42"),
        (AttributeType.NUMBER, "42", 42),
        (AttributeType.NUMBER, "-3.50", -3.5),
        (AttributeType.NUMBER, 7, 7),
        (AttributeType.NUMBER, 2.25, 2.25),
        (AttributeType.BOOLEAN, "yes", True),
        (AttributeType.BOOLEAN, "false", False),
        (AttributeType.BOOLEAN, True, True),
        (AttributeType.BOOLEAN, 0, False),
        (AttributeType.DATE, "2026-12-01", "2026-12-01"),
        (AttributeType.URL, "https://shop.example/orders/42?x=1&y=2", "https://shop.example/orders/42?x=1&y=2"),
        (AttributeType.URL, "HTTP://Shop.example", "HTTP://Shop.example"),
        (AttributeType.TEXT, "", None),
        (AttributeType.NUMBER, "   ", None),
    ],
)
def test_values_are_coerced_to_their_type(kind: AttributeType, raw: Any, stored: Any) -> None:
    value = coerce_value(definition(kind), raw)
    assert value == stored and type(value) is type(stored)


def test_a_choice_keeps_the_definitions_spelling() -> None:
    assert coerce_value(definition(AttributeType.CHOICE, ["Gold", "Silver"]), "gold") == "Gold"


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        (AttributeType.NUMBER, "twelve", "Enter a number"),
        (AttributeType.NUMBER, "1,000", "Enter a number"),
        (AttributeType.NUMBER, True, "Enter a number"),
        (AttributeType.NUMBER, "1e400", "Enter a number"),
        (AttributeType.NUMBER, 10**16, "between"),
        (AttributeType.NUMBER, float("nan"), "between"),
        (AttributeType.BOOLEAN, "maybe", "yes or no"),
        (AttributeType.BOOLEAN, 2, "yes or no"),
        (AttributeType.DATE, "01/12/2026", "YYYY-MM-DD"),
        (AttributeType.DATE, "2026-02-30", "not a date in the calendar"),
        (AttributeType.DATE, 20261201, "YYYY-MM-DD"),
        (AttributeType.CHOICE, "Bronze", "Choose one of: Gold, Silver."),
        (AttributeType.TEXT, "x" * 501, "at most 500"),
        (AttributeType.TEXT, ["a"], "Enter text"),
        (AttributeType.URL, "https://" + "a" * 500 + ".example", "at most 500"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(kind: AttributeType, raw: Any, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        coerce_value(definition(kind, ["Gold", "Silver"]), raw)
    assert message in " ".join(refused.value.messages)


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_links_other_than_http_are_never_stored(agent: Member, url: str) -> None:
    create_definition(agent, key="website", label="Website", type=AttributeType.URL)
    contact = make_contact(agent.workspace, name="Mallory")
    with pytest.raises(ValidationError):
        actions.update_contact(contact, agent, attributes={"website": url})
    with pytest.raises(ValidationError):
        actions.set_attribute(contact, agent, "website", url)
    assert Contact.all_workspaces.get(pk=contact.pk).attributes == {}


def test_contact_writes_coerce_defined_keys_and_keep_free_ones_as_text(agent: Member) -> None:
    create_definition(agent, key="tier", label="Tier", type=AttributeType.CHOICE, choices=["Gold", "Silver"])
    create_definition(agent, key="flights", label="Flights", type=AttributeType.NUMBER)
    contact = actions.create_contact(agent, name="陳大文", attributes={"tier": "gold", "flights": "40", "note": "x"})
    assert contact.attributes == {"tier": "Gold", "flights": 40, "note": "x"}
    actions.set_attribute(contact, agent, "flights", "41", previous_key="flights")
    actions.update_contact(contact, agent, attributes={"tier": ""})
    assert Contact.all_workspaces.get(pk=contact.pk).attributes == {"flights": 41, "note": "x"}
    with pytest.raises(ValidationError) as refused:
        actions.update_contact(contact, agent, attributes={"tier": "Bronze", "flights": "many"})
    assert refused.value.messages == [
        "tier: Choose one of: Gold, Silver.",
        "flights: Enter a number, such as 42 or 3.5.",
    ]


def test_definitions_are_checked(agent: Member) -> None:
    create_definition(agent, key="tier", label="Tier", type=AttributeType.TEXT)
    for fields, field in [
        ({"key": "tier", "label": "Again", "type": "text"}, "key"),
        ({"key": "Has Space", "label": "X", "type": "text"}, "key"),
        ({"key": "ok", "label": " ", "type": "text"}, "label"),
        ({"key": "ok", "label": "X", "type": "colour"}, "type"),
        ({"key": "ok", "label": "X", "type": "choice", "choices": "\n \n"}, "choices"),
    ]:
        with pytest.raises(ValidationError) as refused:
            create_definition(agent, **fields)
        assert field in refused.value.message_dict
    assert AttributeDefinition.in_workspace(agent.workspace).count() == 1


# The Settings page.


@pytest.fixture
def admin_client(client: Client, admin: Member) -> Client:
    client.force_login(admin.user)
    return client


def test_an_admin_defines_edits_reorders_and_deletes_attributes(admin_client: Client, admin: Member) -> None:
    page = admin_client.get("/settings/contact-attributes/")
    assert page.status_code == 200 and "No attributes defined yet" in page.content.decode()
    assert 'href="/settings/contact-attributes/"' in page.content.decode(), "the Settings navigation links it"
    created = admin_client.post(
        "/settings/contact-attributes/new/",
        {"key": "tier", "label": "Membership tier", "type": "choice", "choices": "Gold\nSilver\nGold\n"},
    )
    assert created.status_code == 302
    admin_client.post("/settings/contact-attributes/new/", {"key": "birthday", "label": "Birthday", "type": "date"})
    tier = AttributeDefinition.in_workspace(admin.workspace).get(key="tier")
    assert tier.choices == ["Gold", "Silver"] and tier.position == 0
    edited = admin_client.post(
        f"/settings/contact-attributes/{tier.pk}/",
        {"key": "renamed", "label": "Tier", "type": "choice", "choices": "Gold\nSilver\nBronze"},
    )
    assert edited.status_code == 302
    tier.refresh_from_db()
    assert (tier.key, tier.label, tier.choices) == ("tier", "Tier", ["Gold", "Silver", "Bronze"])
    admin_client.post(f"/settings/contact-attributes/{tier.pk}/move/", {"direction": "down"})
    order = list(AttributeDefinition.in_workspace(admin.workspace).order_by("position").values_list("key", flat=True))
    assert order == ["birthday", "tier"]
    listed = admin_client.get("/settings/contact-attributes/").content.decode()
    assert listed.index("Birthday") < listed.index("Gold, Silver, Bronze")
    admin_client.post(f"/settings/contact-attributes/{tier.pk}/delete/")
    assert list(AttributeDefinition.in_workspace(admin.workspace).values_list("key", flat=True)) == ["birthday"]
    actions_logged = set(AuditEntry.in_workspace(admin.workspace).values_list("action", flat=True))
    assert {
        "attribute_definition.created",
        "attribute_definition.updated",
        "attribute_definition.moved",
        "attribute_definition.deleted",
    } <= actions_logged


def test_the_form_shows_errors_and_escapes_what_was_typed(admin_client: Client, admin: Member) -> None:
    refused = admin_client.post(
        "/settings/contact-attributes/new/", {"key": "<b>x", "label": "<script>alert(1)</script>", "type": "choice"}
    )
    body = refused.content.decode()
    assert refused.status_code == 422
    assert "A key has 1 to 40 lower-case letters" in body and "List the choices, one a line." in body
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert not AttributeDefinition.in_workspace(admin.workspace).exists()


def test_agents_may_not_define_attributes(client: Client, agent: Member, admin: Member) -> None:
    tier = create_definition(admin, key="tier", label="Tier", type=AttributeType.TEXT)
    client.force_login(agent.user)
    assert client.get("/settings/contact-attributes/").status_code == 403
    assert (
        client.post("/settings/contact-attributes/new/", {"key": "x", "label": "X", "type": "text"}).status_code == 403
    )
    assert client.post(f"/settings/contact-attributes/{tier.pk}/", {"label": "Y", "type": "text"}).status_code == 403
    assert client.post(f"/settings/contact-attributes/{tier.pk}/delete/").status_code == 403
    assert client.post(f"/settings/contact-attributes/{tier.pk}/move/").status_code == 403
    assert "/settings/contact-attributes/" not in client.get("/settings/canned-responses/").content.decode()
    assert list(AttributeDefinition.in_workspace(agent.workspace).values_list("label", flat=True)) == ["Tier"]


def test_another_workspaces_definition_is_not_found(admin_client: Client) -> None:
    elsewhere = make_member(make_workspace("Elsewhere"), Role.ADMIN)
    theirs = create_definition(elsewhere, key="tier", label="Tier", type=AttributeType.TEXT)
    for path in (f"{theirs.pk}/", f"{theirs.pk}/delete/", f"{theirs.pk}/move/"):
        assert admin_client.post(f"/settings/contact-attributes/{path}", {"label": "Mine"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.label == "Tier"
