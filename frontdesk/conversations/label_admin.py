"""Managing a workspace's labels: the colour palette and the audited changes.

Labels are shown as ``<span class="label label-color-<hex>">`` (hex without
the ``#``, lower case); admin.css styles each palette colour with a tint and
a text colour that keep 4.5:1 contrast, so no inline style is ever needed.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from frontdesk.conversations.models import Label
from frontdesk.core.audit import record
from frontdesk.core.models import Member

PALETTE: list[tuple[str, Promise]] = [
    ("#6b7280", _("Grey")),
    ("#dc2626", _("Red")),
    ("#ea580c", _("Orange")),
    ("#b45309", _("Amber")),
    ("#ca8a04", _("Yellow")),
    ("#16a34a", _("Green")),
    ("#0d9488", _("Teal")),
    ("#0891b2", _("Cyan")),
    ("#2563eb", _("Blue")),
    ("#4f46e5", _("Indigo")),
    ("#9333ea", _("Purple")),
    ("#db2777", _("Pink")),
]


@transaction.atomic
def save_label(label: Label, actor: Member, request: HttpRequest | None = None) -> Label:
    """Create or update ``label`` in the actor's workspace."""
    created = label.pk is None
    label.workspace_id = actor.workspace_id
    label.save()
    record(
        actor.workspace_id,
        "label.created" if created else "label.updated",
        label,
        actor=actor.user,
        changes={"name": label.name, "color": label.color, "description": label.description},
        request=request,
    )
    return label


@transaction.atomic
def delete_label(label: Label, actor: Member, request: HttpRequest | None = None) -> None:
    record(actor.workspace_id, "label.deleted", label, actor=actor.user, changes={"name": label.name}, request=request)
    label.delete()
