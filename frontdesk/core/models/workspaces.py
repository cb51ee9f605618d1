from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontdesk.core.models.tenancy import TenantModel


class CrossChannelCases(models.TextChoices):
    """What a customer's message on a second channel does while they have an open case on another."""

    JOIN = "join", _("Join the open case")
    OFFER = "offer", _("Open a new case and offer to join it")
    SEPARATE = "separate", _("Keep one case per channel")


class Workspace(models.Model):
    """A tenant: one business. Every other row belongs to exactly one workspace."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    default_language = models.CharField(_("default language"), max_length=16, default="en")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Hong_Kong")
    reopen_window_days = models.PositiveIntegerField(_("reopen resolved conversations within (days)"), default=7)
    # A waiting customer counts as "SLA at risk" once three quarters of this has passed.
    first_response_target_minutes = models.PositiveIntegerField(_("first response target (minutes)"), default=60)
    cross_channel_cases = models.CharField(
        _("a message on another channel"),
        max_length=8,
        choices=CrossChannelCases.choices,
        default=CrossChannelCases.JOIN,
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("workspace")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")


ROLE_RANK = {Role.AGENT: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2, Role.OWNER: 3}


class Team(TenantModel):
    """A group of members; also a department that can own commitments and root causes."""

    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=240, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="team_unique_name"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Member(TenantModel):
    """A user's membership in one workspace, with a role and teams."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    teams = models.ManyToManyField(Team, blank=True, related_name="members", through="TeamMembership")
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="member_unique_user"),
            models.CheckConstraint(condition=models.Q(role__in=[r.value for r in Role]), name="member_role_valid"),
        ]
        indexes = [models.Index(fields=["workspace", "role"], name="member_ws_role")]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def display_name(self) -> str:
        return self.user.get_full_name()

    def has_role_at_least(self, role: Role) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[role]


class TeamMembership(TenantModel):
    member = models.ForeignKey(Member, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "team"], name="teammembership_unique"),
        ]
        indexes = [models.Index(fields=["workspace", "team"], name="teammembership_ws_team")]
