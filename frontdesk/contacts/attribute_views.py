"""Settings → Contact attributes (admins): define, edit, reorder and delete the workspace's typed attributes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontdesk.contacts import attributes
from frontdesk.contacts.access import get_attribute_definition_for_member
from frontdesk.contacts.models import AttributeDefinition, AttributeType
from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member


def _admin(request: HttpRequest) -> Member:
    member: Member = request.member  # type: ignore[attr-defined]
    if not member.user.has_perm("contacts.manage_attributedefinition", member.workspace):
        raise PermissionDenied
    return member


@require_GET
@member_required
def attribute_list(request: HttpRequest) -> HttpResponse:
    member = _admin(request)
    return render(request, "attributes/list.html", {"definitions": attributes.definitions(member.workspace_id)})


def _edit(request: HttpRequest, member: Member, definition: AttributeDefinition | None) -> HttpResponse:
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {
            "key": request.POST.get("key", "") if definition is None else definition.key,
            "label": request.POST.get("label", ""),
            "type": request.POST.get("type", ""),
            "choices": request.POST.get("choices", ""),
        }
        try:
            if definition is None:
                saved = attributes.create_definition(member, **values)
            else:
                saved = attributes.update_definition(
                    definition, member, label=values["label"], type=values["type"], choices=values["choices"]
                )
        except ValidationError as error:
            found = error.message_dict if hasattr(error, "error_dict") else {"form": error.messages}
            errors = {("form" if field == "__all__" else field): texts for field, texts in found.items()}
        else:
            messages.success(request, _("The attribute %(label)s was saved.") % {"label": saved.label})
            return redirect("attributes:list")
    elif definition is not None:
        values = {
            "key": definition.key,
            "label": definition.label,
            "type": definition.type,
            "choices": "\n".join(definition.choices),
        }
    return render(
        request,
        "attributes/edit.html",
        {"definition": definition, "values": values, "errors": errors, "types": AttributeType.choices},
        status=422 if errors else 200,
    )


@member_required
def attribute_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, _admin(request), None)


@member_required
def attribute_edit(request: HttpRequest, attribute_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    definition = get_attribute_definition_for_member(member, attribute_id)
    return _edit(request, _admin(request), definition)


@require_POST
@member_required
def attribute_delete(request: HttpRequest, attribute_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    definition = get_attribute_definition_for_member(member, attribute_id)
    _admin(request)
    attributes.delete_definition(definition, member)
    messages.success(request, _("The attribute %(label)s was deleted.") % {"label": definition.label})
    return redirect("attributes:list")


@require_POST
@member_required
def attribute_move(request: HttpRequest, attribute_id: int) -> HttpResponse:
    """POST ``direction=up`` or ``down``: one place earlier or later in the sidebar's order."""
    member: Member = request.member  # type: ignore[attr-defined]
    definition = get_attribute_definition_for_member(member, attribute_id)
    _admin(request)
    attributes.move_definition(definition, member, -1 if request.POST.get("direction") == "up" else 1)
    return redirect("attributes:list")
