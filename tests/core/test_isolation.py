"""Tenants never meet: every route, called by a member of another workspace, leaks nothing.

The routes are read from the URL configuration, so a route added later is
covered automatically, and the test fails if it takes an id this test does
not know how to fill in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from frontdesk.callbacks.models import CallbackRequest
from frontdesk.canned.models import CannedResponse
from frontdesk.contacts.models import (
    AttributeDefinition,
    Contact,
    ContactFeedback,
    ContactMerge,
    ContactNote,
    ContactPreference,
    ContextObject,
)
from frontdesk.conversations.attachments import store_attachment
from frontdesk.conversations.models import Conversation, ConversationLabel, Message, MessageKind
from frontdesk.core.invitations import invite
from frontdesk.core.models import ApiToken, AuditEntry, Member, Role, Workspace
from frontdesk.core.tokens import issue_token
from frontdesk.inbox.models import SavedFilter
from frontdesk.incidents.models import DuplicateCandidate, Incident, IncidentConversation
from frontdesk.notifications.models import Notification, NotificationKind
from frontdesk.pipeline.models import MAX_ATTEMPTS, InboundEvent
from frontdesk.search.indexing import reindex
from frontdesk.segments.models import Segment
from tests.factories import (
    make_channel,
    make_contact,
    make_conversation,
    make_identity,
    make_label,
    make_member,
    make_message,
    make_team,
    make_workspace,
)

MARKER = "ZZSECRETB"

# Routes that are not about tenant data (sign-in, static assets, docs); they
# are still requested and checked for leaks, with these placeholder values.
NON_TENANT_PARAMETERS = {
    "uidb36": "1",
    "key": "abc-def",
    "path": "x",
    "provider": "x",
    "type": "x",
    # Provider webhooks name their channel by an unguessable token, never by a tenant id.
    "kind": "api",
    "webhook_token": "x",
    # A reply's file for providers to fetch is named by a signed, expiring token (tests/conversations/test_replies.py).
    "token": "x",
    # The web-chat widget's public endpoints name their channel the same way (docs/widget.md).
    "channel_token": "x",
}


@dataclass
class Tenant:
    workspace: Workspace
    member: Member
    objects: dict[str, Any]
    token: str


def build_tenant(name: str, marker: str) -> Tenant:
    workspace = make_workspace(f"{name} {marker}")
    member = make_member(workspace, Role.OWNER)
    other = make_member(workspace, Role.AGENT)
    other.user.name = f"Agent {marker}"
    other.user.save()
    team = make_team(workspace, f"Team {marker}", members=[member, other])
    channel = make_channel(workspace, name=f"Channel {marker}", secrets={"token": f"secret-{marker}"})
    contact = make_contact(workspace, name=f"Contact {marker}", email=f"{marker.lower()}@example.com")
    identity = make_identity(contact, channel, external_id=f"ext-{marker}")
    label = make_label(workspace, f"label-{marker}")
    conversation = make_conversation(
        workspace, contact=contact, channel=channel, subject=f"Subject {marker}", last_message_preview=marker
    )
    ConversationLabel.all_workspaces.create(workspace=workspace, conversation=conversation, label=label)
    message = make_message(conversation, text=f"Message {marker}")
    make_message(conversation, MessageKind.NOTE, text=f"Note {marker}", author=other)
    attachment = store_attachment(message, f"file-{marker}.txt", f"attachment {marker}".encode())
    api_token, token = issue_token(member, f"token {marker}")
    # An inbound event the worker gave up on (a dead letter), with the marker in its error.
    event = InboundEvent.all_workspaces.create(
        workspace=workspace,
        channel=channel,
        provider_event_id=f"evt-{marker}",
        payload={"marker": marker},
        attempts=MAX_ATTEMPTS,
        error=f"Error {marker}",
    )
    preference = ContactPreference.all_workspaces.create(
        workspace=workspace, contact=contact, kind="like", text=f"Likes {marker}", source_conversation=conversation
    )
    contact_note = ContactNote.all_workspaces.create(
        workspace=workspace, contact=contact, author=member, text=f"Staff note {marker}"
    )
    callback = CallbackRequest.all_workspaces.create(
        workspace=workspace, conversation=conversation, contact=contact, channel=channel, phone="+85291234567"
    )
    canned = CannedResponse.all_workspaces.create(
        workspace=workspace, shortcut=f"canned-{marker.lower()}", title=f"Canned {marker}", text=f"Text {marker}"
    )
    segment = Segment.all_workspaces.create(
        workspace=workspace,
        name=f"Segment {marker}",
        definition={"match": "all", "rules": [{"type": "channel", "channel_id": channel.pk}]},
    )
    saved_filter = SavedFilter.all_workspaces.create(
        workspace=workspace, member=member, name=f"Filter {marker}", query="status=pending", shared=True
    )
    notification = Notification.all_workspaces.create(
        workspace=workspace, member=member, kind=NotificationKind.ASSIGNED, conversation=conversation, actor=other
    )
    invitation, _link_token = invite(member, f"invitee-{marker.lower()}@example.com", Role.AGENT, [team])
    feedback = ContactFeedback.all_workspaces.create(
        workspace=workspace,
        contact=contact,
        kind="complaint",
        text=f"Complaint {marker}",
        source_conversation=conversation,
    )
    attribute = AttributeDefinition.all_workspaces.create(
        workspace=workspace, key=f"tier-{marker.lower()}", label=f"Tier {marker}", type="choice", choices=[marker]
    )
    context_object = ContextObject.all_workspaces.create(
        workspace=workspace, contact=contact, kind="order", external_id=f"ORD-{marker}", title=f"Order {marker}"
    )
    # A merge of another contact into this one, which may be undone.
    absorbed = make_contact(workspace, name=f"Absorbed {marker}")
    merge = ContactMerge.all_workspaces.create(workspace=workspace, kept=contact, absorbed=absorbed)
    incident = Incident.all_workspaces.create(workspace=workspace, title=f"Incident {marker}")
    IncidentConversation.all_workspaces.create(workspace=workspace, incident=incident, conversation=conversation)
    twin = make_conversation(workspace, channel=channel, last_message_preview=f"Twin {marker}")
    duplicate = DuplicateCandidate.all_workspaces.create(
        workspace=workspace, conversation=conversation, other=twin, score=0.9
    )
    return Tenant(
        workspace=workspace,
        member=member,
        token=token,
        objects={
            "workspace_id": workspace.pk,
            "member_id": other.pk,
            "team_id": team.pk,
            "channel_id": channel.pk,
            "contact_id": contact.pk,
            "identity_id": identity.pk,
            "label_id": label.pk,
            "conversation_id": conversation.pk,
            "message_id": message.pk,
            "attachment_id": attachment.pk,
            "token_id": api_token.pk,
            "event_id": event.pk,
            "callback_id": callback.pk,
            "preference_id": preference.pk,
            "note_id": contact_note.pk,
            "saved_filter_id": saved_filter.pk,
            "canned_id": canned.pk,
            "segment_id": segment.pk,
            "invitation_id": invitation.pk,
            "notification_id": notification.pk,
            "incident_id": incident.pk,
            "duplicate_id": duplicate.pk,
            "feedback_id": feedback.pk,
            "attribute_id": attribute.pk,
            "merge_id": merge.pk,
            # A business context object is named by its kind and the business's own id (contacts.context).
            "external_id": context_object.external_id,
        },
    )


def all_routes() -> list[tuple[str, list[str]]]:
    """Every URL pattern as (regex source, parameter names), depth first."""
    routes: list[tuple[str, list[str]]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            source = prefix + str(pattern.pattern.regex.pattern).lstrip("^").rstrip("$").replace(r"\Z", "")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, source)
            elif isinstance(pattern, URLPattern):
                routes.append((source, list(pattern.pattern.regex.groupindex)))

    walk(get_resolver().url_patterns, "")
    return routes


def fill(source: str, values: dict[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        return str(values[match.group(1)])

    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", replace, source)
    path = path.replace("\\", "")
    return "/" + path.lstrip("/")


@pytest.fixture
def tenants(db: None) -> tuple[Tenant, Tenant]:
    return build_tenant("Alpha", "ZZALPHA"), build_tenant("Beta", MARKER)


def request_as(client: Client, tenant: Tenant, method: str, path: str) -> Any:
    client.force_login(tenant.member.user)
    session = client.session
    session["frontdesk_workspace_id"] = tenant.workspace.pk
    session.save()
    if path.startswith("/api/"):
        # A body every API write accepts, so a refusal comes from the id, not from validation.
        body = {
            "kind": "note",
            "text": "probe",
            "name": "probe",
            "title": "probe",
            "outcome": "reached",
            "member_id": 1,
            "absorb": 1,
        }
        return getattr(client, method)(
            path, data=body, content_type="application/json", headers={"Authorization": f"Bearer {tenant.token}"}
        )
    return getattr(client, method)(path)


def body_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def test_every_route_refuses_other_workspaces_objects(tenants: tuple[Tenant, Tenant], client: Client) -> None:
    alpha, beta = tenants
    routes = all_routes()
    assert len(routes) > 20, "the URL configuration was not read"
    checked = 0
    for source, parameters in routes:
        unknown = [p for p in parameters if p not in beta.objects and p not in NON_TENANT_PARAMETERS]
        assert not unknown, f"{source} takes {unknown}: teach this test which object that is"
        path = fill(source, {**NON_TENANT_PARAMETERS, **beta.objects})
        takes_tenant_id = any(p in beta.objects for p in parameters)
        for method in ("get", "post", "patch"):
            response = request_as(client, alpha, method, path)
            body = body_of(response)
            assert MARKER.encode() not in body, f"{method.upper()} {path} leaked another workspace's data"
            if takes_tenant_id:
                assert response.status_code in {403, 404, 405}, (
                    f"{method.upper()} {path} answered {response.status_code} for another workspace's id"
                )
        checked += 1
    assert checked == len(routes)


def test_other_workspaces_ids_answer_exactly_like_missing_ids(tenants: tuple[Tenant, Tenant], client: Client) -> None:
    alpha, beta = tenants
    for source, parameters in all_routes():
        if not parameters or any(p not in beta.objects for p in parameters):
            continue
        foreign = request_as(client, alpha, "get", fill(source, beta.objects))
        missing = request_as(client, alpha, "get", fill(source, dict.fromkeys(beta.objects, 999999)))
        assert foreign.status_code == missing.status_code, source
        if foreign.status_code == 404:
            assert body_of(foreign) == body_of(missing), f"{source}: a foreign id is distinguishable from a missing one"


def test_cross_workspace_requests_change_nothing(tenants: tuple[Tenant, Tenant], client: Client) -> None:
    alpha, beta = tenants
    before = {model: model.in_workspace(beta.workspace).count() for model in (Message, Contact, AuditEntry)}
    for source, parameters in all_routes():
        if parameters and all(p in beta.objects for p in parameters):
            for method in ("post", "patch"):
                request_as(client, alpha, method, fill(source, beta.objects))
    assert {model: model.in_workspace(beta.workspace).count() for model in before} == before
    conversation = Conversation.in_workspace(beta.workspace).get(pk=beta.objects["conversation_id"])
    assert conversation.subject == f"Subject {MARKER}" and conversation.status == "open"
    token = ApiToken.all_workspaces.get(pk=beta.objects["token_id"])
    assert token.revoked_at is None
    assert Segment.in_workspace(beta.workspace).get().name == f"Segment {MARKER}"
    # Switching into a workspace one is not a member of is refused.
    assert client.session["frontdesk_workspace_id"] == alpha.workspace.pk


def test_api_lists_only_own_workspace(tenants: tuple[Tenant, Tenant], client: Client) -> None:
    alpha, _beta = tenants
    for path in ["/api/v1/conversations", "/api/v1/contacts", "/api/v1/channels", "/api/v1/members", "/api/v1/teams"]:
        response = client.get(path, headers={"Authorization": f"Bearer {alpha.token}"})
        assert response.status_code == 200, path
        assert MARKER.encode() not in response.content
        assert b"ZZALPHA" in response.content, f"{path} should show the caller's own data"


def test_search_finds_only_own_workspace(tenants: tuple[Tenant, Tenant], client: Client) -> None:
    alpha, beta = tenants
    reindex(alpha.workspace.pk)
    reindex(beta.workspace.pk)
    # "zzsecret" matches the marker as a prefix; the page repeats the query, but never in capitals.
    for kind in ("", "message", "note", "contact", "contact_note", "conversation"):
        page = request_as(client, alpha, "get", f"/inbox/search/?q=zzsecret&kind={kind}")
        assert page.status_code == 200 and MARKER.encode() not in page.content, kind
    for path in ("/inbox/search/results.json?q=zzsecret", "/inbox/?q=zzsecret"):
        response = request_as(client, alpha, "get", path)
        assert response.status_code == 200 and MARKER.encode() not in response.content, path
    headers = {"Authorization": f"Bearer {alpha.token}"}
    response = client.get("/api/v1/search", {"q": "zzsecret"}, headers=headers)
    assert response.status_code == 200 and MARKER.encode() not in response.content
    own = client.get("/api/v1/search", {"q": "zzalph"}, headers=headers)
    assert b"ZZALPHA" in own.content, "search should find the caller's own data"


def test_attachment_storage_path_is_per_workspace(tenants: tuple[Tenant, Tenant]) -> None:
    _alpha, beta = tenants
    from frontdesk.conversations.models import Attachment

    attachment = Attachment.all_workspaces.get(pk=beta.objects["attachment_id"])
    stored_name = str(attachment.file.name)
    assert stored_name.startswith(f"attachments/{beta.workspace.pk}/")
    assert MARKER not in stored_name
