"""Scripted demo conversations, played through the ticket services.

A script is data only: who opens the ticket, what they write, then the steps
(replies, notes, assignments, status changes) in the order they happen. Playing
them through the services keeps the lifecycle rules and the event log true;
``expect`` is the status the steps must end in, so a change in the rules that
breaks the story shows up in the tests instead of silently in the demo.

This module holds the tickets of the two demo customer logins, Claire Martin
(every portal tab) and Julien Roux; the other customers' tickets live in
``demo_tickets_creches`` and ``demo_tickets_towns``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REQUESTER = "requester"

# Catalogue names used by the scripts (see ``demo.PRODUCTS`` and ``demo.THEMES``).
GPE = "Gestion Petite Enfance"
PORTAL = "Portail Familles"
EJ = "Enfance-Jeunesse"
MOBILE = "Pointage mobile"


@dataclass(frozen=True)
class Step:
    """One thing that happens to a ticket after it is opened."""

    kind: str  # reply, note, assign, status, close, fields
    who: str = REQUESTER  # REQUESTER or an agent key of ``demo.AGENTS``
    text: str = ""
    value: Any = None


def says(text: str) -> Step:
    """The requester answers on the portal."""
    return Step("reply", REQUESTER, text)


def reply(who: str, text: str) -> Step:
    """An agent's public reply."""
    return Step("reply", who, text)


def note(who: str, text: str) -> Step:
    """An agent's internal note, never shown to the customer."""
    return Step("note", who, text)


def assign(who: str, to: str) -> Step:
    return Step("assign", who, value=to)


def status(who: str, slug: str) -> Step:
    return Step("status", who, value=slug)


def close(who: str = REQUESTER) -> Step:
    return Step("close", who)


def requalify(who: str, **changes: Any) -> Step:
    """Change fields; ``type`` and ``priority`` are given by slug."""
    return Step("fields", who, value=changes)


@dataclass(frozen=True)
class Script:
    requester: str  # email
    organisation: str
    subject: str
    description: str
    type: str
    priority: str
    expect: str  # the status slug the steps end in
    days_ago: float  # when the ticket was opened
    products: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    custom: dict[str, str] = field(default_factory=dict)
    steps: tuple[Step, ...] = ()
    language: str = "fr"
    channel: str = "web"


CLAIRE = "claire.martin@exemple.fr"
JULIEN = "julien.roux@exemple.fr"
LOUPS = "Crèche Les Petits Loups"
LUCIOLES = "Multi-accueil Les Lucioles"
MAIRIE = "Mairie de Saint-Aubin-sur-Loire"

SCRIPTS: tuple[Script, ...] = (
    Script(
        CLAIRE,
        LOUPS,
        "Facturation du mois dernier : montant erroné pour deux familles",
        "Bonjour,\n\nAprès le train de facturation du mois dernier, deux familles nous signalent "
        "un montant plus élevé que d'habitude alors que leur contrat n'a pas changé (même "
        "nombre d'heures, même tarif horaire).\n\nIl s'agit des familles Dupuis et Ramos. "
        "L'écart est d'environ 38 € pour l'une et 52 € pour l'autre. Dans le détail, on dirait "
        "que des heures complémentaires ont été comptées sur des jours d'absence justifiée.\n\n"
        "Pouvez-vous regarder ? Nous devons envoyer les factures aux familles avant vendredi.\n\n"
        "Cordialement,\nClaire Martin\nCoordinatrice, Crèche Les Petits Loups",
        "bug",
        "high",
        "it-working",
        6,
        (GPE,),
        ("Facturation", "Pointage des présences"),
        {
            "reproducibility": "always",
            "impact": "several",
            "steps-to-reproduce": "1. Facturation > Trains de facturation > mois précédent\n"
            "2. Ouvrir la facture de la famille Dupuis\n"
            "3. Onglet Détail : 6 h complémentaires sur deux jours d'absence justifiée",
        },
        (
            note(
                "camille",
                "Reproduit sur la base de test de la crèche : les absences saisies depuis la "
                "tablette avec un justificatif ne sont pas déduites. Je passe à Lucas.",
            ),
            assign("camille", "lucas"),
            note(
                "lucas",
                "Le calcul ignore le motif d'absence quand il est saisi après la clôture du "
                "pointage. Correctif en cours, je regénère les deux factures ensuite.",
            ),
            status("lucas", "it-working"),
        ),
    ),
    Script(
        CLAIRE,
        LUCIOLES,
        "Ajouter un motif d'absence « éviction maladie »",
        "Bonjour,\n\nLe médecin de la structure nous demande de distinguer les évictions pour "
        "maladie contagieuse des autres absences pour maladie. Est-il possible d'ajouter ce "
        "motif nous-mêmes, et sera-t-il déduit de la facture comme les autres absences "
        "justifiées ?\n\nMerci d'avance,\nClaire Martin",
        "help",
        "normal",
        "waiting",
        3,
        (GPE,),
        ("Pointage des présences", "Paramétrage"),
        steps=(
            reply(
                "camille",
                "Bonjour Claire,\n\nOui, vous pouvez l'ajouter vous-même : menu Paramètres > "
                "Présences > Motifs d'absence, bouton « Ajouter ». Cochez « Déduit de la "
                "facturation » et « Justificatif obligatoire » si vous souhaitez demander le "
                "certificat du médecin.\n\nLe nouveau motif apparaît tout de suite sur la "
                "tablette après une synchronisation. Pouvez-vous me confirmer que tout est "
                "bon de votre côté ?\n\nBien à vous,\nCamille, équipe support",
            ),
        ),
    ),
    Script(
        CLAIRE,
        LOUPS,
        "Export des statistiques CAF : fichier vide",
        "Bonjour,\n\nL'export des données d'activité pour la CAF génère un fichier vide (seule "
        "la ligne d'en-tête est présente). La déclaration doit être faite avant la fin du "
        "mois.\n\nClaire Martin",
        "bug",
        "urgent",
        "assigned",
        9,
        (GPE,),
        ("Statistiques CAF",),
        {
            "reproducibility": "always",
            "impact": "blocking",
            "steps-to-reproduce": "Statistiques > Export CAF > choisir la période > Exporter",
        },
        (
            assign("camille", "camille"),
            reply(
                "camille",
                "Bonjour Claire,\n\nJe m'en occupe. Pour reproduire le problème, pouvez-vous "
                "m'indiquer la période choisie et si le filtre « Régime général uniquement » "
                "est coché ?\n\nCamille",
            ),
            says(
                "Bonjour Camille,\n\nPériode du 1er au dernier jour du mois précédent, et oui "
                "le filtre est coché. Sans le filtre, le fichier contient bien des lignes mais "
                "aussi les enfants MSA.\n\nClaire",
            ),
            note(
                "camille",
                "Le filtre régime général s'appuie sur le champ « caisse » des familles, vide "
                "pour les dossiers importés l'an dernier. À confirmer avec Lucas.",
            ),
        ),
    ),
    Script(
        CLAIRE,
        LUCIOLES,
        "Envoi groupé des factures par e-mail",
        "Bonjour,\n\nNous voudrions arrêter d'imprimer les factures. Est-il possible d'envoyer "
        "toutes les factures du mois par e-mail en une seule fois, et de savoir quelles "
        "familles ne les ont pas ouvertes ?\n\nBonne journée,\nClaire Martin",
        "information",
        "low",
        "new",
        0.6,
        (PORTAL, GPE),
        ("Communication aux familles",),
    ),
    Script(
        CLAIRE,
        LOUPS,
        "Impossible de modifier le contrat d'un enfant après sa date de début",
        "Bonjour,\n\nUne famille passe de 3 à 4 jours par semaine à partir du mois prochain. "
        "Quand j'ouvre le contrat, tous les champs sont grisés. Comment faire ?\n\n"
        "Claire Martin",
        "help",
        "normal",
        "resolved",
        15,
        (GPE,),
        ("Contrats d'accueil",),
        steps=(
            reply(
                "camille",
                "Bonjour Claire,\n\nUn contrat commencé ne se modifie plus pour ne pas fausser "
                "les factures déjà émises. Il faut créer un avenant : dans la fiche de "
                "l'enfant, onglet Contrats, bouton « Avenant », puis indiquez la date d'effet "
                "et le nouveau planning. L'ancien contrat s'arrête la veille.\n\n"
                "Bien à vous,\nCamille",
            ),
            says(
                "Merci, c'est fait. Le nouveau tarif mensuel est bien calculé. Faut-il "
                "refaire signer un contrat à la famille ?",
            ),
            reply(
                "camille",
                "Oui : l'avenant s'imprime depuis le même onglet (bouton « Imprimer "
                "l'avenant »). Je passe la demande en résolu ; vous pouvez la rouvrir en "
                "répondant si besoin.\n\nCamille",
            ),
            status("camille", "resolved"),
        ),
    ),
    Script(
        CLAIRE,
        LUCIOLES,
        "Accès au portail familles pour une nouvelle famille",
        "Bonjour,\n\nLa famille Benoît n'a pas reçu son e-mail d'activation pour le portail "
        "familles. L'adresse dans le dossier est correcte.\n\nClaire",
        "help",
        "normal",
        "closed",
        40,
        (PORTAL,),
        ("Comptes et droits utilisateurs",),
        steps=(
            reply(
                "camille",
                "Bonjour Claire,\n\nL'e-mail est parti mais a été refusé par la messagerie de "
                "la famille (boîte pleine). Je l'ai renvoyé ce matin. Ils peuvent aussi "
                "utiliser « Mot de passe oublié » sur la page de connexion du portail.\n\n"
                "Camille",
            ),
            says("C'est bon, la famille est connectée. Merci beaucoup !"),
            close("camille"),
        ),
    ),
    Script(
        CLAIRE,
        LOUPS,
        "Suggestion : pointer les repas depuis la tablette",
        "Bonjour,\n\nAujourd'hui nous pointons les arrivées et départs sur la tablette, mais "
        "les repas sont notés sur papier puis ressaisis. Ce serait un vrai gain de temps de "
        "pouvoir les cocher directement sur la tablette.\n\nClaire Martin",
        "feature",
        "low",
        "closed",
        52,
        (MOBILE,),
        ("Pointage des présences",),
        steps=(
            note(
                "ines",
                "Demande déjà faite par trois autres structures ; ajoutée au ticket produit.",
            ),
            reply(
                "ines",
                "Bonjour Claire,\n\nMerci pour la suggestion. Elle rejoint d'autres demandes "
                "et le pointage des repas est prévu dans une prochaine version de "
                "l'application. Nous vous préviendrons à sa sortie.\n\nInès, équipe support",
            ),
            close("ines"),
        ),
    ),
    Script(
        JULIEN,
        MAIRIE,
        "Les réservations de la cantine ne s'affichent plus sur le portail",
        "Bonjour,\n\nDepuis ce matin, les familles ne voient plus leurs réservations de "
        "cantine sur le portail : le calendrier est vide. Plusieurs parents ont appelé la "
        "mairie. Côté logiciel, les réservations sont bien présentes.\n\nJulien Roux\n"
        "Service enfance, Mairie de Saint-Aubin-sur-Loire",
        "bug",
        "urgent",
        "new",
        0.15,
        (PORTAL,),
        ("Réservations en ligne",),
        {
            "reproducibility": "always",
            "impact": "blocking",
            "steps-to-reproduce": "Se connecter au portail avec un compte famille > "
            "Réservations > Cantine : calendrier vide",
        },
    ),
    Script(
        JULIEN,
        MAIRIE,
        "Modèle d'attestation fiscale : changer le logo",
        "Bonjour,\n\nLa commune a changé de logo. Où peut-on le remplacer sur les attestations "
        "fiscales de frais de garde ?\n\nJulien Roux",
        "help",
        "normal",
        "waiting",
        4,
        (EJ,),
        ("Éditions et modèles de documents",),
        steps=(
            reply(
                "camille",
                "Bonjour Julien,\n\nLe logo se change dans Paramètres > Éditions > En-tête "
                "commun : il sera repris sur toutes les éditions, attestations comprises. "
                "Privilégiez une image PNG de 600 pixels de large au plus.\n\nSi vous voulez un "
                "logo différent pour les seules attestations, dites-le-moi et je vous "
                "explique comment dupliquer le modèle.\n\nCamille",
            ),
        ),
    ),
    Script(
        JULIEN,
        MAIRIE,
        "Tarifs au quotient familial pour la rentrée",
        "Bonjour,\n\nLe conseil municipal a voté une nouvelle grille de tarifs au quotient "
        "familial (6 tranches au lieu de 4). Pouvez-vous nous aider à la paramétrer sans "
        "toucher aux factures de l'année en cours ?\n\nJulien Roux",
        "help",
        "high",
        "closed",
        35,
        (EJ,),
        ("Facturation", "Paramétrage"),
        steps=(
            reply(
                "ines",
                "Bonjour Julien,\n\nIl faut créer une nouvelle grille avec une date de début "
                "au premier jour de la rentrée : Paramètres > Tarifs > Grilles > Nouvelle "
                "grille. Les factures antérieures gardent l'ancienne grille.\n\nPouvez-vous "
                "m'envoyer la délibération avec les montants ? Je vérifierai la saisie.\n\n"
                "Inès",
            ),
            says(
                "Voici les tranches : moins de 500 €, 500 à 800 €, 800 à 1 100 €, 1 100 à "
                "1 500 €, 1 500 à 2 000 €, plus de 2 000 €. Les tarifs vont de 0,80 € à "
                "4,20 € le repas.",
            ),
            reply(
                "ines",
                "Merci. J'ai contrôlé la grille que vous avez saisie : tout est correct, et "
                "une simulation sur dix familles donne les bons montants.\n\nInès",
            ),
            says("Parfait, merci pour votre aide."),
            close("ines"),
        ),
    ),
)
