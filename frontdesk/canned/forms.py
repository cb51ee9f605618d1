from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from frontdesk.canned.models import CannedResponse


class CannedResponseForm(forms.ModelForm[CannedResponse]):
    class Meta:
        model = CannedResponse
        fields = ["shortcut", "title", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "shortcut": _("Agents type / and this shortcut in the reply box, e.g. /shipping."),
        }

    def __init__(self, *args: Any, workspace_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace_id = workspace_id
        # The preview beside the editor follows the text as it is typed.
        self.fields["text"].widget.attrs.update(
            {
                "hx-post": reverse("canned:preview"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#canned-preview",
                "hx-swap": "outerHTML",
            }
        )

    def clean_shortcut(self) -> str:
        shortcut = str(self.cleaned_data["shortcut"]).strip().lstrip("/").lower()
        taken = CannedResponse.in_workspace(self.workspace_id).filter(shortcut=shortcut)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another canned response already uses this shortcut."))
        return shortcut
