from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from frontdesk.core.actions import assignable_roles
from frontdesk.core.models import CrossChannelCases, Member, Role, Team, User, Workspace

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


LANGUAGE_CHOICES = list(settings.LANGUAGES)


class WorkspaceForm(forms.ModelForm[Workspace]):
    default_language = forms.ChoiceField(label=_("Default language"), choices=LANGUAGE_CHOICES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES)
    reopen_window_days = forms.IntegerField(
        label=_("Reopen resolved conversations within (days)"),
        min_value=0,
        max_value=365,
        help_text=_("A customer who writes again within this many days reopens their resolved conversation."),
    )
    first_response_target_minutes = forms.IntegerField(
        label=_("First response target (minutes)"),
        min_value=1,
        max_value=10080,
        help_text=_("A waiting customer is shown as at risk once three quarters of this time has passed."),
    )
    cross_channel_cases = forms.ChoiceField(
        label=_("When a customer with an open case writes on another channel"),
        choices=CrossChannelCases.choices,
        # Left out of a post, the setting stays as it was.
        required=False,
        help_text=_(
            "Join: the message goes into the open case, so one agent owns the problem. Offer: a new case opens "
            "and its page offers to join the open one. Separate: one case per channel."
        ),
    )

    class Meta:
        model = Workspace
        fields = [
            "name",
            "default_language",
            "time_zone",
            "reopen_window_days",
            "first_response_target_minutes",
            "cross_channel_cases",
        ]

    def clean_cross_channel_cases(self) -> str:
        return str(self.cleaned_data.get("cross_channel_cases") or self.instance.cross_channel_cases)

    def clean_time_zone(self) -> str:
        name = str(self.cleaned_data["time_zone"])
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(_("Choose a time zone from the list.")) from None
        return name


class _WorkspaceScopedForm(forms.Form):
    def __init__(self, *args: Any, actor: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        if "role" in self.fields:
            self.fields["role"].choices = [(role.value, role.label) for role in assignable_roles(actor)]  # type: ignore[attr-defined]
        if "teams" in self.fields:
            self.fields["teams"].queryset = Team.in_workspace(actor.workspace_id)  # type: ignore[attr-defined]


class InvitationForm(_WorkspaceScopedForm):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), initial=Role.AGENT)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"), queryset=Team.all_workspaces.none(), required=False, widget=forms.CheckboxSelectMultiple
    )


class MemberForm(_WorkspaceScopedForm):
    role = forms.ChoiceField(label=_("Role"))
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"), queryset=Team.all_workspaces.none(), required=False, widget=forms.CheckboxSelectMultiple
    )


class TeamForm(forms.ModelForm[Team]):
    class Meta:
        model = Team
        fields = ["name", "description"]

    def __init__(self, *args: Any, workspace_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace_id = workspace_id

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        taken = Team.in_workspace(self.workspace_id).filter(name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("A team with this name already exists."))
        return name


class TeamMembersForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=_("Members"), queryset=Member.all_workspaces.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, workspace_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = (  # type: ignore[attr-defined]
            Member.in_workspace(workspace_id).filter(is_active=True).select_related("user").order_by("user__name")
        )
        self.fields["members"].label_from_instance = lambda member: f"{member.display_name} ({member.user.email})"  # type: ignore[attr-defined]


class SignUpForm(forms.Form):
    """A new account for the invited email address."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second:
            if first != second:
                self.add_error("password2", _("The two passwords differ."))
            else:
                try:
                    password_validation.validate_password(first, User(email=self.email, name=cleaned.get("name", "")))
                except forms.ValidationError as error:
                    self.add_error("password1", error)
        return cleaned
