"""The desk's part of the demo data: routing, assignment settings, macros, a view.

Added after the demo tickets were played, so their scripted stories stay as
written; tickets opened afterwards (by a visitor trying the portal) are routed
and assigned automatically. Idempotent, like the rest of the demo data.
"""

from __future__ import annotations

from comptoir.accounts.models import SupportGroup, User
from comptoir.tickets.models import Priority, Product, Status, Theme, TicketType
from comptoir.tickets.richtext import text_to_html

from .models import AssignmentMode, DeskGroupSettings, Macro, RoutingRule, SavedView

FUNCTIONAL = "Support fonctionnel"
TECHNICAL = "Équipe technique"

# name, body, as note, status, type, priority, group
MACROS: tuple[tuple[str, str, bool, str, str, str, str], ...] = (
    (
        "Demander une capture d'écran",
        "Bonjour {requester_first_name},\n\nPour avancer sur la demande {ticket_number}, "
        "pourriez-vous nous envoyer une capture d'écran de la page concernée, avec la date "
        "et l'heure du problème ?\n\nBien cordialement,\n{agent_name}",
        False,
        "",
        "",
        "",
        "",
    ),
    (
        "Transmettre à l'équipe technique",
        "Bonjour {requester_first_name},\n\nNous avons reproduit le problème et transmis votre "
        "demande {ticket_number} à notre équipe technique. Nous revenons vers vous dès que "
        "possible.\n\n{agent_name}",
        False,
        "it-working",
        "bug",
        "",
        TECHNICAL,
    ),
    (
        "Solution apportée",
        "Bonjour {requester_first_name},\n\nLa correction est en place. Vous pouvez vérifier "
        "de votre côté ; sans nouvelles de votre part, la demande sera clôturée.\n\n"
        "Suivre la demande : {ticket_link}\n\n{agent_name}",
        False,
        "resolved",
        "",
        "",
        "",
    ),
    (
        "Note : à reproduire sur la base de test",
        "À reproduire sur la base de test avant de répondre au client.",
        True,
        "",
        "",
        "",
        "",
    ),
)


def seed_desk(people: dict[str, User]) -> None:
    groups = {g.name: g for g in SupportGroup.objects.filter(name__in=[FUNCTIONAL, TECHNICAL])}
    if len(groups) < 2:
        return
    DeskGroupSettings.objects.get_or_create(
        group=groups[FUNCTIONAL], defaults={"assignment": AssignmentMode.ROUND_ROBIN}
    )
    DeskGroupSettings.objects.get_or_create(
        group=groups[TECHNICAL],
        defaults={"assignment": AssignmentMode.LEAST_OPEN, "max_open_per_agent": 15},
    )
    _rules(groups)
    for name, body, as_note, status, type_, priority, group in MACROS:
        Macro.objects.get_or_create(
            name=name,
            owner=None,
            defaults={
                "body_html": text_to_html(body),
                "as_note": as_note,
                "set_status": Status.objects.filter(slug=status).first(),
                "set_type": TicketType.objects.filter(slug=type_).first(),
                "set_priority": Priority.objects.filter(slug=priority).first(),
                "set_group": groups.get(group),
            },
        )
    camille = people.get("camille")
    if camille is not None:
        SavedView.objects.get_or_create(
            owner=camille,
            name="Urgences ouvertes",
            defaults={"query": "queue=open&priority=urgent&priority=high&sort=due&dir=asc"},
        )


def _rules(groups: dict[str, SupportGroup]) -> None:
    if RoutingRule.objects.exists():
        return
    mobile = RoutingRule.objects.create(
        name="Application mobile et synchronisation", order=10, group=groups[TECHNICAL]
    )
    mobile.products.set(Product.objects.filter(name="Pointage mobile"))
    errors = RoutingRule.objects.create(
        name="Erreurs système : équipe technique, priorité haute",
        order=20,
        group=groups[TECHNICAL],
        priority=Priority.objects.filter(slug="high").first(),
    )
    errors.ticket_types.set(TicketType.objects.filter(slug="system-error"))
    sync = RoutingRule.objects.create(
        name="Synchronisation tablette", order=30, group=groups[TECHNICAL]
    )
    sync.themes.set(Theme.objects.filter(name="Synchronisation tablette"))
    RoutingRule.objects.create(
        name="Tout le reste : support fonctionnel", order=100, group=groups[FUNCTIONAL]
    )
