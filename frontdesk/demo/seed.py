"""Build the demo workspaces: generated, reproducible from a seed, and fast enough for every `make run`.

Everything is planned in memory from one ``random.Random`` per workspace and
written with ``bulk_create`` inside one transaction. The same seed gives the
same people, customers and conversations; only timestamps move with the clock,
so the newest activity is always a few minutes to hours old.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from faker import Faker

from frontdesk.canned.models import CannedResponse
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.contacts.models import Contact, Identity
from frontdesk.conversations.models import (
    Conversation,
    ConversationLabel,
    ConversationStatus,
    DeliveryStatus,
    Label,
    Message,
    MessageKind,
    Priority,
)
from frontdesk.core.audit import record
from frontdesk.core.models import Member, Role, Team, TeamMembership, User, Workspace
from frontdesk.demo import DEMO_PASSWORD, DEMO_WORKSPACE_SLUGS
from frontdesk.demo import content as c
from frontdesk.demo.disruption import replay_disruption
from frontdesk.demo.profiles import seed_profiles
from frontdesk.search.indexing import reindex

DEFAULT_SEED = 20240601
DEFAULT_CONTACTS = 300
DEFAULT_CONVERSATIONS = 1000
# Addresses the seeder owns: it may update or remove these users, and no others.
DEMO_EMAIL_DOMAINS = ("frontdesk.demo", *(spec.email_domain for spec in c.WORKSPACES))

type Progress = Callable[[str], None]

_MINUTE = 60.0
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR


@dataclass
class SeedSummary:
    workspaces: int = 0
    users: int = 0
    members: int = 0
    teams: int = 0
    channels: int = 0
    labels: int = 0
    canned_responses: int = 0
    contacts: int = 0
    identities: int = 0
    conversations: int = 0
    messages: int = 0
    notes: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Person:
    email: str
    name: str
    language: str
    time_zone: str


@dataclass
class _Customer:
    contact: Contact
    first_name: str
    # Every customer has an address and a number, even when the contact card shows neither.
    email: str
    phone: str
    channels: list[Channel]
    vip: bool


@dataclass
class _Plan:
    """One conversation and its messages, before anything is saved."""

    conversation: Conversation
    messages: list[Message] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)


def demo_workspaces_exist() -> bool:
    return Workspace.objects.filter(slug__in=DEMO_WORKSPACE_SLUGS).exists()


def delete_demo_workspaces() -> int:
    """Remove the demo workspaces, everything in them, and demo users left without a workspace."""
    workspaces = Workspace.objects.filter(slug__in=DEMO_WORKSPACE_SLUGS)
    count = workspaces.count()
    with transaction.atomic():
        workspaces.delete()
        domains = Q()
        for domain in DEMO_EMAIL_DOMAINS:
            domains |= Q(email__iendswith=f"@{domain}")
        User.objects.filter(domains, memberships__isnull=True).delete()
    return count


def seed_demo(
    *,
    seed: int = DEFAULT_SEED,
    contacts: int = DEFAULT_CONTACTS,
    conversations: int = DEFAULT_CONVERSATIONS,
    progress: Progress | None = None,
) -> SeedSummary:
    """Create the demo workspaces with ``contacts`` customers and ``conversations`` cases split between them."""
    say = progress or (lambda line: None)
    started = time.perf_counter()
    summary = SeedSummary()
    now = timezone.now()
    contact_counts = _split(contacts, [spec.share for spec in c.WORKSPACES])
    conversation_counts = _split(conversations, [spec.share for spec in c.WORKSPACES])
    staff = _plan_people(random.Random(f"{seed}:people"))
    with transaction.atomic():
        users = _save_users(staff, now)
        summary.users = len(users)
        for spec, contact_count, conversation_count in zip(
            c.WORKSPACES, contact_counts, conversation_counts, strict=True
        ):
            people = [users[person.email] for person in staff[spec.slug]]
            builder = _WorkspaceBuilder(spec, seed, now, people, summary, say)
            builder.build(contact_count, conversation_count)
    # Rows written in bulk publish no events, so nothing indexed them as they were written.
    for workspace in Workspace.objects.filter(slug__in=[spec.slug for spec in c.WORKSPACES]).order_by("pk"):
        written = reindex(workspace.pk)
        say(f"Indexing {workspace.name} for search… {sum(written.values())} entries")
    # These go through the pipeline, whose subscribers (search, incidents…) run on each commit.
    skyward = Workspace.objects.filter(slug=c.SKYWARD.slug).first()
    if skyward is not None:
        summary.messages += replay_disruption(skyward, seed, say)
    # After the replay: the cancelled flight's passengers get their booking on it.
    seed_profiles(seed, say)
    summary.seconds = time.perf_counter() - started
    return summary


def _split(total: int, shares: Sequence[float]) -> list[int]:
    counts = [round(total * share) for share in shares[:-1]]
    return [*counts, total - sum(counts)]


# --- People -------------------------------------------------------------------


def _plan_people(rng: random.Random) -> dict[str, list[_Person]]:
    """Staff per workspace slug; the two demo logins are one person in both workspaces."""
    english = Faker(c.FAKER_LOCALES[c.EN])
    english.seed_instance(rng.random())
    shared: dict[str, _Person] = {}
    taken: set[str] = set()
    staff: dict[str, list[_Person]] = {}
    for spec in c.WORKSPACES:
        people = staff.setdefault(spec.slug, [])
        for member_spec in spec.staff:
            if member_spec.email is not None and member_spec.email in shared:
                people.append(shared[member_spec.email])
                continue
            name, local_part = _staff_name(rng, english, member_spec.language, member_spec.time_zone)
            email = member_spec.email or _unique_email(local_part, spec.email_domain, taken)
            person = _Person(email, name, member_spec.language, member_spec.time_zone)
            taken.add(email)
            if member_spec.email is not None:
                shared[member_spec.email] = person
            people.append(person)
    return staff


def _staff_name(rng: random.Random, english: Any, language: str, time_zone: str) -> tuple[str, str]:
    if language == c.EN:
        first, last = english.first_name(), english.last_name()
        return f"{first} {last}", _ascii_local_part(f"{first}.{last}")
    surname = rng.choice(c.STAFF_SURNAMES)
    given = rng.choice(c.STAFF_GIVEN_NAMES)
    # Hong Kong, Taiwan and the mainland spell the same name differently.
    column = {c.HONG_KONG: 2, c.TAIPEI: 3}.get(time_zone, 4)
    script = 0 if language == c.HANT else 1
    name = surname[script] + given[script]
    return name, _ascii_local_part(f"{given[column]}.{surname[column]}")


def _ascii_local_part(text: str) -> str:
    return "".join(char for char in text.lower() if char.isascii() and (char.isalnum() or char in ".-"))


def _unique_email(local_part: str, domain: str, taken: set[str]) -> str:
    email = f"{local_part}@{domain}"
    number = 2
    while email in taken:
        email = f"{local_part}{number}@{domain}"
        number += 1
    return email


def _save_users(staff: dict[str, list[_Person]], now: datetime) -> dict[str, User]:
    people = {person.email: person for persons in staff.values() for person in persons}
    # One hash serves every demo user: they share a published password, and
    # hashing it once keeps seeding fast with the production hasher.
    password = make_password(DEMO_PASSWORD)
    existing = {user.email: user for user in User.objects.filter(email__in=list(people))}
    for user in existing.values():
        person = people[user.email]
        user.name, user.language, user.time_zone = person.name, person.language, person.time_zone
        user.password, user.is_active = password, True
    User.objects.bulk_update(list(existing.values()), ["name", "language", "time_zone", "password", "is_active"])
    created = User.objects.bulk_create(
        [
            User(
                email=person.email,
                name=person.name,
                language=person.language,
                time_zone=person.time_zone,
                password=password,
                date_joined=now - timedelta(days=400),
            )
            for email, person in people.items()
            if email not in existing
        ]
    )
    users = {**existing, **{user.email: user for user in created}}
    return {email: users[email] for email in people}


# --- One workspace ------------------------------------------------------------


class _WorkspaceBuilder:
    def __init__(
        self,
        spec: c.WorkspaceSpec,
        seed: int,
        now: datetime,
        staff: list[User],
        summary: SeedSummary,
        say: Progress,
    ) -> None:
        self.spec = spec
        self.rng = random.Random(f"{seed}:{spec.slug}")
        self.now = now
        self.staff = staff
        self.zone = ZoneInfo(spec.time_zone)
        self.summary = summary
        self.say = say
        self.fakers: dict[str, Any] = {}
        for language, locale in c.FAKER_LOCALES.items():
            faker = Faker(locale)
            faker.seed_instance(self.rng.random())
            self.fakers[language] = faker

    def build(self, contact_count: int, conversation_count: int) -> None:
        spec = self.spec
        self.say(spec.name)
        workspace = Workspace.objects.create(
            name=spec.name,
            slug=spec.slug,
            default_language=spec.default_language,
            time_zone=spec.time_zone,
            created_at=self.now - timedelta(days=730),
        )
        self.workspace = workspace
        self._create_people()
        self._create_channels_and_labels()
        self.say(f"  Creating contacts… {contact_count}")
        customers = self._create_customers(contact_count)
        self.say(f"  Creating conversations… {conversation_count}")
        plans = self._plan_conversations(customers, conversation_count)
        self._save(customers, plans)
        record(
            workspace,
            "demo.seeded",
            workspace,
            changes={"contacts": len(customers), "conversations": len(plans)},
        )
        self.summary.workspaces += 1

    def _create_people(self) -> None:
        spec, workspace = self.spec, self.workspace
        teams = Team.all_workspaces.bulk_create(
            [
                Team(workspace=workspace, name=name, description=description, created_at=workspace.created_at)
                for name, description in spec.teams
            ]
        )
        self.teams = {team.name: team for team in teams}
        members = Member.all_workspaces.bulk_create(
            [
                Member(
                    workspace=workspace,
                    user=user,
                    role=member_spec.role,
                    joined_at=self.now - timedelta(days=self.rng.uniform(90, 700)),
                )
                for user, member_spec in zip(self.staff, spec.staff, strict=True)
            ]
        )
        self.member_language = {
            member.pk: member_spec.language for member, member_spec in zip(members, spec.staff, strict=True)
        }
        self.team_members: dict[str, list[Member]] = {name: [] for name in self.teams}
        memberships = []
        for member, member_spec in zip(members, spec.staff, strict=True):
            for team_name in member_spec.teams:
                self.team_members[team_name].append(member)
                memberships.append(TeamMembership(workspace=workspace, member=member, team=self.teams[team_name]))
        TeamMembership.all_workspaces.bulk_create(memberships)
        self.agents = [member for member in members if member.role in (Role.AGENT, Role.SUPERVISOR)]
        self.summary.members += len(members)
        self.summary.teams += len(teams)
        self.say(f"  Creating members… {len(members)} in {len(teams)} teams")

    def _create_channels_and_labels(self) -> None:
        spec, workspace, rng = self.spec, self.workspace, self.rng
        channels = Channel.all_workspaces.bulk_create(
            [
                Channel(
                    workspace=workspace,
                    kind=channel.kind,
                    name=channel.name,
                    config=channel.config,
                    # The field holds a dict; its stub type comes from the TextField it encrypts into.
                    secrets={name: f"demo-{rng.getrandbits(128):032x}" for name in channel.secret_names},  # type: ignore[misc]
                    created_at=workspace.created_at + timedelta(days=rng.uniform(1, 300)),
                )
                for channel in spec.channels
            ]
        )
        self.channels = {ChannelKind(channel.kind): channel for channel in channels}
        labels = Label.all_workspaces.bulk_create(
            [
                Label(workspace=workspace, name=name, color=color, description=description)
                for name, color, description in spec.labels
            ]
        )
        self.labels = {label.name: label for label in labels}
        self.summary.channels += len(channels)
        self.summary.labels += len(labels)
        self.summary.canned_responses += len(
            CannedResponse.all_workspaces.bulk_create(
                [
                    CannedResponse(workspace=workspace, shortcut=shortcut, title=title, text=text)
                    for shortcut, title, text in spec.canned
                ]
            )
        )
        self.say(f"  Creating channels… {len(channels)} ({', '.join(sorted(self.channels))})")

    # --- Customers ------------------------------------------------------------

    def _create_customers(self, count: int) -> list[_Customer]:
        rng, spec = self.rng, self.spec
        languages = list(spec.language_mix)
        language_weights = list(spec.language_mix.values())
        tiers = [tier for tier, _ in spec.tiers]
        tier_weights = [weight for _, weight in spec.tiers]
        taken_emails: set[str] = set()
        taken_phones: set[str] = set()
        customers = []
        for number in range(count):
            language = rng.choices(languages, language_weights)[0]
            faker = self.fakers[language]
            first, last = faker.first_name(), faker.last_name()
            name = f"{first} {last}" if language == c.EN else f"{last}{first}"
            tier = rng.choices(tiers, tier_weights)[0]
            channels = self._pick_channels(language)
            kinds = {ChannelKind(channel.kind) for channel in channels}
            email = self._customer_email(language, first, last, faker, taken_emails)
            phone = self._customer_phone(language, taken_phones)
            created_at = self.now - timedelta(days=rng.uniform(61, 900))
            attributes: dict[str, Any] = {"city": rng.choice(c.CITIES[language]), "tier": tier}
            if spec.business == "airline":
                attributes["frequent_flyer_number"] = f"SW{rng.randrange(10**8, 10**9)}"
                attributes["miles"] = rng.randrange(2, 400) * 500
            else:
                attributes["customer_id"] = f"C-{100000 + number * 7 + rng.randrange(7)}"
                attributes["orders"] = rng.randrange(1, 40)
            contact = Contact(
                workspace=self.workspace,
                name=name,
                email=email if ChannelKind.EMAIL in kinds or rng.random() < 0.5 else "",
                phone=phone if kinds & {ChannelKind.WHATSAPP, ChannelKind.SMS} or rng.random() < 0.4 else "",
                language=language,
                attributes=attributes,
                created_at=created_at,
                updated_at=created_at,
            )
            customers.append(
                _Customer(
                    contact=contact,
                    first_name=first if language == c.EN else name,
                    email=email,
                    phone=phone,
                    channels=channels,
                    vip=tier in spec.vip_tiers,
                )
            )
        return customers

    def _pick_channels(self, language: str) -> list[Channel]:
        preferences = [
            (kind, weight) for kind, weight in self.spec.channel_preferences[language] if kind in self.channels
        ]
        count = 2 if len(preferences) > 1 and self.rng.random() < 0.35 else 1
        picked: list[Channel] = []
        while len(picked) < count:
            kinds = [kind for kind, _ in preferences]
            kind = self.rng.choices(kinds, [weight for _, weight in preferences])[0]
            preferences = [(other, weight) for other, weight in preferences if other != kind]
            picked.append(self.channels[kind])
        return picked

    def _customer_email(self, language: str, first: str, last: str, faker: Any, taken: set[str]) -> str:
        rng = self.rng
        domain = rng.choice(c.EMAIL_DOMAINS[language])
        if domain == "qq.com":
            local_part = str(rng.randrange(10**7, 10**10))
        elif language == c.EN:
            local_part = _ascii_local_part(rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{last}"]))
        else:
            local_part = _ascii_local_part(faker.user_name())
        return _unique_email(local_part or "customer", domain, taken)

    def _customer_phone(self, language: str, taken: set[str]) -> str:
        rng = self.rng
        plans = c.PHONE_PLANS[language]
        country, prefixes, length, _ = rng.choices(plans, [plan[3] for plan in plans])[0]
        while True:
            prefix = rng.choice(prefixes)
            digits = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix)))
            phone = f"+{country}{digits}"
            if phone not in taken:
                taken.add(phone)
                return phone

    def _identities(self, customers: list[_Customer]) -> list[Identity]:
        identities = []
        for customer in customers:
            contact = customer.contact
            for channel in customer.channels:
                identities.append(
                    Identity(
                        workspace=self.workspace,
                        contact=contact,
                        channel=channel,
                        external_id=self._address(ChannelKind(channel.kind), customer),
                        display_name=contact.name,
                        created_at=contact.created_at,
                    )
                )
        return identities

    def _address(self, kind: ChannelKind, customer: _Customer) -> str:
        """A believable address on a provider; unique because the numbers behind it are."""
        rng = self.rng
        email, phone = customer.email, customer.phone
        makers: dict[ChannelKind, Callable[[], str]] = {
            ChannelKind.WHATSAPP: lambda: phone.lstrip("+"),
            ChannelKind.SMS: lambda: phone,
            ChannelKind.EMAIL: lambda: email,
            ChannelKind.LINE: lambda: f"U{rng.getrandbits(128):032x}",
            ChannelKind.MESSENGER: lambda: str(rng.randrange(10**15, 10**16)),
            ChannelKind.INSTAGRAM: lambda: str(rng.randrange(10**16, 10**17)),
            ChannelKind.TELEGRAM: lambda: str(rng.randrange(10**8, 10**10)),
            ChannelKind.WECHAT: lambda: "o" + "".join(rng.choices(_OPENID_ALPHABET, k=27)),
            ChannelKind.WEBCHAT: lambda: f"visitor-{rng.getrandbits(96):024x}",
            ChannelKind.X: lambda: str(rng.randrange(10**17, 10**19)),
        }
        return makers.get(kind, lambda: f"demo-{rng.getrandbits(64):016x}")()

    # --- Conversations ----------------------------------------------------------

    def _plan_conversations(self, customers: list[_Customer], count: int) -> list[_Plan]:
        rng = self.rng
        if not customers:
            return []
        if count >= len(customers):
            # Everyone wrote at least once; a few regulars write much more often.
            loyalty = [rng.paretovariate(1.6) for _ in customers]
            chosen = customers + rng.choices(customers, loyalty, k=count - len(customers))
        else:
            chosen = rng.sample(customers, count)
        rng.shuffle(chosen)
        return [self._plan_conversation(customer) for customer in chosen]

    def _plan_conversation(self, customer: _Customer) -> _Plan:
        rng, spec = self.rng, self.spec
        scenario = rng.choices(spec.scenarios, [scenario.weight for scenario in spec.scenarios])[0]
        status = self._pick_status(scenario)
        language = customer.contact.language
        channel = rng.choice(customer.channels)
        steps = self._script(scenario, status, language)

        team: Team | None = self.teams[scenario.team] if rng.random() < 0.92 else None
        unanswered = "reply" not in steps
        assignee: Member | None
        if unanswered and rng.random() < 0.6:
            assignee = None
        else:
            candidates = self.team_members[team.name] if team is not None else self.agents
            assignee = rng.choice(candidates or self.agents)
        author = assignee or rng.choice(self.agents)

        times = self._timeline(steps, status)
        slots = self._slots(customer, times[0])
        conversation = Conversation(
            workspace=self.workspace,
            contact=customer.contact,
            channel=channel,
            subject=_fill(rng.choice(scenario.subject[language]), slots),
            status=status,
            assignee=assignee,
            team=team,
            created_at=times[0],
        )
        plan = _Plan(conversation)
        for step, at in zip(steps, times, strict=True):
            plan.messages.append(self._message(plan, step, at, scenario, language, slots, author))
        self._finish(plan, customer, scenario, status)
        return plan

    def _pick_status(self, scenario: c.Scenario) -> ConversationStatus:
        if self.rng.random() < scenario.resolved_share:
            return ConversationStatus.RESOLVED
        others = [ConversationStatus.OPEN, ConversationStatus.PENDING, ConversationStatus.SNOOZED]
        return self.rng.choices(others, [55, 33, 12])[0]

    def _script(self, scenario: c.Scenario, status: ConversationStatus, language: str) -> list[str]:
        """The order of lines in one conversation: 2 to 7 messages, shaped by where it stands now."""
        rng = self.rng
        steps = ["opening"]
        if scenario.detail[language] and rng.random() < 0.4:
            steps.append("detail")
        has_follow_up = bool(scenario.follow_up[language])
        if status == ConversationStatus.OPEN:
            if rng.random() < 0.45:
                # New and unanswered; the customer may already be chasing.
                if len(steps) == 1 or rng.random() < 0.3:
                    steps.append("nudge")
                return steps
            steps.append("reply")
            if rng.random() < 0.3:
                steps.append("note")
            steps.append("follow_up" if has_follow_up else "thanks")
            if rng.random() < 0.15:
                steps.append("nudge")
            return steps
        steps.append("reply")
        if status == ConversationStatus.SNOOZED or rng.random() < 0.3:
            steps.append("note")
        if status == ConversationStatus.RESOLVED:
            if has_follow_up:
                steps += ["follow_up", "resolution"]
            if rng.random() < 0.5:
                steps.append("thanks")
        return steps

    def _timeline(self, steps: list[str], status: ConversationStatus) -> list[datetime]:
        """When each step happened, ending at a moment that fits the status."""
        rng = self.rng
        gaps = []
        for previous, step in itertools.pairwise(steps):
            if step == "note":
                gaps.append(rng.uniform(1, 40) * _MINUTE)
            elif step in ("reply", "resolution"):
                gaps.append(rng.uniform(3 * _MINUTE, 8 * _HOUR))
            elif _KINDS[previous] == MessageKind.INBOUND:
                gaps.append(rng.uniform(1 * _MINUTE, 3 * _HOUR))
            else:
                gaps.append(rng.uniform(10 * _MINUTE, 20 * _HOUR))
        if status == ConversationStatus.OPEN:
            age = min(rng.expovariate(1 / (6 * _HOUR)), 3 * _DAY) + rng.uniform(1, 10) * _MINUTE
        elif status == ConversationStatus.PENDING:
            age = rng.uniform(2 * _HOUR, 5 * _DAY)
        elif status == ConversationStatus.SNOOZED:
            age = rng.uniform(4 * _HOUR, 4 * _DAY)
        else:
            age = rng.triangular(6 * _HOUR, 58 * _DAY, 3 * _DAY)
        last = self.now - timedelta(seconds=age)
        times = [last]
        for gap in reversed(gaps):
            times.append(times[-1] - timedelta(seconds=gap))
        return list(reversed(times))

    def _slots(self, customer: _Customer, start: datetime) -> dict[str, str]:
        rng = self.rng
        language = customer.contact.language
        index = c.LANGUAGES.index(language)
        trip = start + timedelta(days=rng.uniform(0, 10))
        size, other_size = rng.sample(c.SIZES, 2)
        attributes = customer.contact.attributes
        return {
            "name": customer.contact.name,
            "first_name": customer.first_name,
            "flight": f"SW{rng.randrange(100, 990)}",
            "new_flight": f"SW{rng.randrange(100, 990)}",
            "date": self._date(trip, language),
            "new_date": self._date(trip + timedelta(days=rng.randint(1, 3)), language),
            "past_date": self._date(start - timedelta(days=rng.randint(2, 14)), language),
            "route": rng.choice(c.AIRLINE_ROUTES)[index],
            "pnr": "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=6)),
            "amount": _money(rng.randrange(20, 600) * 10),
            "fee": _money(rng.choice((30, 45, 60, 80))),
            "change_fee": _money(rng.randrange(30, 90) * 10),
            "diff": _money(rng.randrange(2, 40) * 10),
            "ffn": str(attributes.get("frequent_flyer_number", f"SW{rng.randrange(10**8, 10**9)}")),
            "miles": f"{attributes.get('miles', rng.randrange(2, 400) * 500):,}",
            "bag_tag": f"SW{rng.randrange(100000, 999999)}",
            "tracer_ref": f"HKGSW{rng.randrange(10000, 99999)}",
            "refund_ref": f"RF{rng.randrange(10**7, 10**8)}",
            "card_digits": f"{rng.randrange(10000):04d}",
            "seat": f"{rng.randrange(11, 60)}{rng.choice('AK')}",
            "order": f"HS-{rng.randrange(20000, 99999)}",
            "product": rng.choice(c.PRODUCTS)[index],
            "screen": rng.choice(c.SCREENS)[index],
            "apparel": rng.choice(c.APPAREL)[index],
            "size": size,
            "other_size": other_size,
            "courier": rng.choice(c.COURIERS)[index],
            "tracking": f"SF{rng.randrange(10**11, 10**12)}",
        }

    def _date(self, moment: datetime, language: str) -> str:
        local = moment.astimezone(self.zone)
        if language == c.EN:
            return f"{local.day} {local:%b}"
        return f"{local.month}月{local.day}日"

    def _message(
        self,
        plan: _Plan,
        step: str,
        at: datetime,
        scenario: c.Scenario,
        language: str,
        slots: dict[str, str],
        author: Member,
    ) -> Message:
        rng = self.rng
        conversation = plan.conversation
        kind = _KINDS[step]
        if kind == MessageKind.NOTE:
            # Staff write notes for each other, in their own language.
            note_language = self.member_language[author.pk]
            return Message(
                workspace=self.workspace,
                conversation=conversation,
                kind=kind,
                channel=None,
                author=author,
                text=_fill(rng.choice(scenario.notes[note_language]), slots),
                status=DeliveryStatus.SENT,
                created_at=at,
            )
        lines = _lines(scenario, step, language)
        text = _fill(rng.choice(lines), slots)
        if step == "reply":
            text = _fill(rng.choice(c.GREETINGS[language]), slots) + text
        if step == "resolution":
            text += rng.choice(c.CLOSINGS[language])
        status, reason = DeliveryStatus.RECEIVED, ""
        if kind == MessageKind.OUTBOUND:
            status, reason = self._delivery(conversation.channel, at)
        bits = rng.getrandbits(96)
        provider_message_id, metadata = f"demo-{bits:024x}", dict[str, Any]()
        if conversation.channel.kind == ChannelKind.EMAIL:
            provider_message_id, metadata = _mail_headers(plan, kind, bits)
        return Message(
            workspace=self.workspace,
            conversation=conversation,
            kind=kind,
            channel=conversation.channel,
            author=author if kind == MessageKind.OUTBOUND else None,
            text=text,
            provider_message_id=provider_message_id,
            metadata=metadata,
            status=status,
            status_reason=reason,
            created_at=at,
        )

    def _delivery(self, channel: Channel, at: datetime) -> tuple[DeliveryStatus, str]:
        if self.now - at < timedelta(minutes=2):
            return DeliveryStatus.SENT, ""
        choices = [DeliveryStatus.READ, DeliveryStatus.DELIVERED, DeliveryStatus.SENT, DeliveryStatus.FAILED]
        status = self.rng.choices(choices, [60, 28, 8, 4])[0]
        reason = c.FAILURE_REASONS.get(ChannelKind(channel.kind), "") if status == DeliveryStatus.FAILED else ""
        return status, reason

    def _finish(self, plan: _Plan, customer: _Customer, scenario: c.Scenario, status: ConversationStatus) -> None:
        """Fill in what the inbox derives from the messages: preview, activity, waiting clock, labels."""
        rng = self.rng
        conversation, messages = plan.conversation, plan.messages
        visible = [message for message in messages if message.kind != MessageKind.NOTE]
        conversation.last_message_preview = visible[-1].text[:200]
        conversation.last_activity_at = messages[-1].created_at
        if status == ConversationStatus.OPEN and visible[-1].kind == MessageKind.INBOUND:
            waiting = visible[-1]
            for message in reversed(visible):
                if message.kind != MessageKind.INBOUND:
                    break
                waiting = message
            conversation.waiting_since = waiting.created_at
        if status == ConversationStatus.SNOOZED:
            conversation.snoozed_until = self.now + timedelta(seconds=rng.uniform(2 * _HOUR, 3 * _DAY))
        if status == ConversationStatus.RESOLVED:
            conversation.resolved_at = messages[-1].created_at + timedelta(minutes=rng.uniform(1, 30))
        priority = rng.choice(scenario.priorities)
        if customer.vip and priority < Priority.URGENT:
            priority = Priority(priority + 1)
        conversation.priority = priority
        names = list(scenario.labels)
        if rng.random() < scenario.complaint_chance:
            names.append("complaint")
        if customer.vip and rng.random() < 0.7:
            names.append("vip")
        plan.labels = [self.labels[name] for name in names if name in self.labels]
        contact = customer.contact
        contact.updated_at = max(contact.updated_at, conversation.last_activity_at)

    # --- Saving -----------------------------------------------------------------

    def _save(self, customers: list[_Customer], plans: list[_Plan]) -> None:
        Contact.all_workspaces.bulk_create([customer.contact for customer in customers], batch_size=500)
        identities = Identity.all_workspaces.bulk_create(self._identities(customers), batch_size=500)
        Conversation.all_workspaces.bulk_create([plan.conversation for plan in plans], batch_size=500)
        messages = [message for plan in plans for message in plan.messages]
        Message.all_workspaces.bulk_create(messages, batch_size=1000)
        ConversationLabel.all_workspaces.bulk_create(
            [ConversationLabel.linking(plan.conversation, label) for plan in plans for label in plan.labels],
            batch_size=1000,
        )
        notes = sum(1 for message in messages if message.kind == MessageKind.NOTE)
        self.summary.contacts += len(customers)
        self.summary.identities += len(identities)
        self.summary.conversations += len(plans)
        self.summary.messages += len(messages)
        self.summary.notes += notes
        self.say(
            f"  Saved {len(customers)} contacts, {len(plans)} conversations, {len(messages)} messages ({notes} notes)"
        )


_KINDS = {
    "opening": MessageKind.INBOUND,
    "detail": MessageKind.INBOUND,
    "nudge": MessageKind.INBOUND,
    "follow_up": MessageKind.INBOUND,
    "thanks": MessageKind.INBOUND,
    "reply": MessageKind.OUTBOUND,
    "resolution": MessageKind.OUTBOUND,
    "note": MessageKind.NOTE,
}
_OPENID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _lines(scenario: c.Scenario, step: str, language: str) -> tuple[str, ...]:
    shared = {"nudge": c.NUDGES, "thanks": c.THANKS}
    texts: c.Texts = shared[step] if step in shared else getattr(scenario, step)
    return texts[language]


def _fill(template: str, slots: dict[str, str]) -> str:
    return template.format_map(slots)


def _money(amount: int) -> str:
    return f"HK${amount:,}"


def _mail_headers(plan: _Plan, kind: str, bits: int) -> tuple[str, dict[str, Any]]:
    """A demo mail's ``Message-ID`` and, for the customer's mails, the headers the email channel keeps.

    Each mail answers the one before it, as a real thread does, so an agent's
    reply from the demo inbox threads under the customer's last mail.
    """
    conversation = plan.conversation
    ours = str((conversation.channel.config or {}).get("address") or "support@frontdesk.demo")
    customer = conversation.contact.email or "customer@frontdesk.demo"
    message_id = f"<{bits:024x}@{(ours if kind == MessageKind.OUTBOUND else customer).rpartition('@')[2]}>"
    if kind == MessageKind.OUTBOUND:
        return message_id, {}
    earlier = [message.provider_message_id for message in plan.messages if message.kind != MessageKind.NOTE]
    provider: dict[str, Any] = {
        "subject": f"Re: {conversation.subject}" if earlier else conversation.subject,
        "from": customer,
        "to": [ours],
        "cc": [],
        "message_id": message_id,
        "references": earlier[-20:],
    }
    if earlier:
        provider["in_reply_to"] = earlier[-1]
    return message_id, {"provider": provider}
