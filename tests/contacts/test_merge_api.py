"""The API of one person across channels: customer ids, suggestions, merge, history and undo."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.contacts.models import Contact, ContactMerge, Identity
from frontdesk.core.models import Member, Role, Workspace
from frontdesk.core.tokens import issue_token
from tests.factories import make_channel, make_contact, make_identity, make_member, make_workspace


def bearer(member: Member) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(member, 'tests')[1]}"}


@pytest.mark.django_db
def test_customer_id_is_written_read_and_unique(client: Client, agent: Member) -> None:
    headers = bearer(agent)
    created = client.post(
        "/api/v1/contacts", {"name": "Ada", "customer_id": "C-1"}, content_type="application/json", headers=headers
    )
    assert created.status_code == 201 and created.json()["customer_id"] == "C-1"
    again = client.post(
        "/api/v1/contacts", {"name": "Bea", "customer_id": "C-1"}, content_type="application/json", headers=headers
    )
    assert again.status_code == 422
    patched = client.patch(
        f"/api/v1/contacts/{created.json()['id']}",
        {"customer_id": "C-2"},
        content_type="application/json",
        headers=headers,
    )
    assert patched.json()["customer_id"] == "C-2"


@pytest.mark.django_db
def test_suggest_merge_list_and_undo(client: Client, workspace: Workspace, agent: Member) -> None:
    supervisor = make_member(workspace, Role.SUPERVISOR)
    kept = make_contact(workspace, name="陳大文", phone="+85291234567")
    absorbed = make_contact(workspace, name="陈大文", phone="+8691234567")
    identity = make_identity(absorbed, make_channel(workspace))
    headers = bearer(agent)

    [suggestion] = client.get(f"/api/v1/contacts/{kept.pk}/suggestions", headers=headers).json()
    assert suggestion["contact"]["id"] == absorbed.pk
    assert suggestion["reasons"] == ["same_name", "phone_country_code"]

    merged = client.post(
        f"/api/v1/contacts/{kept.pk}/merge", {"absorb": absorbed.pk}, content_type="application/json", headers=headers
    )
    assert merged.status_code == 201
    merge_id = merged.json()["id"]
    assert merged.json()["moved"]["rows"]["contacts.identity.contact"] == [identity.pk]
    listed = [item["id"] for item in client.get("/api/v1/contacts", headers=headers).json()["items"]]
    assert absorbed.pk not in listed and kept.pk in listed
    detail = client.get(f"/api/v1/contacts/{absorbed.pk}", headers=headers).json()
    assert detail["merged_into_id"] == kept.pk
    assert [item["id"] for item in client.get(f"/api/v1/contacts/{kept.pk}/merges", headers=headers).json()] == [
        merge_id
    ]

    assert client.post(f"/api/v1/contacts/merges/{merge_id}/undo", headers=headers).status_code == 403
    undone = client.post(f"/api/v1/contacts/merges/{merge_id}/undo", headers=bearer(supervisor))
    assert undone.status_code == 200 and undone.json()["undone_at"] is not None
    assert Identity.all_workspaces.get(pk=identity.pk).contact_id == absorbed.pk
    assert client.post(f"/api/v1/contacts/merges/{merge_id}/undo", headers=bearer(supervisor)).status_code == 422


@pytest.mark.django_db
def test_another_workspaces_ids_answer_404_like_missing_ones_and_change_nothing(
    client: Client, workspace: Workspace, agent: Member
) -> None:
    other = make_workspace()
    theirs, their_other = make_contact(other), make_contact(other)
    their_merge = ContactMerge.all_workspaces.create(workspace=other, kept=theirs, absorbed=their_other)
    mine = make_contact(workspace)
    headers = bearer(make_member(workspace, Role.ADMIN))
    missing = 999999
    # (method, url with their id, body with their id, the same with an id that exists nowhere)
    requests = [
        ("get", f"/api/v1/contacts/{theirs.pk}/suggestions", None, f"/api/v1/contacts/{missing}/suggestions", None),
        ("get", f"/api/v1/contacts/{theirs.pk}/merges", None, f"/api/v1/contacts/{missing}/merges", None),
        (
            "post",
            f"/api/v1/contacts/{mine.pk}/merge",
            {"absorb": theirs.pk},
            f"/api/v1/contacts/{mine.pk}/merge",
            {"absorb": missing},
        ),
        (
            "post",
            f"/api/v1/contacts/{theirs.pk}/merge",
            {"absorb": mine.pk},
            f"/api/v1/contacts/{missing}/merge",
            {"absorb": mine.pk},
        ),
        (
            "post",
            f"/api/v1/contacts/merges/{their_merge.pk}/undo",
            None,
            f"/api/v1/contacts/merges/{missing}/undo",
            None,
        ),
    ]
    for method, url, body, missing_url, missing_body in requests:
        response = getattr(client, method)(url, body, content_type="application/json", headers=headers)
        nowhere = getattr(client, method)(missing_url, missing_body, content_type="application/json", headers=headers)
        assert (response.status_code, response.content) == (404, nowhere.content), url
    assert not ContactMerge.all_workspaces.filter(workspace=workspace).exists()
    assert Contact.all_workspaces.get(pk=theirs.pk).merged_into_id is None
    assert ContactMerge.all_workspaces.get(pk=their_merge.pk).undone_at is None


def test_openapi_documents_the_merge_endpoints(client: Client, db: None) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/contacts/{contact_id}/suggestions",
        "/api/v1/contacts/{contact_id}/merge",
        "/api/v1/contacts/{contact_id}/merges",
        "/api/v1/contacts/merges/{merge_id}/undo",
    ):
        assert path in paths
