"""REST v1 for customer profiles: attributes, preferences, feedback and business context, kept to the workspace."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import nullcontext
from typing import Any

import pytest
from django.test import Client

from frontdesk.contacts.attributes import create_definition
from frontdesk.contacts.models import (
    AttributeDefinition,
    AttributeType,
    Contact,
    ContactFeedback,
    ContactPreference,
    ContextObject,
)
from frontdesk.core.models import AuditEntry, Member, Role
from frontdesk.core.tokens import issue_token
from frontdesk.pipeline.events import Event, _subscribers
from tests.factories import make_contact, make_conversation, make_member, make_workspace

type Api = Callable[..., Any]


def api_for(client: Client, member: Member, on_commit: Any = None) -> Api:
    """Calls as ``member``; each call's after-commit callbacks (events) run when it returns."""
    token = issue_token(member, "tests")[1]

    def call(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        with on_commit(execute=True) if on_commit else nullcontext():
            return getattr(client, method)(
                f"/api/v1{path}",
                data=body or {},
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )

    return call


@pytest.fixture
def api(client: Client, agent: Member, django_capture_on_commit_callbacks: Any) -> Api:
    return api_for(client, agent, django_capture_on_commit_callbacks)


@pytest.fixture
def admin_api(client: Client, admin: Member, django_capture_on_commit_callbacks: Any) -> Api:
    return api_for(client, admin, django_capture_on_commit_callbacks)


@pytest.fixture
def events() -> Iterator[list[Event]]:
    received: list[Event] = []
    _subscribers["tests.profile_api"] = received.extend
    yield received
    del _subscribers["tests.profile_api"]


@pytest.fixture
def contact(agent: Member) -> Contact:
    return make_contact(agent.workspace, name="陳大文", email="taiman@example.com", phone="+85291234567")


@pytest.fixture
def foreign(db: None) -> dict[str, Any]:
    """Another workspace's contact and conversation."""
    workspace = make_workspace("Elsewhere")
    contact = make_contact(workspace, name="Someone else", email="else@example.com", customer_id="C-9")
    return {"workspace": workspace, "contact": contact, "conversation": make_conversation(workspace, contact=contact)}


def test_admins_define_attributes_and_agents_read_them(api: Api, admin_api: Api, admin: Member) -> None:
    created = admin_api("post", "/attributes", {"key": "tier", "label": "Tier", "type": "choice", "choices": ["Gold"]})
    assert created.status_code == 201 and created.json()["choices"] == ["Gold"]
    assert api("post", "/attributes", {"key": "x", "label": "X"}).status_code == 403
    assert api("patch", "/attributes/tier", {"label": "Mine"}).status_code == 403
    assert api("delete", "/attributes/tier").status_code == 403
    assert [d["key"] for d in api("get", "/attributes").json()] == ["tier"]
    patched = admin_api("patch", "/attributes/tier", {"choices": ["Gold", "Silver"]})
    assert patched.json() == {
        "key": "tier",
        "label": "Tier",
        "type": "choice",
        "choices": ["Gold", "Silver"],
        "position": 0,
    }
    assert admin_api("post", "/attributes", {"key": "tier", "label": "Again"}).status_code == 422
    assert admin_api("post", "/attributes", {"key": "x", "label": "X", "type": "colour"}).status_code == 422
    assert admin_api("patch", "/attributes/missing", {"label": "X"}).status_code == 404
    assert admin_api("delete", "/attributes/tier").status_code == 204
    assert not AttributeDefinition.in_workspace(admin.workspace).exists()


def test_the_contact_api_refuses_values_of_the_wrong_type_clearly(api: Api, admin: Member, contact: Contact) -> None:
    create_definition(admin, key="birthday", label="Birthday", type=AttributeType.DATE)
    create_definition(admin, key="vip", label="VIP", type=AttributeType.BOOLEAN)
    refused = api("patch", f"/contacts/{contact.pk}", {"attributes": {"birthday": "1 May", "vip": "sometimes"}})
    assert refused.status_code == 422
    assert refused.json() == {
        "detail": "birthday: Enter a date as YYYY-MM-DD, such as 2026-12-01. vip: Enter yes or no (true or false)."
    }
    accepted = api("patch", f"/contacts/{contact.pk}", {"attributes": {"birthday": "1990-05-01", "vip": "yes", "x": 1}})
    assert accepted.json()["attributes"] == {"birthday": "1990-05-01", "vip": True, "x": 1}
    assert api("post", "/contacts", {"name": "New", "attributes": {"vip": "perhaps"}}).status_code == 422


def test_preferences_are_listed_added_and_removed_with_their_source(
    api: Api, agent: Member, contact: Contact, events: list[Event]
) -> None:
    conversation = make_conversation(agent.workspace, contact=contact)
    added = api(
        "post",
        f"/contacts/{contact.pk}/preferences",
        {"kind": "like", "text": "aisle seats", "source_conversation_id": conversation.pk},
    )
    assert added.status_code == 201
    assert added.json()["source"] == {
        "conversation_id": conversation.pk,
        "member_id": agent.pk,
        "member_name": agent.display_name or str(agent.user),
    }
    listed = api("get", f"/contacts/{contact.pk}/preferences").json()
    assert [(p["kind"], p["text"]) for p in listed] == [("like", "aisle seats")]
    assert api("delete", f"/contacts/{contact.pk}/preferences/{added.json()['id']}").status_code == 204
    assert not ContactPreference.in_workspace(agent.workspace).exists()
    assert [e.type for e in events] == ["contact.preference_added", "contact.preference_removed"]


def test_a_source_conversation_of_another_contact_is_refused(api: Api, agent: Member, contact: Contact) -> None:
    other = make_conversation(agent.workspace, contact=make_contact(agent.workspace, name="Other"))
    for path in ("preferences", "feedback"):
        refused = api(
            "post",
            f"/contacts/{contact.pk}/{path}",
            {"kind": "like" if path == "preferences" else "complaint", "text": "x", "source_conversation_id": other.pk},
        )
        assert refused.json() == {"detail": "That conversation is not this contact's."}
    assert not ContactPreference.all_workspaces.exists() and not ContactFeedback.all_workspaces.exists()


def test_feedback_is_recorded_listed_and_removed(
    api: Api, agent: Member, contact: Contact, events: list[Event]
) -> None:
    conversation = make_conversation(agent.workspace, contact=contact)
    complaint = api(
        "post",
        f"/contacts/{contact.pk}/feedback",
        {"kind": "complaint", "text": " Bag  lost twice ", "source_conversation_id": conversation.pk},
    )
    assert complaint.status_code == 201 and complaint.json()["text"] == "Bag lost twice"
    api("post", f"/contacts/{contact.pk}/feedback", {"kind": "compliment", "text": "Kind crew"})
    listed = api("get", f"/contacts/{contact.pk}/feedback").json()
    assert [(f["kind"], f["text"], f["source"]["conversation_id"]) for f in listed] == [
        ("compliment", "Kind crew", None),
        ("complaint", "Bag lost twice", conversation.pk),
    ]
    assert api("post", f"/contacts/{contact.pk}/feedback", {"kind": "rant", "text": "x"}).json() == {
        "detail": "Choose compliment or complaint."
    }
    assert api("post", f"/contacts/{contact.pk}/feedback", {"kind": "complaint", "text": "  "}).status_code == 422
    assert api("delete", f"/contacts/{contact.pk}/feedback/{complaint.json()['id']}").status_code == 204
    assert api("delete", f"/contacts/{contact.pk}/feedback/{complaint.json()['id']}").status_code == 404
    assert [e.type for e in events] == ["contact.feedback_added", "contact.feedback_added", "contact.feedback_removed"]
    # The customer's words stay out of the event: every subscriber, webhooks too, hears of it.
    assert all("text" not in e.payload["feedback"] for e in events)
    assert {"contact.feedback_added", "contact.feedback_removed"} <= set(
        AuditEntry.in_workspace(agent.workspace).values_list("action", flat=True)
    )


def test_context_objects_are_upserted_listed_and_removed(
    api: Api, agent: Member, contact: Contact, events: list[Event]
) -> None:
    body = {
        "title": "HKG → NRT",
        "status": "confirmed",
        "url": "https://air.example/b/7QKD2P",
        "data": {"flight": "CX123", "date": "2026-12-01", "seats": 2, "paid": True},
    }
    created = api("put", f"/contacts/{contact.pk}/context/booking/7QKD2P", body)
    assert created.status_code == 201
    assert created.json()["data"] == body["data"] and created.json()["contact_id"] == contact.pk
    updated = api("put", f"/contacts/{contact.pk}/context/booking/7QKD2P", {**body, "status": "cancelled"})
    assert updated.status_code == 200 and updated.json()["status"] == "cancelled"
    assert (
        api("put", f"/contacts/{contact.pk}/context/booking/7QKD2P", {**body, "status": "cancelled"}).status_code == 200
    )
    listed = api("get", f"/contacts/{contact.pk}/context").json()
    assert [(c["kind"], c["external_id"], c["status"]) for c in listed] == [("booking", "7QKD2P", "cancelled")]
    assert [e.type for e in events] == ["context.updated", "context.updated"], "an unchanged PUT publishes nothing"
    assert events[0].payload["contact_id"] == contact.pk
    assert api("delete", f"/contacts/{contact.pk}/context/booking/7QKD2P").status_code == 204
    assert api("delete", f"/contacts/{contact.pk}/context/booking/7QKD2P").status_code == 404
    assert events[-1].type == "context.removed"
    assert not ContextObject.all_workspaces.exists()


def test_an_object_put_for_another_contact_moves_to_it(
    api: Api, agent: Member, contact: Contact, events: list[Event]
) -> None:
    other = make_contact(agent.workspace, name="Other")
    api("put", f"/contacts/{contact.pk}/context/order/A-1", {"title": "Order"})
    moved = api("put", f"/contacts/{other.pk}/context/order/A-1", {"title": "Order"})
    assert moved.status_code == 200 and moved.json()["contact_id"] == other.pk
    assert [(e.type, e.payload["contact_id"]) for e in events[1:]] == [
        ("context.updated", other.pk),
        ("context.removed", contact.pk),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "data:text/html,<script>alert(1)</script>"}, "url"),
        ({"url": 'https://x.example/"><script>'}, "url"),
        ({"data": {f"k{i}": i for i in range(51)}}, "at most 50 keys"),
        ({"data": {"nested": {"a": 1}}}, "only text, numbers"),
        ({"data": {"list": [1, 2]}}, "only text, numbers"),
        ({"data": {"long": "x" * 501}}, "at most 500"),
        ({"data": {"<b>": "x"}}, "data keys"),
        ({"data": {f"k{i}": "x" * 400 for i in range(30)}}, "bytes"),
        ({"title": "x" * 201}, "title"),
        ({"status": "x" * 51}, "status"),
    ],
)
def test_context_input_is_bounded_and_links_are_http_only(
    api: Api, contact: Contact, body: dict[str, Any], message: str
) -> None:
    refused = api("put", f"/contacts/{contact.pk}/context/order/A-1", body)
    assert refused.status_code == 422
    assert message.lower() in refused.json()["detail"].lower() or "link" in refused.json()["detail"].lower()
    assert not ContextObject.all_workspaces.exists()


def test_context_kinds_and_ids_are_checked(api: Api, contact: Contact) -> None:
    assert api("put", f"/contacts/{contact.pk}/context/Order!/A-1", {}).status_code == 422
    assert api("put", f"/contacts/{contact.pk}/context/order/%3Cscript%3E", {}).status_code == 422
    assert not ContextObject.all_workspaces.exists()


def test_integrators_attach_context_by_customer_id_email_or_phone(api: Api, agent: Member, contact: Contact) -> None:
    contact.customer_id = "CUST-42"
    contact.save()
    by_id = api("put", "/context/ticket/T-1", {"contact": {"customer_id": "CUST-42"}, "status": "open"})
    by_email = api("put", "/context/ticket/T-2", {"contact": {"email": "TaiMan@Example.com"}})
    by_phone = api("put", "/context/ticket/T-3", {"contact": {"phone": "+852 9123 4567"}})
    assert [r.status_code for r in (by_id, by_email, by_phone)] == [201, 201, 201]
    assert {r.json()["contact_id"] for r in (by_id, by_email, by_phone)} == {contact.pk}
    missing = api("put", "/context/ticket/T-4", {"contact": {"email": "nobody@example.com"}})
    assert missing.status_code == 404 and missing.json() == {"detail": "No contact matches."}
    assert api("put", "/context/ticket/T-5", {"contact": {}}).status_code == 422
    assert ContextObject.in_workspace(agent.workspace).count() == 3


def test_a_merged_contact_resolves_to_the_one_it_was_merged_into(api: Api, agent: Member, contact: Contact) -> None:
    absorbed = make_contact(agent.workspace, name="Old", customer_id="OLD-1", merged_into=contact)
    attached = api("put", "/context/order/A-9", {"contact": {"customer_id": "OLD-1"}})
    assert attached.status_code == 201 and attached.json()["contact_id"] == contact.pk
    # Named by id, a merged contact is hidden like a missing one.
    assert api("get", f"/contacts/{absorbed.pk}/context").status_code == 404


def test_other_workspaces_contacts_and_conversations_are_not_found_and_nothing_changes(
    api: Api, agent: Member, contact: Contact, foreign: dict[str, Any], events: list[Event]
) -> None:
    theirs, their_conversation = foreign["contact"], foreign["conversation"]
    mine_missing = 999_999
    ContextObject.all_workspaces.create(workspace=foreign["workspace"], contact=theirs, kind="order", external_id="X-1")
    feedback = ContactFeedback.all_workspaces.create(
        workspace=foreign["workspace"], contact=theirs, kind="complaint", text="secret"
    )
    preference = ContactPreference.all_workspaces.create(
        workspace=foreign["workspace"], contact=theirs, kind="like", text="secret"
    )
    requests = [
        ("get", "/contacts/{c}/preferences", None),
        ("post", "/contacts/{c}/preferences", {"kind": "like", "text": "x"}),
        ("get", "/contacts/{c}/feedback", None),
        ("post", "/contacts/{c}/feedback", {"kind": "complaint", "text": "x"}),
        ("get", "/contacts/{c}/context", None),
        ("put", "/contacts/{c}/context/order/X-1", {"title": "Mine now"}),
        ("delete", "/contacts/{c}/context/order/X-1", None),
    ]
    for method, path, body in requests:
        foreign_answer = api(method, path.format(c=theirs.pk), body)
        missing_answer = api(method, path.format(c=mine_missing), body)
        assert foreign_answer.status_code == 404, path
        assert foreign_answer.content == missing_answer.content, path
    # Their rows named under my contact's path, and their conversation as a source.
    assert api("delete", f"/contacts/{contact.pk}/feedback/{feedback.pk}").status_code == 404
    assert api("delete", f"/contacts/{contact.pk}/preferences/{preference.pk}").status_code == 404
    for path, kind in (("preferences", "like"), ("feedback", "complaint")):
        answer = api(
            "post",
            f"/contacts/{contact.pk}/{path}",
            {"kind": kind, "text": "x", "source_conversation_id": their_conversation.pk},
        )
        missing = api(
            "post",
            f"/contacts/{contact.pk}/{path}",
            {"kind": kind, "text": "x", "source_conversation_id": mine_missing},
        )
        assert answer.status_code == 404 and answer.content == missing.content
    # Their contact's customer id and email do not resolve from my workspace; their object does not move.
    assert api("put", "/context/order/X-1", {"contact": {"customer_id": "C-9"}}).status_code == 404
    assert api("put", "/context/order/X-1", {"contact": {"email": "else@example.com"}}).status_code == 404
    assert ContextObject.all_workspaces.get(external_id="X-1").contact_id == theirs.pk
    assert ContactFeedback.all_workspaces.count() == 1 and ContactPreference.all_workspaces.count() == 1
    assert not ContextObject.in_workspace(agent.workspace).exists()
    assert not events
    assert not AuditEntry.in_workspace(foreign["workspace"]).exists()


def test_an_object_id_of_another_workspace_is_independent(
    api: Api, agent: Member, contact: Contact, foreign: dict[str, Any]
) -> None:
    theirs = ContextObject.all_workspaces.create(
        workspace=foreign["workspace"], contact=foreign["contact"], kind="order", external_id="X-1"
    )
    mine = api("put", f"/contacts/{contact.pk}/context/order/X-1", {"title": "My order"})
    assert mine.status_code == 201 and mine.json()["id"] != theirs.pk
    theirs.refresh_from_db()
    assert theirs.contact_id == foreign["contact"].pk and theirs.title == ""


def test_agents_of_a_workspace_without_a_role_change_nothing(client: Client, contact: Contact) -> None:
    elsewhere = api_for(client, make_member(make_workspace("Other"), Role.ADMIN))
    assert elsewhere("get", "/attributes").json() == []
