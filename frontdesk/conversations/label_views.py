"""Settings pages for labels: list, create, edit, delete (admins)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from frontdesk.conversations.access import get_label_for_member
from frontdesk.conversations.label_admin import PALETTE, delete_label, save_label
from frontdesk.conversations.models import Label
from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member


class LabelForm(forms.ModelForm[Label]):
    color = forms.ChoiceField(
        label=gettext_lazy("Colour"), choices=PALETTE, widget=forms.RadioSelect, initial=PALETTE[0][0]
    )

    class Meta:
        model = Label
        fields = ["name", "color", "description"]

    def __init__(self, *args: Any, workspace_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace_id = workspace_id
        current = self.instance.color if self.instance.pk else None
        if current and current.lower() not in {value for value, _label in PALETTE}:
            # A colour set through the API before the palette stays choosable for this label.
            self.fields["color"].choices = [*PALETTE, (current, current)]  # type: ignore[attr-defined]

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        taken = Label.in_workspace(self.workspace_id).filter(name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("A label with this name already exists."))
        return name


def _require(member: Member) -> None:
    if not member.user.has_perm("conversations.manage_labels", member.workspace):
        raise PermissionDenied


@require_GET
@member_required
def label_list(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    _require(member)
    labels = Label.in_workspace(member.workspace_id).annotate(conversation_count=Count("conversationlabel"))
    return render(request, "labels/list.html", {"labels": labels})


def _edit(request: HttpRequest, member: Member, label: Label) -> HttpResponse:
    _require(member)
    form = LabelForm(request.POST or None, instance=label, workspace_id=member.workspace_id)
    if request.method == "POST" and form.is_valid():
        save_label(form.instance, member, request)
        messages.success(request, _("The label %(name)s was saved.") % {"name": form.instance.name})
        return redirect("labels:list")
    return render(request, "labels/edit.html", {"form": form, "label": label})


@member_required
def label_create(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    return _edit(request, member, Label(workspace_id=member.workspace_id, color=PALETTE[0][0]))


@member_required
def label_edit(request: HttpRequest, label_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    return _edit(request, member, get_label_for_member(member, label_id))


@require_POST
@member_required
def label_delete(request: HttpRequest, label_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    label = get_label_for_member(member, label_id)
    _require(member)
    delete_label(label, member, request)
    messages.success(request, _("The label %(name)s was deleted.") % {"name": label.name})
    return redirect("labels:list")
