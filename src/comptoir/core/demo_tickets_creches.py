"""Scripted demo conversations of the nurseries' other staff (see ``demo_tickets``)."""

from __future__ import annotations

from .demo_tickets import (
    GPE,
    MOBILE,
    PORTAL,
    Script,
    close,
    note,
    reply,
    says,
    status,
)

SOPHIE = "sophie.lefebvre@exemple.fr"
AMANDINE = "amandine.faure@exemple.fr"
ELODIE = "elodie.perrin@exemple.fr"
MATHIEU = "mathieu.garnier@exemple.fr"
LOUPS = "Crèche Les Petits Loups"
LUCIOLES = "Multi-accueil Les Lucioles"
ECUREUILS = "Crèche bilingue Les Écureuils"
ACCOUNTS = "Comptes et droits utilisateurs"
EDITIONS = "Éditions et modèles de documents"

SCRIPTS: tuple[Script, ...] = (
    Script(
        SOPHIE,
        LOUPS,
        "Lien de réinitialisation du mot de passe expiré",
        "Bonjour,\n\nJ'ai demandé un nouveau mot de passe hier soir mais le lien reçu ce "
        "matin indique qu'il a expiré. Je ne peux plus me connecter au logiciel.\n\n"
        "Sophie Lefebvre\nDirectrice, Crèche Les Petits Loups",
        "help",
        "high",
        "closed",
        22,
        (GPE,),
        (ACCOUNTS,),
        steps=(
            reply(
                "camille",
                "Bonjour Madame Lefebvre,\n\nLes liens sont valables 3 heures. Je vous en ai "
                "envoyé un nouveau à l'instant ; pensez à l'ouvrir dans la foulée.\n\nCamille",
            ),
            says("C'est bon, j'ai pu changer mon mot de passe. Merci pour la rapidité."),
            close("camille"),
        ),
        channel="email",
    ),
    Script(
        AMANDINE,
        LUCIOLES,
        "Le planning hebdomadaire n'imprime qu'une page",
        "Bonjour,\n\nQuand j'imprime le planning de la semaine des « Moyens-Grands », seule la "
        "première page sort (les enfants de A à L). L'aperçu affiche pourtant bien deux "
        "pages.\n\nAmandine Faure, auxiliaire de puériculture",
        "bug",
        "normal",
        "acknowledged",
        2,
        (GPE,),
        (EDITIONS, "Pointage des présences"),
        {
            "reproducibility": "sometimes",
            "impact": "one",
            "steps-to-reproduce": "Présences > Planning semaine > section Moyens-Grands > Imprimer",
        },
        (
            status("camille", "acknowledged"),
            note(
                "camille",
                "Se produit avec Firefox seulement, l'export PDF donne les deux pages. "
                "À vérifier avec la dernière version du module d'impression.",
            ),
        ),
    ),
    Script(
        ELODIE,
        ECUREUILS,
        "Synchronisation de la tablette de pointage bloquée",
        "Bonjour,\n\nLa tablette de la section des bébés affiche « Synchronisation en "
        "cours » depuis ce matin et les arrivées ne remontent pas dans le logiciel.\n\n"
        "Élodie Perrin",
        "bug",
        "high",
        "acknowledged",
        1,
        (MOBILE,),
        ("Synchronisation tablette",),
        {
            "reproducibility": "random",
            "impact": "one",
            "steps-to-reproduce": "Ouvrir l'application > Pointer une arrivée > la roue tourne",
        },
        (status("camille", "acknowledged"),),
    ),
    Script(
        MATHIEU,
        ECUREUILS,
        "Invoices show the wrong opening hours",
        "Hello,\n\nOur invoices still show the old opening hours (7:30 to 18:30) in the "
        "footer, while the nursery now opens at 7:45. Where can we change this text?\n\n"
        "Thanks,\nMathieu Garnier",
        "bug",
        "normal",
        "waiting",
        5,
        (GPE,),
        ("Facturation", EDITIONS),
        {"reproducibility": "always", "impact": "cosmetic"},
        (
            reply(
                "camille",
                "Hello Mathieu,\n\nThe footer comes from the structure's settings: Settings > "
                "Structure > Opening hours. Once changed, the next invoices will use the new "
                "hours; invoices already issued keep the old text.\n\nCould you check and let "
                "me know if the footer is right now?\n\nBest regards,\nCamille",
            ),
        ),
        language="en",
    ),
    Script(
        MATHIEU,
        ECUREUILS,
        "Feature request: English version of the parents' portal",
        "Hello,\n\nAbout a third of our families do not read French. Would it be possible "
        "to offer the parents' portal in English?\n\nMathieu Garnier",
        "feature",
        "low",
        "closed",
        45,
        (PORTAL,),
        ("Communication aux familles",),
        steps=(
            reply(
                "ines",
                "Hello Mathieu,\n\nGood news: an English version of the portal is planned and "
                "families will be able to choose their language in their profile. We will "
                "let you know when it is available.\n\nBest regards,\nInès",
            ),
            close(),
        ),
        language="en",
    ),
    Script(
        SOPHIE,
        LOUPS,
        "Modèle de courrier de relance des impayés",
        "Bonjour,\n\nExiste-t-il un modèle de courrier de relance pour les factures impayées, "
        "avec le montant restant dû ?\n\nSophie Lefebvre",
        "help",
        "low",
        "resolved",
        25,
        (GPE,),
        (EDITIONS, "Facturation"),
        steps=(
            reply(
                "camille",
                "Bonjour Madame Lefebvre,\n\nOui, le modèle « Relance impayé » se trouve dans "
                "Facturation > Impayés > Courriers. Le montant restant dû et la date "
                "d'échéance sont repris automatiquement. Vous pouvez adapter le texte dans "
                "Paramètres > Éditions.\n\nCamille",
            ),
            status("camille", "resolved"),
        ),
    ),
    Script(
        ELODIE,
        ECUREUILS,
        "Export comptable vers le logiciel de la trésorerie",
        "Bonjour,\n\nNotre comptable voudrait importer les écritures de facturation dans son "
        "logiciel plutôt que de les ressaisir. Quels formats d'export proposez-vous ?\n\n"
        "Élodie Perrin",
        "information",
        "normal",
        "waiting",
        6,
        (GPE,),
        ("Facturation",),
        steps=(
            reply(
                "helene",
                "Bonjour Madame Perrin,\n\nL'export comptable (Facturation > Exports > "
                "Écritures) produit un fichier CSV ou un fichier au format FEC. Quel logiciel "
                "utilise votre comptable ? Je pourrai vous indiquer le paramétrage des "
                "comptes le plus adapté.\n\nHélène Garnier",
            ),
        ),
    ),
    Script(
        AMANDINE,
        LUCIOLES,
        "Ajouter le lundi de Pentecôte comme jour de fermeture",
        "Bonjour,\n\nLa structure sera fermée le lundi de Pentecôte. Comment éviter que ce "
        "jour soit facturé aux familles ?\n\nAmandine Faure",
        "help",
        "low",
        "resolved",
        12,
        (GPE,),
        ("Paramétrage",),
        steps=(
            reply(
                "camille",
                "Bonjour Amandine,\n\nAjoutez-le dans Paramètres > Calendrier > Fermetures. "
                "Les jours de fermeture ne sont ni pointés ni facturés.\n\nCamille",
            ),
            status("camille", "resolved"),
        ),
    ),
    Script(
        MATHIEU,
        ECUREUILS,
        "Password reset email never arrives",
        "Hello,\n\nI asked twice for a new password but the email never arrives, and it is "
        "not in my spam folder either.\n\nMathieu Garnier",
        "help",
        "normal",
        "new",
        0.3,
        (GPE,),
        (ACCOUNTS,),
        steps=(
            note(
                "camille",
                "Their mail server greylists our messages; both mails are still queued.",
            ),
        ),
        language="en",
    ),
)
