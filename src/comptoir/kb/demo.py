# ruff: noqa: E501 -- article texts read better unwrapped
"""Demo articles: a dozen realistic user guides (French, some also in English).

Call ``seed_articles()`` from the demo data, or run ``manage.py kb_seed_demo``.
Idempotent: an article whose address exists is left alone.
"""

from __future__ import annotations

from django.db import transaction

from comptoir.accounts.models import Role, User

from . import services
from .models import Article, ArticleStatus, KbCategory, Visibility


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _ul(*items: str) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _ol(*items: str) -> str:
    return "<ol>" + "".join(f"<li>{i}</li>" for i in items) + "</ol>"


# (slug, category, visibility, French (title, summary, body), English or None)
ARTICLES: list[tuple[str, str, str, tuple[str, str, str], tuple[str, str, str] | None]] = [
    (
        "prise-en-main-du-logiciel",
        "getting-started",
        Visibility.PUBLIC,
        (
            "Prise en main du logiciel",
            "Se connecter, découvrir la page d'accueil et ses menus.",
            "<h2>Connexion au logiciel</h2>"
            + _p(
                "Pour accéder à la page de connexion, saisissez l'adresse communiquée par "
                "votre administrateur dans votre navigateur.",
                "Saisissez l'identifiant et le mot de passe, puis cliquez sur "
                "<strong>Connexion</strong>.",
            )
            + "<h2>La page d'accueil</h2>"
            + _p("La page d'accueil regroupe les raccourcis les plus utilisés :")
            + _ul(
                "les dossiers récents ;",
                "les alertes (icône cloche) ;",
                "les messages (icône enveloppe).",
            )
            + "<h2>Mot de passe oublié</h2>"
            + _p(
                "Cliquez sur <em>Mot de passe oublié</em> : un lien de réinitialisation vous est envoyé par courriel."
            ),
        ),
        (
            "Getting started with the software",
            "Logging in, the home page and its menus.",
            "<h2>Logging in</h2>"
            + _p(
                "Open the address your administrator gave you, type your login and password, then click <strong>Log in</strong>."
            )
            + "<h2>The home page</h2>"
            + _ul("recent records;", "alerts (bell icon);", "messages (envelope icon).")
            + "<h2>Forgotten password</h2>"
            + _p("Click <em>Forgotten password</em>: a reset link is sent to you by email."),
        ),
    ),
    (
        "assistance-et-support",
        "getting-started",
        Visibility.PUBLIC,
        (
            "Contacter l'assistance (icône casque)",
            "Rechercher dans la base de connaissances, ouvrir et suivre un ticket.",
            "<h2>Ouvrir l'assistance</h2>"
            + _p("Cliquez sur l'icône casque : l'assistance s'ouvre dans un nouvel onglet.")
            + "<h2>Rechercher avant d'ouvrir un ticket</h2>"
            + _p(
                "Saisissez au minimum trois lettres dans la barre de recherche : les notices les plus pertinentes s'affichent dans une liste déroulante."
            )
            + "<h2>Ajouter un ticket</h2>"
            + _ol(
                "Choisissez le logiciel et le thème concernés.",
                "Indiquez la classification : Aide, Bug, Évolution ou Autre.",
                "Rédigez un objet court et une description précise (page, dates, tris).",
                "Joignez des captures d'écran si besoin, puis envoyez.",
            ),
        ),
        (
            "Contacting support (headset icon)",
            "Searching the knowledge base, opening and following a ticket.",
            "<h2>Opening support</h2>"
            + _p("Click the headset icon: support opens in a new tab.")
            + "<h2>Search before opening a ticket</h2>"
            + _p(
                "Type at least three letters in the search bar: the most relevant guides appear in a drop-down list."
            )
            + "<h2>Adding a ticket</h2>"
            + _ol(
                "Choose the product and theme.",
                "Pick the type: Help, Bug, Improvement or Other.",
                "Write a short subject and a precise description.",
                "Attach screenshots if needed, then send.",
            ),
        ),
    ),
    (
        "gerer-les-utilisateurs-et-les-droits",
        "settings",
        Visibility.CUSTOMERS,
        (
            "Gérer les utilisateurs et leurs droits",
            "Créer un compte, attribuer un profil et désactiver un utilisateur.",
            "<h2>Créer un utilisateur</h2>"
            + _p(
                "Menu <strong>Paramètres / Utilisateurs</strong>, bouton <strong>Ajouter</strong>. Renseignez le nom, le courriel et le profil."
            )
            + "<h2>Les profils</h2>"
            + "<table><thead><tr><th>Profil</th><th>Peut</th></tr></thead><tbody>"
            "<tr><td>Direction</td><td>Tout paramétrer et facturer</td></tr>"
            "<tr><td>Équipe</td><td>Gérer les dossiers et les pointages</td></tr>"
            "<tr><td>Lecture</td><td>Consulter sans modifier</td></tr></tbody></table>"
            + "<h2>Désactiver un utilisateur</h2>"
            + _p("Décochez <em>Actif</em> : l'historique est conservé, la connexion est refusée."),
        ),
        (
            "Managing users and their rights",
            "Creating an account, giving it a profile, deactivating a user.",
            "<h2>Creating a user</h2>"
            + _p(
                "Menu <strong>Settings / Users</strong>, <strong>Add</strong> button. Fill in the name, email and profile."
            )
            + "<h2>Deactivating a user</h2>"
            + _p("Untick <em>Active</em>: the history is kept, logging in is refused."),
        ),
    ),
    (
        "alertes-icone-cloche",
        "everyday-use",
        Visibility.CUSTOMERS,
        (
            "Créer et suivre des alertes (icône cloche)",
            "Des alertes sur les dossiers, les pointages ou la facturation.",
            "<h2>Créer une alerte</h2>"
            + _p(
                "Cliquez sur la cloche en haut à droite, puis sur <strong>Nouvelle alerte</strong>. Choisissez le type : dossier, pointage ou facturation."
            )
            + "<h2>Quand le logiciel détecte une alerte</h2>"
            + _p(
                "Un compteur rouge apparaît sur la cloche. Cliquez dessus pour voir le détail et marquer l'alerte comme traitée."
            ),
        ),
        None,
    ),
    (
        "saisir-les-pointages",
        "everyday-use",
        Visibility.CUSTOMERS,
        (
            "Saisir et corriger les pointages",
            "Pointer les arrivées et départs, corriger une erreur de saisie.",
            "<h2>Pointer une présence</h2>"
            + _p(
                "Depuis le planning du jour, cliquez sur l'enfant puis sur <strong>Arrivée</strong> ou <strong>Départ</strong>."
            )
            + "<h2>Corriger un pointage</h2>"
            + _p(
                "Ouvrez la fiche de présence, modifiez l'heure et enregistrez. Les pointages d'un mois facturé sont verrouillés : demandez à la direction de rouvrir la période."
            )
            + "<h3>Pointages bloqués</h3>"
            + _p("Un pointage est bloqué quand la facture du mois est déjà émise."),
        ),
        (
            "Recording and correcting attendance",
            "Clocking arrivals and departures, fixing a mistake.",
            "<h2>Recording attendance</h2>"
            + _p(
                "From today's schedule, click the child then <strong>Arrival</strong> or <strong>Departure</strong>."
            )
            + "<h2>Correcting attendance</h2>"
            + _p(
                "Open the attendance sheet, change the time and save. Invoiced months are locked."
            ),
        ),
    ),
    (
        "lancer-un-train-de-facturation",
        "billing",
        Visibility.CUSTOMERS,
        (
            "Lancer un train de facturation",
            "Préparer, contrôler et valider les factures du mois.",
            "<h2>Préparer le train</h2>"
            + _ol(
                "Menu <strong>Facturation / Trains</strong>.",
                "Choisissez la période et les structures.",
                "Cliquez sur <strong>Préparer</strong>.",
            )
            + "<h2>Contrôler avant de valider</h2>"
            + _p(
                "Vérifiez les anomalies signalées (tarif manquant, pointage incomplet) avant de valider : une facture validée ne se modifie plus, elle s'annule par un avoir."
            )
            + "<h2>Envoyer les factures</h2>"
            + _p(
                "Les familles qui ont activé l'envoi par courriel reçoivent leur facture automatiquement."
            ),
        ),
        (
            "Running a billing run",
            "Preparing, checking and approving the month's invoices.",
            "<h2>Preparing the run</h2>"
            + _ol(
                "Menu <strong>Billing / Runs</strong>.",
                "Choose the period.",
                "Click <strong>Prepare</strong>.",
            )
            + "<h2>Check before approving</h2>"
            + _p(
                "An approved invoice can no longer be changed: it is cancelled with a credit note."
            ),
        ),
    ),
    (
        "prelevement-automatique",
        "billing",
        Visibility.CUSTOMERS,
        (
            "Le prélèvement automatique depuis un train de facturation",
            "Activer le prélèvement, gérer les mandats et les rejets.",
            "<h2>Activation</h2>"
            + _p(
                "Le prélèvement automatique est une option activée sur devis. Contactez le support ou le service formation."
            )
            + "<h2>Les mandats</h2>"
            + _p(
                "Chaque famille prélevée doit avoir un mandat signé et un IBAN valide dans sa fiche."
            )
            + "<h2>Générer le fichier de prélèvement</h2>"
            + _p(
                "Depuis le train validé, bouton <strong>Prélèvements</strong> : le fichier SEPA est à déposer sur le site de votre banque."
            )
            + "<h3>Rejets</h3>"
            + _p("Un prélèvement rejeté repasse la facture en <em>à régler</em>."),
        ),
        None,
    ),
    (
        "personnaliser-les-editions",
        "documents-exports",
        Visibility.CUSTOMERS,
        (
            "Personnaliser les éditions",
            "Logo, en-tête, pied de page et textes des documents.",
            "<h2>Où se trouvent les éditions ?</h2>"
            + _p("Menu <strong>Paramètres / Éditions / Autres éditions</strong>.")
            + "<h2>Modifier un modèle</h2>"
            + _p(
                "Choisissez le document, modifiez le texte, insérez des champs de fusion (nom de l'enfant, période, montant) et enregistrez."
            )
            + "<pre><code>{{ famille.nom }} — {{ periode.mois }}</code></pre>"
            + "<h2>Aperçu</h2>"
            + _p("Le bouton <strong>Aperçu</strong> génère un PDF d'essai."),
        ),
        (
            "Customising documents",
            "Logo, header, footer and texts of documents.",
            "<h2>Where are documents set up?</h2>"
            + _p("Menu <strong>Settings / Documents / Other documents</strong>.")
            + "<h2>Editing a template</h2>"
            + _p("Choose the document, edit the text, insert merge fields and save."),
        ),
    ),
    (
        "exporter-des-donnees",
        "documents-exports",
        Visibility.CUSTOMERS,
        (
            "Exporter des listes vers un tableur",
            "Exporter dossiers, présences ou factures au format CSV ou Excel.",
            "<h2>Lancer un export</h2>"
            + _p("Sur toute liste, bouton <strong>Exporter</strong>, puis choisissez CSV ou Excel.")
            + "<h2>Choisir les colonnes</h2>"
            + _p("Cochez les colonnes voulues ; l'ordre suit celui de la liste.")
            + "<h2>Accents illisibles dans le tableur</h2>"
            + _p(
                "Ouvrez le fichier CSV par <em>Données / À partir d'un fichier texte</em> et choisissez l'encodage UTF-8."
            ),
        ),
        None,
    ),
    (
        "communication-icone-enveloppe",
        "documents-exports",
        Visibility.CUSTOMERS,
        (
            "Communication avec les familles (icône enveloppe)",
            "Relire les messages, contrôler l'envoi des courriels et des factures.",
            "<h2>Messages diffusés</h2>"
            + _p("L'enveloppe permet de lire ou relire les messages diffusés par l'éditeur.")
            + "<h2>Contrôler l'envoi des courriels</h2>"
            + _p(
                "L'onglet <strong>Envois</strong> liste chaque courriel avec son état : envoyé, ouvert, en erreur."
            )
            + "<h2>Factures par courriel</h2>"
            + _p("Vérifiez quelles familles ont activé l'envoi des factures par courriel."),
        ),
        None,
    ),
    (
        "message-erreur-session-expiree",
        "troubleshooting",
        Visibility.PUBLIC,
        (
            "Message « Votre session a expiré »",
            "Pourquoi la session expire et comment ne plus perdre une saisie.",
            "<h2>Pourquoi ce message ?</h2>"
            + _p("Par sécurité, la session se ferme après une heure sans activité.")
            + "<h2>Que faire ?</h2>"
            + _ol(
                "Reconnectez-vous.",
                "Enregistrez régulièrement les saisies longues.",
                "Si le message apparaît sans inactivité, videz le cache du navigateur.",
            )
            + "<h2>Toujours bloqué ?</h2>"
            + _p("Ouvrez un ticket en précisant le navigateur utilisé et l'heure du problème."),
        ),
        (
            "“Your session has expired” message",
            "Why sessions expire and how not to lose your work.",
            "<h2>Why this message?</h2>"
            + _p("For security, the session closes after one hour without activity.")
            + "<h2>What to do</h2>"
            + _ol(
                "Log in again.",
                "Save long entries regularly.",
                "If it happens while active, clear the browser cache.",
            ),
        ),
    ),
    (
        "bien-rediger-un-ticket",
        "troubleshooting",
        Visibility.PUBLIC,
        (
            "Bien rédiger un ticket pour une réponse rapide",
            "Les informations qui évitent un aller-retour avec le support.",
            "<h2>Un ticket par demande</h2>"
            + _p("Ne créez pas de doublon : si un ticket est déjà ouvert sur le sujet, répondez-y.")
            + "<h2>Ce qu'il faut indiquer</h2>"
            + _ul(
                "la page ou l'édition concernée ;",
                "les dates, tris et filtres utilisés ;",
                "le nom d'un enfant ou d'un dossier concerné ;",
                "une capture d'écran du message.",
            )
            + "<h2>Les statuts</h2>"
            + _p(
                "<strong>Ouvert</strong> : en attente du support. <strong>En attente</strong> : le support attend votre retour. <strong>Fermé</strong> : plus rien n'est attendu ; répondre rouvre le ticket."
            ),
        ),
        None,
    ),
    (
        "procedure-interne-escalade",
        "troubleshooting",
        Visibility.AGENTS,
        (
            "Procédure interne : escalader un bug bloquant",
            "Réservé au support : qualification, priorité et transmission à l'équipe produit.",
            "<h2>Qualifier</h2>"
            + _p("Reproduire sur la base de démonstration, noter la version et les étapes.")
            + "<h2>Transmettre</h2>"
            + _p(
                "Passer le ticket en <em>Attente interne</em>, priorité <em>Urgente</em> si la facturation est bloquée."
            ),
        ),
        None,
    ),
]


def _author() -> User:
    agent = (
        User.objects.filter(role__in=[Role.AGENT, Role.ADMIN], is_active=True)
        .order_by("pk")
        .first()
    )
    if agent is not None:
        return agent
    return User.objects.create_user(
        email="documentation@comptoir.localhost", first_name="Documentation", role=Role.AGENT
    )


@transaction.atomic
def seed_articles(*, author: User | None = None) -> int:
    """Create the demo articles that do not exist yet; returns how many were made."""
    author = author or _author()
    categories = {c.slug: c for c in KbCategory.objects.all()}
    made = 0
    for slug, category, visibility, french, english in ARTICLES:
        if Article.objects.filter(slug=slug).exists() or category not in categories:
            continue
        title, summary, body = french
        article = services.article_create(
            author=author,
            category=categories[category],
            language="fr",
            title=title,
            summary=summary,
            body_html=body,
            slug=slug,
            status=ArticleStatus.PUBLISHED,
            visibility=visibility,
        )
        if english:
            services.article_translation_save(
                article=article,
                actor=author,
                language="en",
                title=english[0],
                summary=english[1],
                body_html=english[2],
            )
        made += 1
    return made
