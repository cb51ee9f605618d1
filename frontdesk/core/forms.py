from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from frontdesk.core.models import User

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


class ProfileForm(forms.ModelForm[User]):
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("As the browser asks")), *list(settings.LANGUAGES)], required=False
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES)

    class Meta:
        model = User
        fields = ["name", "language", "time_zone"]


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=80)
