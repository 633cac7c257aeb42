"""Sentence pools for the generated (benchmark) data, in French and English.

Messages are assembled from these sentences so that search and display are
measured on text that looks like real support conversations: varied words,
accents, numbers, module names. One sentence per line; ``{module}``, ``{n}``
and ``{day}`` are filled in when a message is built.
"""

from __future__ import annotations


def _lines(block: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in block.strip().splitlines() if line.strip())


CUSTOMER_FR = _lines("""
Depuis la dernière mise à jour, l'écran {module} met très longtemps à s'afficher.
Nous avons un message d'erreur quand nous validons la saisie.
Le problème concerne {n} familles pour l'instant.
J'ai essayé avec un autre navigateur et le résultat est le même.
Ma collègue a le même souci sur son poste.
Le bouton d'export ne fait rien quand je clique dessus.
Les montants affichés ne correspondent pas à ceux du mois précédent.
Pouvez-vous nous dire si c'est un problème connu ?
Nous devons envoyer les factures aux familles avant {day}.
Je vous joins une capture d'écran du message affiché.
Le pointage de ce matin n'apparaît pas dans le planning.
La tablette de la section des bébés ne se synchronise plus depuis hier.
Certaines familles ne reçoivent pas l'e-mail de confirmation de réservation.
Je ne trouve pas où modifier le modèle de courrier dans {module}.
Est-il possible d'ajouter un nouveau motif d'absence ?
Nous avons changé de banque et le fichier de prélèvement a été refusé.
Le tarif horaire calculé ne tient pas compte du quotient familial.
Un enfant apparaît deux fois dans la liste des inscrits.
Nous aimerions savoir comment paramétrer les jours de fermeture.
Le logiciel se déconnecte toutes les dix minutes environ.
Je n'arrive pas à imprimer les attestations fiscales de l'an dernier.
La déclaration à la CAF doit être faite avant la fin du mois.
Les heures complémentaires sont comptées deux fois sur certaines factures.
Pourriez-vous nous rappeler au sujet de la formation prévue ?
Une nouvelle directrice arrive lundi et n'a pas encore d'accès.
Le portail familles affiche une page blanche après la connexion.
Nous avons {n} structures concernées sur le territoire.
Les statistiques du mois ne correspondent pas à nos propres relevés.
Je ne vois plus l'onglet {module} depuis ce matin.
L'envoi groupé des factures s'arrête au milieu de la liste.
Merci de nous indiquer la marche à suivre.
C'est assez urgent car la commission se réunit {day}.
J'ai bien suivi la procédure décrite dans la notice, sans succès.
Le problème ne se produit qu'avec certains contrats.
Nous n'avons rien changé au paramétrage depuis plusieurs mois.
Le fichier exporté ne s'ouvre pas correctement dans le tableur.
Les accents sont remplacés par des caractères bizarres dans l'export.
Est-ce que la modification s'appliquera aussi aux factures déjà émises ?
Je reste disponible par téléphone si besoin.
Votre réponse précédente a réglé le problème pour la plupart des familles.
Il reste toutefois un cas que je ne comprends pas.
Pouvez-vous vérifier de votre côté avant la prochaine facturation ?
""")

AGENT_FR = _lines("""
Merci pour votre message et pour les détails fournis.
J'ai pu reproduire le problème sur notre environnement de test.
Il s'agit d'un comportement connu, corrigé dans la prochaine version.
En attendant, vous pouvez contourner le problème en passant par le menu {module}.
Pouvez-vous m'indiquer la date et l'heure approximatives de l'erreur ?
Pourriez-vous nous envoyer une capture d'écran du message affiché ?
Le paramétrage se trouve dans Paramètres, rubrique {module}.
J'ai corrigé les {n} fiches concernées directement dans votre base.
Les factures déjà émises ne sont pas modifiées, seules les prochaines le seront.
Pensez à vider le cache de votre navigateur avant de réessayer.
La tablette doit être connectée au réseau Wi-Fi de la structure pour se synchroniser.
Le fichier de prélèvement respecte désormais le format demandé par votre banque.
Vous trouverez la notice correspondante dans la base de connaissances.
Je vous propose un rendez-vous téléphonique {day} pour regarder cela ensemble.
Le correctif a été déployé ce matin sur votre instance.
Pouvez-vous confirmer que tout fonctionne de votre côté ?
Sans retour de votre part, nous considérerons la demande comme résolue.
J'ai transmis votre suggestion à l'équipe produit.
Cette évolution est prévue dans une prochaine version du logiciel.
Le problème venait d'un mandat SEPA saisi avec un BIC incomplet.
L'export utilise l'encodage UTF-8 ; choisissez-le à l'ouverture dans le tableur.
Il faut créer un avenant au contrat plutôt que de modifier le contrat en cours.
Les jours de fermeture se déclarent dans le calendrier de la structure.
Le nouvel utilisateur recevra un e-mail pour choisir son mot de passe.
Je vous ai envoyé un nouveau lien de connexion.
Les statistiques sont recalculées chaque nuit à partir des pointages validés.
Vérifiez que la période choisie correspond bien à celle de la déclaration.
Le tarif appliqué dépend de la grille en vigueur à la date du pointage.
Nous avons relancé le calcul pour le mois en cours.
Votre demande nécessite l'intervention de notre équipe technique.
Je reviens vers vous dès que j'ai plus d'informations.
Le délai habituel de traitement pour ce type de demande est de {n} jours ouvrés.
N'hésitez pas à répondre à ce message si le problème se reproduit.
La modification sera visible après la prochaine synchronisation.
Vous pouvez aussi rouvrir ce ticket en y répondant à tout moment.
Je me permets de vous relancer au sujet de notre précédent message.
Le module {module} a été mis à jour pour tenir compte de votre remarque.
Nous avons ajouté une vérification pour éviter que cela se reproduise.
""")

NOTE_FR = _lines("""
Reproduit sur la base de test, à transmettre à l'équipe technique.
Client déjà relancé par téléphone, pas de réponse pour l'instant.
Même cause que le ticket de la semaine dernière sur une autre structure.
Voir avec la comptabilité avant de répondre au client.
Le correctif est dans la branche de maintenance, déploiement prévu {day}.
Attention : la structure a un paramétrage spécifique du module {module}.
J'ai vérifié les journaux du serveur, rien d'anormal de notre côté.
Probablement une donnée mal importée lors de la reprise initiale.
À facturer sur le contrat d'assistance, environ {n} heures.
Client sensible, répondre avec soin et rapidement.
Demande déjà faite par d'autres clients, ajoutée à la feuille de route.
Le problème vient du navigateur du poste, pas du logiciel.
Je prends la suite, Camille est en congé jusqu'à {day}.
Le fichier envoyé par le client contient {n} lignes en erreur.
""")

CUSTOMER_EN = _lines("""
Since the last update, the {module} screen takes a very long time to load.
We get an error message when we save the form.
The problem affects {n} families so far.
I tried another browser and the result is the same.
My colleague has the same issue on her computer.
The export button does nothing when I click it.
The amounts shown do not match those of the previous month.
Could you tell us whether this is a known issue?
We need to send the invoices to the families before {day}.
I attached a screenshot of the message.
This morning's check-ins do not show in the schedule.
The tablet in the baby room has not synchronised since yesterday.
Some families do not receive the booking confirmation email.
I cannot find where to change the letter template in {module}.
Is it possible to add a new absence reason?
Our bank rejected the direct debit file.
Some children appear twice in the list of enrolled children.
The parents' portal shows a blank page after logging in.
Please let us know what we should do.
It is rather urgent because the committee meets on {day}.
I followed the steps described in the guide, without success.
We have not changed any settings for several months.
Will the change also apply to invoices already issued?
I am available by phone if needed.
The statistics for the month do not match our own figures.
A new manager starts on {day} and still has no access.
The exported file does not open correctly in our spreadsheet.
Accents are replaced by strange characters in the export.
Your previous answer fixed the problem for most families.
There is still one case that I do not understand.
Could you check on your side before the next invoicing run?
The software logs us out every ten minutes or so.
""")

AGENT_EN = _lines("""
Thank you for your message and for the details.
I could reproduce the problem on our test environment.
This is a known issue, fixed in the next release.
In the meantime, you can work around it from the {module} menu.
Could you tell me roughly when the error happened?
Could you send us a screenshot of the message?
The setting is under Settings, in the {module} section.
I fixed the {n} records concerned directly in your database.
Invoices already issued are not changed, only the next ones will be.
Please clear your browser cache before trying again.
The fix was deployed on your instance this morning.
Could you confirm that everything works on your side?
Without news from you, we will consider this request resolved.
I passed your suggestion on to the product team.
Your request needs our technical team; I will keep you posted.
The usual delay for this kind of request is {n} working days.
Feel free to reply to this message if the problem comes back.
You can reopen this ticket by replying to it at any time.
The tablet needs the nursery's Wi-Fi network to synchronise.
The direct debit file now follows the format your bank expects.
You will find the matching guide in the knowledge base.
I suggest a phone call on {day} to look at it together.
The problem came from a mandate saved with an incomplete BIC.
The export is encoded in UTF-8; choose it when opening the file in the spreadsheet.
Invoicing uses the price list in force on the day of the check-in.
We ran the calculation again for the current month.
""")

NOTE_EN = _lines("""
Reproduced on the test database, passing it to the technical team.
Same cause as last week's ticket from another customer.
Fix is on the maintenance branch, deployment planned for {day}.
Checked the server logs, nothing unusual on our side.
Customer called twice about this, please answer quickly.
About {n} hours to bill on the support contract.
Probably a record imported badly during the initial migration.
Their browser is the culprit, not the software.
Careful: this customer has specific settings in the {module} module.
Already requested by other customers, added to the roadmap.
The file sent by the customer has {n} lines in error.
I am taking over, Camille is on leave until {day}.
Check with accounting before answering the customer.
""")

GREETINGS = {
    ("fr", "customer"): ("Bonjour,", "Bonjour à toute l'équipe,", "Bonjour Madame, Monsieur,"),
    ("fr", "agent"): ("Bonjour {first},", "Bonjour,", "Bonjour {first}, merci pour votre retour."),
    ("en", "customer"): ("Hello,", "Hi,", "Good morning,"),
    ("en", "agent"): ("Hello {first},", "Hi {first},", "Good afternoon,"),
}

CLOSINGS = {
    ("fr", "customer"): (
        "Cordialement,",
        "Bien cordialement,",
        "Merci d'avance,",
        "Bonne journée,",
    ),
    ("fr", "agent"): ("Bien à vous,", "Cordialement,", "Belle journée,"),
    ("en", "customer"): ("Best regards,", "Thanks in advance,", "Kind regards,"),
    ("en", "agent"): ("Best regards,", "Kind regards,"),
}

SIGNATURE_AGENT = {"fr": "{first}, équipe support", "en": "{first}, support team"}

DAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "la fin de la semaine"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the end of the week"),
}

SUBJECTS_FR = _lines("""
Erreur lors de l'export de la facturation
Montant de facture incorrect
Tablette de pointage non synchronisée
Fichier de prélèvement SEPA rejeté par la banque
Impossible de modifier un contrat d'accueil
Ajout d'un motif d'absence
Accès au portail familles
Statistiques CAF incomplètes
Doublons dans la liste des inscrits
Création d'un compte utilisateur
Paramétrage des jours de fermeture
Modèle d'attestation fiscale
Lenteurs à l'ouverture des fiches enfants
Page blanche sur le portail familles
Réservations de cantine invisibles
Demande de formation
Envoi groupé des factures par e-mail
Changement de grille tarifaire
Question sur la liste d'attente
Demande d'évolution du planning
""")

SUBJECTS_EN = _lines("""
Error when exporting invoices
Wrong invoice amount
Check-in tablet not synchronising
Direct debit file rejected by the bank
Cannot change a childcare contract
Parents' portal access
Duplicate children in the enrolment list
New user account
Slow loading of child records
Training request
""")

SUBJECT_TAILS = {
    "fr": (
        "",
        "",
        "",
        " (urgent)",
        " depuis la mise à jour",
        " pour le mois en cours",
        " - relance",
    ),
    "en": ("", "", "", " (urgent)", " since the update", " - follow-up"),
}

POOLS = {
    ("fr", "customer"): CUSTOMER_FR,
    ("fr", "agent"): AGENT_FR,
    ("fr", "note"): NOTE_FR,
    ("en", "customer"): CUSTOMER_EN,
    ("en", "agent"): AGENT_EN,
    ("en", "note"): NOTE_EN,
}

FIRST_NAMES = _lines(
    """
Claire Julien Sophie Nicolas Amandine Karim Isabelle Thomas Nathalie Mathieu Élodie Fatou
Camille Lucas Inès Hélène Léa Hugo Manon Louis Chloé Gabriel Emma Arthur Sarah Raphaël Julie
Antoine Céline Maxime Laura Romain Aurélie Kévin Pauline Yasmine Mehdi Marie Pierre Anne
Jean Émilie Sébastien Audrey Guillaume Laetitia Olivier Sandrine Vincent Nadia Samir Agathe
""".replace(" ", "\n")
)

LAST_NAMES = _lines(
    """
Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre
Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre Mercier Dupont
Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin Muller Henry
Roussel Nicolas Perrin Morin Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier Robin
Benali Diallo Nguyen Haddad Traoré Marchand Lemoine Barbier Meunier Brun Schmitt Colin
""".replace(" ", "\n")
)

ORG_KINDS = _lines("""
Crèche municipale de
Multi-accueil de
Mairie de
Centre social de
Accueil de loisirs de
Association Familles Rurales de
Relais petite enfance de
Communauté de communes de
Micro-crèche de
Centre communal d'action sociale de
""")

PLACES = _lines(
    """
Saint-Aubin Villeneuve Montreuil Beaumont Châteauneuf Fontaine Bellevue Saint-Martin
Neuville Rochefort Montfort Clairvaux Saint-Julien Valence Mirebeau Champagnac Lussac
Vernon Sainte-Marie Bourg-Neuf Pontivy Quimperlé Ambert Riom Brioude Cluny Tournus
Charolles Loches Amboise Chinon Saumur Cholet Vitré Fougères Lamballe Dinan Redon
Ancenis Clisson Pornic Luçon Niort Melle Confolens Nontron Sarlat Figeac Millau Lodève
""".replace(" ", "\n")
)

PLACE_SUFFIXES = (
    "",
    "-sur-Loire",
    "-en-Vexin",
    "-les-Bains",
    "-le-Vieux",
    "-sur-Mer",
    "-la-Forêt",
    "-du-Lac",
    "-en-Bresse",
    "-sur-Seine",
)
