"""Demo data: a small French helpdesk that looks lived in.

Everything is created with get-or-create on a natural key (email, name, ticket
requester and subject), so running the seeding again creates nothing more and
an interrupted run is completed by the next one. Tickets are played through
``comptoir.tickets.services`` so the lifecycle rules, first-response dates and
the event log are exactly what real use would produce; only the dates are
rewritten afterwards, because the services stamp everything with "now".
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from comptoir.accounts.models import Organisation, Role, SupportGroup, User
from comptoir.tickets import services
from comptoir.tickets.models import (
    Message,
    Priority,
    Product,
    Status,
    Theme,
    Ticket,
    TicketEvent,
    TicketType,
)
from comptoir.tickets.richtext import text_to_html

from .demo_tickets import REQUESTER, SCRIPTS, Script, Step
from .demo_tickets_creches import SCRIPTS as CRECHE_SCRIPTS
from .demo_tickets_towns import SCRIPTS as TOWN_SCRIPTS

PASSWORD = "demo-password-2026"

ORGANISATIONS = (
    "Crèche Les Petits Loups",
    "Multi-accueil Les Lucioles",
    "Mairie de Saint-Aubin-sur-Loire",
    "Familles Rurales du Val d'Orge",
    "Communauté de communes du Pays de Serre",
    "Crèche bilingue Les Écureuils",
)

# email, first name, last name, language, organisations
CUSTOMERS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("claire.martin@exemple.fr", "Claire", "Martin", "fr", (ORGANISATIONS[0], ORGANISATIONS[1])),
    ("julien.roux@exemple.fr", "Julien", "Roux", "fr", (ORGANISATIONS[2],)),
    ("sophie.lefebvre@exemple.fr", "Sophie", "Lefebvre", "fr", (ORGANISATIONS[0],)),
    ("amandine.faure@exemple.fr", "Amandine", "Faure", "fr", (ORGANISATIONS[1],)),
    ("nicolas.girard@exemple.fr", "Nicolas", "Girard", "fr", (ORGANISATIONS[2],)),
    ("isabelle.moreau@exemple.fr", "Isabelle", "Moreau", "fr", (ORGANISATIONS[3],)),
    ("karim.benali@exemple.fr", "Karim", "Benali", "fr", (ORGANISATIONS[3],)),
    ("fatou.diallo@exemple.fr", "Fatou", "Diallo", "fr", (ORGANISATIONS[3],)),
    ("thomas.lambert@exemple.fr", "Thomas", "Lambert", "fr", (ORGANISATIONS[4],)),
    ("nathalie.chevalier@exemple.fr", "Nathalie", "Chevalier", "fr", (ORGANISATIONS[4],)),
    ("elodie.perrin@exemple.fr", "Élodie", "Perrin", "fr", (ORGANISATIONS[5],)),
    ("mathieu.garnier@exemple.fr", "Mathieu", "Garnier", "en", (ORGANISATIONS[5],)),
)

# key used by the scripts: email, first name, last name, role
AGENTS: dict[str, tuple[str, str, str, str]] = {
    "camille": ("agent@comptoir.localhost", "Camille", "Lefort", Role.AGENT),
    "ines": ("ines.mercier@comptoir.localhost", "Inès", "Mercier", Role.AGENT),
    "lucas": ("lucas.petit@comptoir.localhost", "Lucas", "Petit", Role.AGENT),
    "helene": ("admin@comptoir.localhost", "Hélène", "Garnier", Role.ADMIN),
}

# Organisation rights (seed 002 "selon vos droits"): Claire manages her two
# organisations, Nicolas sees all the town hall's tickets; the others see their own.
MANAGERS = ("claire.martin@exemple.fr",)
SEE_ALL = ("nicolas.girard@exemple.fr",)

GROUPS = {
    "Support fonctionnel": ("camille", "ines", "helene"),
    "Équipe technique": ("lucas", "helene"),
}

PRODUCTS = ("Gestion Petite Enfance", "Portail Familles", "Enfance-Jeunesse", "Pointage mobile")

# theme: the products it belongs to (indexes into PRODUCTS)
THEMES: dict[str, tuple[int, ...]] = {
    "Inscriptions et dossiers": (0, 2),
    "Contrats d'accueil": (0,),
    "Pointage des présences": (0, 2, 3),
    "Facturation": (0, 2),
    "Prélèvements SEPA": (0, 1, 2),
    "Éditions et modèles de documents": (0, 2),
    "Statistiques CAF": (0,),
    "Réservations en ligne": (1, 2),
    "Communication aux familles": (0, 1),
    "Comptes et droits utilisateurs": (0, 1, 2, 3),
    "Synchronisation tablette": (3,),
    "Paramétrage": (0, 2),
}

ALL_SCRIPTS: tuple[Script, ...] = SCRIPTS + CRECHE_SCRIPTS + TOWN_SCRIPTS


@dataclass
class SeedReport:
    created_users: int = 0
    created_tickets: int = 0
    skipped_tickets: int = 0


def _get_or_create_user(
    email: str,
    first_name: str,
    last_name: str,
    *,
    role: str,
    password_hash: str,
    language: str = "fr",
    superuser: bool = False,
) -> tuple[User, bool]:
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        user = User(
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=role,
            language=language,
            is_staff=superuser,
            is_superuser=superuser,
            password=password_hash,
            date_joined=timezone.now() - timedelta(days=90),
        )
        user.save()
    # With mandatory email verification, allauth refuses a login without a
    # verified address: the demo logins must work at once.
    has_primary = EmailAddress.objects.filter(user=user, primary=True).exists()
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": not has_primary}
    )
    return user, created


def seed_people(report: SeedReport) -> dict[str, User]:
    """Customers, agents and groups; returns people by script key (email or agent key)."""
    # One hash for everyone: the real hasher is slow on purpose.
    password_hash = make_password(PASSWORD)
    organisations = {
        name: Organisation.objects.get_or_create(name=name)[0] for name in ORGANISATIONS
    }
    people: dict[str, User] = {}
    for email, first, last, language, orgs in CUSTOMERS:
        user, created = _get_or_create_user(
            email, first, last, role=Role.CUSTOMER, password_hash=password_hash, language=language
        )
        if created:
            user.organisations.set(
                [organisations[name] for name in orgs],
                through_defaults={
                    "is_manager": email in MANAGERS,
                    "sees_all_tickets": email in MANAGERS or email in SEE_ALL,
                },
            )
            report.created_users += 1
        people[email] = user
    for key, (email, first, last, role) in AGENTS.items():
        user, created = _get_or_create_user(
            email,
            first,
            last,
            role=role,
            password_hash=password_hash,
            superuser=role == Role.ADMIN,
        )
        report.created_users += created
        people[key] = user
    for name, keys in GROUPS.items():
        group, created = SupportGroup.objects.get_or_create(name=name)
        if created:
            group.agents.set([people[key] for key in keys])
    return people


def seed_catalogue() -> tuple[dict[str, Product], dict[str, Theme]]:
    """The vendor's products and their modules ("thèmes")."""
    products = {name: Product.objects.get_or_create(name=name)[0] for name in PRODUCTS}
    themes: dict[str, Theme] = {}
    for name, indexes in THEMES.items():
        theme, created = Theme.objects.get_or_create(name=name)
        if created:
            theme.products.set([products[PRODUCTS[i]] for i in indexes])
        themes[name] = theme
    return products, themes


def _play_step(ticket: Ticket, step: Step, people: dict[str, User], requester: User) -> None:
    actor = requester if step.who == REQUESTER else people[step.who]
    if step.kind in ("reply", "note"):
        services.ticket_reply(
            ticket=ticket,
            author=actor,
            body_html=text_to_html(step.text),
            internal=step.kind == "note",
        )
    elif step.kind == "assign":
        services.ticket_assign(ticket=ticket, actor=actor, assignee=people[step.value])
    elif step.kind == "status":
        status = Status.objects.get(slug=step.value)
        services.ticket_change_status(ticket=ticket, actor=actor, status=status)
    elif step.kind == "close":
        services.ticket_close(ticket=ticket, actor=actor)
    elif step.kind == "fields":
        changes = dict(step.value)
        if "type" in changes:
            changes["type"] = TicketType.objects.get(slug=changes["type"])
        if "priority" in changes:
            changes["priority"] = Priority.objects.get(slug=changes["priority"])
        services.ticket_update_fields(ticket=ticket, actor=actor, **changes)
    else:
        raise ValueError(f"Unknown demo step {step.kind!r}.")


def play_script(
    script: Script,
    people: dict[str, User],
    products: dict[str, Product],
    themes: dict[str, Theme],
) -> Ticket:
    """Open the ticket and play its steps through the services."""
    requester = people[script.requester]
    ticket = services.ticket_create(
        requester=requester,
        subject=script.subject,
        description_html=text_to_html(script.description),
        type=TicketType.objects.get(slug=script.type),
        priority=Priority.objects.get(slug=script.priority),
        organisation=Organisation.objects.get(name=script.organisation),
        products=[products[name] for name in script.products],
        themes=[themes[name] for name in script.themes],
        custom_fields=dict(script.custom),
        channel=script.channel,
        language=script.language,
    )
    for step in script.steps:
        _play_step(ticket, step, people, requester)
    return Ticket.objects.get(pk=ticket.pk)


def _office(moment: datetime, rng: random.Random) -> datetime:
    """``moment``, or the next working morning when it falls at night or at a weekend."""
    local = timezone.localtime(moment)
    if local.hour >= 19:
        local += timedelta(days=1)
    if local.hour >= 19 or local.hour < 8:
        local = local.replace(hour=8, minute=rng.randint(0, 59))
    while local.weekday() >= 5:
        local += timedelta(days=1)
    return max(local, moment)


def _moments(count: int, start: datetime, end: datetime, rng: random.Random) -> list[datetime]:
    """``count`` increasing moments from ``start`` to ``end`` at the latest, spaced
    like a real conversation (minutes to a day or two apart, office hours)."""
    gaps = [rng.uniform(0.3, 1.0) * rng.choice((0.5, 3, 8, 26, 48)) for _ in range(count - 1)]
    for shrink in (1, 2, 4, 8):
        moments = [start]
        for gap in gaps:
            moments.append(_office(moments[-1] + timedelta(hours=gap / shrink), rng))
        if moments[-1] <= end:
            return moments
    # A recent ticket with a long story: evenly squeezed, office hours or not.
    step = (end - start) / max(count - 1, 1)
    return [start + step * i for i in range(count)]


def opening_moment(script: Script, now: datetime, rng: random.Random) -> datetime:
    """When the ticket was opened: ``days_ago``, in office hours unless it is from today."""
    start = now - timedelta(days=script.days_ago)
    if script.days_ago >= 1:
        local = timezone.localtime(start).replace(
            hour=rng.randint(8, 16), minute=rng.randint(0, 59)
        )
        start = min(_office(local, rng), now - timedelta(hours=1))
    return start


def spread_dates(ticket: Ticket, start: datetime, rng: random.Random) -> None:
    """Move the ticket's history back in time to ``start``, keeping its order.

    The services stamp each call with its own "now"; every distinct stamp
    becomes a moment of the past, so a message and the status change it caused
    still share the same time.
    """
    stamps = sorted(
        {
            *Message.objects.filter(ticket=ticket).values_list("created_at", flat=True),
            *TicketEvent.objects.filter(ticket=ticket).values_list("created_at", flat=True),
        }
    )
    end = max(start, timezone.now() - timedelta(minutes=5))
    moved = dict(zip(stamps, _moments(len(stamps), start, end, rng), strict=True))
    for old, new in moved.items():
        Message.objects.filter(ticket=ticket, created_at=old).update(created_at=new)
        TicketEvent.objects.filter(ticket=ticket, created_at=old).update(created_at=new)
    changes = {"created_at": moved[ticket.created_at], "updated_at": moved[ticket.updated_at]}
    for name in ("first_response_at", "resolved_at", "closed_at"):
        value = getattr(ticket, name)
        if value is not None:
            changes[name] = moved[value]
    Ticket.objects.filter(pk=ticket.pk).update(**changes)


def seed_tickets(
    people: dict[str, User], report: SeedReport, scripts: Iterable[Script] = ALL_SCRIPTS
) -> None:
    products, themes = seed_catalogue()
    now = timezone.now()
    # Each script has its own random generator: the same story gets the same dates.
    planned = [
        (opening_moment(script, now, rng), rng, script)
        for rng, script in ((random.Random(i), s) for i, s in enumerate(scripts))
    ]
    # Oldest first, so ticket numbers follow the dates as they would in real life.
    planned.sort(key=lambda item: item[0])
    for start, rng, script in planned:
        requester = people[script.requester]
        if Ticket.objects.filter(requester=requester, subject=script.subject).exists():
            report.skipped_tickets += 1
            continue
        # One transaction per ticket: never half a story, and a rerun completes the rest.
        with transaction.atomic():
            ticket = play_script(script, people, products, themes)
            spread_dates(ticket, start, rng)
        report.created_tickets += 1


def seed_demo() -> SeedReport:
    """Load the whole demo data set (idempotent)."""
    report = SeedReport()
    people = seed_people(report)
    seed_tickets(people, report)
    # Imported here: the desk builds on the ticket domain this module seeds.
    from comptoir.desk.demo import seed_desk

    seed_desk(people)
    from comptoir.contracts.demo import seed_contracts

    seed_contracts(people)
    return report
