"""Scripted demo conversations of the town halls and associations (see ``demo_tickets``)."""

from __future__ import annotations

from .demo_tickets import (
    EJ,
    GPE,
    MAIRIE,
    Script,
    assign,
    close,
    note,
    reply,
    requalify,
    says,
    status,
)

NICOLAS = "nicolas.girard@exemple.fr"
ISABELLE = "isabelle.moreau@exemple.fr"
KARIM = "karim.benali@exemple.fr"
FATOU = "fatou.diallo@exemple.fr"
THOMAS = "thomas.lambert@exemple.fr"
NATHALIE = "nathalie.chevalier@exemple.fr"
RURALES = "Familles Rurales du Val d'Orge"
SERRE = "Communauté de communes du Pays de Serre"
ACCOUNTS = "Comptes et droits utilisateurs"

SCRIPTS: tuple[Script, ...] = (
    Script(
        NICOLAS,
        MAIRIE,
        "Prélèvements SEPA : fichier rejeté par la banque",
        "Bonjour,\n\nLa banque a rejeté le fichier de prélèvement de ce mois-ci avec le message "
        "« structure du fichier invalide ». Les familles doivent être prélevées le 10. "
        "Pouvez-vous nous aider en urgence ?\n\nNicolas Girard\nRégisseur, Mairie de "
        "Saint-Aubin-sur-Loire",
        "problem",
        "urgent",
        "it-working",
        5,
        (EJ,),
        ("Prélèvements SEPA",),
        {
            "reproducibility": "once",
            "impact": "several",
            "additional-information": "Contact à la trésorerie : M. Vasseur, 02 41 00 00 00",
        },
        (
            assign("camille", "lucas"),
            reply(
                "lucas",
                "Bonjour Monsieur Girard,\n\nPouvez-vous nous transmettre le compte rendu de "
                "rejet de la banque ? Il indique la ligne fautive.\n\nLucas, équipe technique",
            ),
            says(
                "Voici ce qu'indique le compte rendu : rejet à la ligne 1 245, code AC01. "
                "Je ne sais pas de quelle famille il s'agit.",
            ),
            note(
                "lucas",
                "AC01 = identifiant de compte incorrect. Un mandat saisi la semaine dernière "
                "a un BIC de 8 caractères avec une espace. Il faut corriger la validation.",
            ),
            status("lucas", "it-working"),
        ),
    ),
    Script(
        ISABELLE,
        RURALES,
        "Devis pour le module de prélèvement automatique",
        "Bonjour,\n\nNotre conseil d'administration souhaite proposer le prélèvement aux "
        "familles. Pouvez-vous nous envoyer un devis pour l'activation de cette option ?\n\n"
        "Isabelle Moreau, trésorière",
        "information",
        "low",
        "resolved",
        18,
        (GPE,),
        ("Prélèvements SEPA", "Facturation"),
        steps=(
            reply(
                "camille",
                "Bonjour Madame Moreau,\n\nJ'ai transmis votre demande au service commercial, "
                "qui vous a envoyé le devis par e-mail ce matin. L'activation se fait sous 48 "
                "heures après signature, et une formation d'une heure est incluse.\n\n"
                "Camille",
            ),
            status("camille", "resolved"),
        ),
    ),
    Script(
        KARIM,
        RURALES,
        "Doublons dans la liste des enfants de l'accueil de loisirs",
        "Bonjour,\n\nDans la liste des inscrits du mercredi, certains enfants apparaissent "
        "deux fois. Cela fausse l'effectif affiché et le taux d'encadrement.\n\nKarim Benali, "
        "directeur de l'accueil de loisirs",
        "bug",
        "normal",
        "assigned",
        7,
        (EJ,),
        ("Inscriptions et dossiers",),
        {"reproducibility": "sometimes", "impact": "one"},
        (
            note(
                "ines",
                "Les doublons sont des enfants inscrits à la fois sur la période et à la "
                "journée. Probablement un problème d'affichage seulement.",
            ),
            assign("ines", "ines"),
        ),
    ),
    Script(
        THOMAS,
        SERRE,
        "Création de trois comptes utilisateurs",
        "Bonjour,\n\nTrois nouvelles directrices arrivent dans les structures du territoire. "
        "Pouvez-vous leur créer un accès, ou nous expliquer comment le faire ?\n\n"
        "Thomas Lambert, coordinateur petite enfance",
        "help",
        "normal",
        "waiting",
        2,
        (GPE,),
        (ACCOUNTS,),
        steps=(
            reply(
                "helene",
                "Bonjour Monsieur Lambert,\n\nVous pouvez les créer vous-même depuis "
                "Administration > Utilisateurs > Nouvel utilisateur, en choisissant le profil "
                "« Direction » et la structure concernée. Chaque personne reçoit alors un "
                "e-mail pour choisir son mot de passe.\n\nSouhaitez-vous que je m'en charge ? "
                "Dans ce cas, envoyez-moi leurs noms et adresses e-mail.\n\nHélène Garnier",
            ),
        ),
    ),
    Script(
        NATHALIE,
        SERRE,
        "Erreur 500 à l'ouverture du tableau de bord",
        "Bonjour,\n\nDepuis la mise à jour d'hier soir, le tableau de bord affiche « Erreur "
        "serveur (500) ». Aucune des quatre structures ne peut travailler.\n\n"
        "Nathalie Chevalier",
        "system-error",
        "urgent",
        "closed",
        28,
        (GPE,),
        (),
        {"reproducibility": "always", "impact": "blocking"},
        (
            note(
                "lucas",
                "Migration incomplète sur leur instance : la colonne des alertes manque. "
                "Je relance la migration.",
            ),
            assign("lucas", "lucas"),
            reply(
                "lucas",
                "Bonjour Madame Chevalier,\n\nLe correctif est en place et le tableau de bord "
                "s'affiche à nouveau. Pouvez-vous confirmer de votre côté ?\n\nLucas",
            ),
            says("Tout fonctionne, merci. Les structures ont pu reprendre le pointage."),
            status("lucas", "resolved"),
            close("helene"),
        ),
    ),
    Script(
        FATOU,
        RURALES,
        "Comment saisir la période d'adaptation d'un enfant ?",
        "Bonjour,\n\nUn enfant commence lundi avec deux semaines d'adaptation (quelques heures "
        "par jour, puis des journées complètes). Faut-il faire un contrat spécial pour ces "
        "deux semaines ?\n\nFatou Diallo",
        "help",
        "normal",
        "new",
        0.5,
        (GPE,),
        ("Contrats d'accueil",),
    ),
    Script(
        NICOLAS,
        MAIRIE,
        "Liste d'attente : critères de priorité pour la commission",
        "Bonjour,\n\nLa commission d'attribution des places aura lieu dans trois semaines. "
        "Peut-on trier la liste d'attente selon nos critères (fratrie, domicile sur la "
        "commune, date de demande) ?\n\nNicolas Girard",
        "information",
        "normal",
        "acknowledged",
        3,
        (GPE,),
        ("Inscriptions et dossiers",),
        steps=(
            reply(
                "camille",
                "Bonjour Monsieur Girard,\n\nOui : dans Inscriptions > Liste d'attente, le "
                "bouton « Critères » permet de donner des points à chaque critère. La liste "
                "se trie ensuite par score.\n\nCamille",
            ),
            says(
                "Merci. Peut-on aussi exporter cette liste triée pour les élus, sans les "
                "noms des familles ?",
            ),
        ),
    ),
    Script(
        THOMAS,
        SERRE,
        "Statistiques de fréquentation par commune de résidence",
        "Bonjour,\n\nPour le bilan annuel, les élus voudraient le nombre d'heures de garde "
        "par commune de résidence des familles. Ce tableau n'existe pas dans les "
        "statistiques. Serait-il possible de l'ajouter ?\n\nThomas Lambert",
        "feature",
        "normal",
        "assigned",
        11,
        (GPE,),
        ("Statistiques CAF",),
        steps=(
            note(
                "ines",
                "Faisable avec l'export personnalisé en attendant : regrouper par code postal. "
                "Je prépare un exemple pour le client.",
            ),
            assign("ines", "ines"),
        ),
    ),
    Script(
        ISABELLE,
        RURALES,
        "Lenteurs importantes le lundi matin",
        "Bonjour,\n\nChaque lundi entre 8 h et 10 h, le logiciel est très lent : plus de "
        "20 secondes pour ouvrir une fiche enfant. Le reste de la semaine, tout va bien.\n\n"
        "Isabelle Moreau",
        "help",
        "normal",
        "it-working",
        8,
        (EJ,),
        (),
        steps=(
            requalify(
                "lucas",
                type="problem",
                priority="high",
                custom_fields={
                    "reproducibility": "always",
                    "impact": "several",
                    "steps-to-reproduce": "Le lundi entre 8 h et 10 h, ouvrir une fiche enfant",
                },
            ),
            assign("lucas", "lucas"),
            note(
                "lucas",
                "Le calcul des plannings de la semaine tourne à 8 h sur leur instance et "
                "bloque la base. Je le déplace à 5 h et je surveille lundi prochain.",
            ),
            status("lucas", "it-working"),
        ),
    ),
    Script(
        KARIM,
        RURALES,
        "Changement d'IBAN d'une famille en cours de mois",
        "Bonjour,\n\nUne famille a changé de banque. Si je modifie l'IBAN maintenant, le "
        "prélèvement de ce mois-ci partira-t-il sur le nouveau compte ?\n\nKarim Benali",
        "help",
        "normal",
        "closed",
        33,
        (EJ,),
        ("Prélèvements SEPA",),
        steps=(
            reply(
                "camille",
                "Bonjour Monsieur Benali,\n\nOui, tant que le fichier du mois n'est pas "
                "généré. Il faut aussi faire signer un nouveau mandat à la famille : le "
                "logiciel le propose à l'enregistrement du nouvel IBAN.\n\nCamille",
            ),
            says("Très clair, merci."),
            close("camille"),
        ),
        channel="email",
    ),
    Script(
        NATHALIE,
        SERRE,
        "Formation des nouvelles directrices au module facturation",
        "Bonjour,\n\nNous aimerions organiser une formation à distance sur la facturation "
        "pour trois nouvelles directrices. Quelles sont vos disponibilités ?\n\n"
        "Nathalie Chevalier",
        "other",
        "low",
        "closed",
        50,
        (GPE,),
        ("Facturation",),
        steps=(
            reply(
                "helene",
                "Bonjour Madame Chevalier,\n\nNous pouvons proposer deux demi-journées la "
                "semaine prochaine, le mardi ou le jeudi matin. Laquelle vous convient ?\n\n"
                "Hélène Garnier",
            ),
            says("Le jeudi matin nous convient très bien."),
            close("helene"),
        ),
    ),
)
