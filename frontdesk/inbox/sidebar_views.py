"""The customer sidebar of the conversation page: each section shown, edited in place and saved through an action.

Every section is one partial of ``inbox/_sidebar_sections.html``. A GET
answers the section as shown (``?edit=…`` or ``?add=…`` for its form), a
POST saves through the contacts or conversations actions and answers the
section again, with the form and its errors when the input was refused.
Without htmx a POST returns to the conversation page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf.locale import LANG_INFO
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from frontdesk.callbacks.actions import display_phone
from frontdesk.contacts import actions as contact_actions
from frontdesk.contacts.access import get_note_for_member, get_preference_for_member
from frontdesk.contacts.models import Contact, ContactNote, ContactPreference, Identity, PreferenceKind
from frontdesk.conversations import actions as conversation_actions
from frontdesk.conversations.access import get_conversation_for_member, get_label_for_member
from frontdesk.conversations.models import Conversation, Label
from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member
from frontdesk.inbox.profile_sections import profile_context

SECTIONS = ("profile", "labels", "attributes", "preferences", "notes")
PAST_CONVERSATIONS = 10
# The product's own languages first: most customers write in one of them.
FIRST_LANGUAGES = ("en", "zh-hant", "zh-hans")


@dataclass
class NoteRow:
    note: ContactNote
    can_delete: bool


def language_name(code: str) -> str:
    """``code`` in words, in the reader's language ("Traditional Chinese"), or the code itself if unknown."""
    try:
        return str(get_language_info(code.lower())["name_translated"])
    except KeyError:
        return code


def language_choices(current: str) -> list[tuple[str, str]]:
    codes = [code for code, info in LANG_INFO.items() if "name" in info]
    codes.sort(
        key=lambda code: (
            code not in FIRST_LANGUAGES,
            FIRST_LANGUAGES.index(code) if code in FIRST_LANGUAGES else 0,
            language_name(code),
        )
    )
    if current and current not in codes:
        codes.insert(0, current)
    return [(code, language_name(code)) for code in codes]


def shown_value(value: Any) -> str:
    """An attribute's value as text: strings as they are, anything the API stored otherwise as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def sidebar_context(
    member: Member, conversation: Conversation, contact: Contact | None = None, **extra: Any
) -> dict[str, Any]:
    """Everything the sidebar's sections show for ``conversation``; querysets stay lazy until a section needs them.

    ``contact`` is the conversation's contact when the caller has it as it is now; otherwise it is read again.
    """
    workspace_id = member.workspace_id
    if contact is None:
        contact = Contact.in_workspace(workspace_id).get(pk=conversation.contact_id)
    user = member.user
    preferences = (
        ContactPreference.in_workspace(workspace_id)
        .filter(contact=contact)
        .select_related("created_by__user", "source_conversation")
        .order_by("created_at", "pk")
    )
    notes = (
        ContactNote.in_workspace(workspace_id)
        .filter(contact=contact)
        .select_related("author__user")
        .order_by("-created_at", "-pk")
    )
    likes = [preference for preference in preferences if preference.kind == PreferenceKind.LIKE]
    dislikes = [preference for preference in preferences if preference.kind == PreferenceKind.DISLIKE]
    return {
        "conversation": conversation,
        "contact": contact,
        "member": member,
        "contact_language": language_name(contact.language) if contact.language else "",
        "contact_phone": display_phone(contact.phone) if contact.phone else "",
        "attributes": [(key, shown_value(value)) for key, value in contact.attributes.items()],
        "identities": Identity.in_workspace(workspace_id).filter(contact=contact).select_related("channel"),
        "note_rows": lambda: [NoteRow(note, user.has_perm("contacts.delete_contactnote", note)) for note in notes],
        "conversation_labels": Label.in_workspace(workspace_id).filter(conversationlabel__conversation=conversation),
        "past_conversations": Conversation.in_workspace(workspace_id)
        .filter(contact=contact)
        .exclude(pk=conversation.pk)
        .select_related("channel")
        .order_by("-last_activity_at")[:PAST_CONVERSATIONS],
        "can_edit_contact": user.has_perm("contacts.change_contact", contact),
        "can_edit_labels": user.has_perm("conversations.change_conversation", conversation),
        "preference_groups": [
            (PreferenceKind.LIKE.value, _("Likes"), likes),
            (PreferenceKind.DISLIKE.value, _("Dislikes"), dislikes),
        ],
        **profile_context(member, conversation, contact),
        "errors": {},
        "values": {},
        **extra,
    }


def _section(request: HttpRequest, conversation: Conversation, section: str, **extra: Any) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    context = sidebar_context(member, conversation, **extra)
    if section == "profile" and extra.get("editing"):
        context["languages"] = language_choices(context["contact"].language)
    if section == "labels" and extra.get("editing"):
        on_conversation = [label.pk for label in context["conversation_labels"]]
        context["available_labels"] = Label.in_workspace(member.workspace_id).exclude(pk__in=on_conversation)
    return render(request, f"inbox/_sidebar_sections.html#{section}", context)


def _saved(request: HttpRequest, conversation: Conversation, section: str) -> HttpResponse:
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("inbox:conversation-detail", conversation.pk)
    return _section(request, conversation, section, return_focus=True)


def _refused(
    request: HttpRequest, conversation: Conversation, section: str, error: ValidationError, **extra: Any
) -> HttpResponse:
    found = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    # Templates cannot read "__all__": errors that belong to no field are the form's.
    errors = {("form" if field == "__all__" else field): messages for field, messages in found.items()}
    return _section(request, conversation, section, errors=errors, values=request.POST, **extra)


def _conversation(request: HttpRequest, conversation_id: int) -> tuple[Member, Conversation]:
    member: Member = request.member  # type: ignore[attr-defined]
    return member, get_conversation_for_member(member, conversation_id)


def _require(member: Member, permission: str, obj: Any) -> None:
    if not member.user.has_perm(permission, obj):
        raise PermissionDenied


def _shown(request: HttpRequest, conversation: Conversation, section: str, form: str) -> HttpResponse:
    """A GET: the section as shown, or its form when ``?{form}=`` asks for it."""
    editing = request.GET.get(form, "")
    return _section(request, conversation, section, editing=editing, return_focus=bool(request.GET.get("cancel")))


@require_http_methods(["GET", "POST"])
@member_required
def profile(request: HttpRequest, conversation_id: int) -> HttpResponse:
    member, conversation = _conversation(request, conversation_id)
    if request.method == "GET":
        return _shown(request, conversation, "profile", "edit")
    _require(member, "contacts.change_contact", conversation.contact)
    fields: dict[str, Any] = {key: request.POST.get(key, "") for key in contact_actions.EDITABLE_FIELDS}
    try:
        contact_actions.update_contact(conversation.contact, member, **fields)
    except ValidationError as error:
        return _refused(
            request, conversation, "profile", error, editing="1", languages=language_choices(fields["language"])
        )
    return _saved(request, conversation, "profile")


@require_http_methods(["GET", "POST"])
@member_required
def attributes(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """GET ``?edit=<name>`` edits one attribute, ``?edit=+`` adds one; POST saves (renaming ``previous_key``)."""
    member, conversation = _conversation(request, conversation_id)
    if request.method == "GET":
        return _shown(request, conversation, "attributes", "edit")
    _require(member, "contacts.change_contact", conversation.contact)
    previous_key = request.POST.get("previous_key", "")
    try:
        contact_actions.set_attribute(
            conversation.contact,
            member,
            request.POST.get("key", ""),
            request.POST.get("value", ""),
            previous_key=previous_key,
        )
    except ValidationError as error:
        return _refused(request, conversation, "attributes", error, editing=previous_key or "+")
    return _saved(request, conversation, "attributes")


@require_POST
@member_required
def attribute_remove(request: HttpRequest, conversation_id: int) -> HttpResponse:
    member, conversation = _conversation(request, conversation_id)
    _require(member, "contacts.change_contact", conversation.contact)
    contact_actions.remove_attribute(conversation.contact, member, request.POST.get("key", ""))
    return _saved(request, conversation, "attributes")


@require_http_methods(["GET", "POST"])
@member_required
def preferences(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """GET ``?add=like`` or ``?add=dislike`` asks for the form; POST adds one learnt in this conversation."""
    member, conversation = _conversation(request, conversation_id)
    if request.method == "GET":
        return _shown(request, conversation, "preferences", "add")
    _require(member, "contacts.change_contactpreference", conversation.contact)
    kind = request.POST.get("kind", "")
    try:
        contact_actions.add_preference(
            conversation.contact, member, kind, request.POST.get("text", ""), conversation=conversation
        )
    except ValidationError as error:
        return _refused(request, conversation, "preferences", error, editing=kind or PreferenceKind.LIKE)
    return _saved(request, conversation, "preferences")


@require_POST
@member_required
def preference_remove(request: HttpRequest, conversation_id: int, preference_id: int) -> HttpResponse:
    member, conversation = _conversation(request, conversation_id)
    preference = get_preference_for_member(member, preference_id)
    if preference.contact_id != conversation.contact_id:
        raise Http404
    _require(member, "contacts.change_contactpreference", preference)
    contact_actions.remove_preference(preference, member)
    return _saved(request, conversation, "preferences")


@require_http_methods(["GET", "POST"])
@member_required
def notes(request: HttpRequest, conversation_id: int) -> HttpResponse:
    member, conversation = _conversation(request, conversation_id)
    if request.method == "GET":
        return _shown(request, conversation, "notes", "add")
    _require(member, "contacts.add_contactnote", conversation.contact)
    try:
        contact_actions.add_contact_note(conversation.contact, member, request.POST.get("text", ""))
    except ValidationError as error:
        return _refused(request, conversation, "notes", error, editing="1")
    return _saved(request, conversation, "notes")


@require_POST
@member_required
def note_delete(request: HttpRequest, conversation_id: int, note_id: int) -> HttpResponse:
    member, conversation = _conversation(request, conversation_id)
    note = get_note_for_member(member, note_id)
    if note.contact_id != conversation.contact_id:
        raise Http404
    contact_actions.delete_contact_note(note, member)
    return _saved(request, conversation, "notes")


@require_http_methods(["GET", "POST"])
@member_required
def labels(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """GET ``?edit=1`` offers the workspace's labels to search; POST adds the one named ``label``."""
    member, conversation = _conversation(request, conversation_id)
    if request.method == "GET":
        return _shown(request, conversation, "labels", "edit")
    _require(member, "conversations.change_conversation", conversation)
    name = request.POST.get("label", "").strip()
    label = Label.in_workspace(member.workspace_id).filter(name=name).first()
    if label is None:
        error = ValidationError({"label": _("There is no label named %(name)s.") % {"name": name}})
        return _refused(request, conversation, "labels", error, editing="1")
    current = list(Label.in_workspace(member.workspace_id).filter(conversationlabel__conversation=conversation))
    conversation_actions.set_labels(conversation, [*current, label], actor=member)
    return _saved(request, conversation, "labels")


@require_POST
@member_required
def label_remove(request: HttpRequest, conversation_id: int, label_id: int) -> HttpResponse:
    member, conversation = _conversation(request, conversation_id)
    label = get_label_for_member(member, label_id)
    _require(member, "conversations.change_conversation", conversation)
    current = Label.in_workspace(member.workspace_id).filter(conversationlabel__conversation=conversation)
    conversation_actions.set_labels(conversation, [item for item in current if item.pk != label.pk], actor=member)
    return _saved(request, conversation, "labels")
