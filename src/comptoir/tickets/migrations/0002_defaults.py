"""Defaults that follow the seeds, so a bare ``migrate`` gives a working helpdesk.

Admins edit or deactivate them afterwards; this migration only creates rows
that do not exist yet (matched by their code).
"""

from django.db import migrations

STATUSES = [
    # slug, category, colour, en, fr, es, default, when_assigned
    ("new", "new", "#d63384", "New", "Nouveau", "Nuevo", True, False),
    ("acknowledged", "open", "#e67e22", "Acknowledged", "En analyse", "En análisis", True, False),
    ("assigned", "open", "#2f6fdf", "Assigned", "Affecté", "Asignado", False, True),
    (
        "waiting",
        "pending_customer",
        "#8e44ad",
        "Waiting for your response",
        "En attente de votre réponse",
        "Esperando su respuesta",
        True,
        False,
    ),
    (
        "it-working",
        "pending_internal",
        "#0f8a8a",
        "IT working",
        "Intervention technique en cours",
        "Equipo técnico trabajando",
        True,
        False,
    ),
    ("resolved", "resolved", "#1e8a4c", "Resolved", "Résolu", "Resuelto", True, False),
    ("closed", "closed", "#6c757d", "Closed", "Fermé", "Cerrado", True, False),
]

TYPES = [
    ("help", "Help", "Aide", "Ayuda"),
    ("bug", "Bug", "Bug", "Error de software"),
    ("feature", "Feature request", "Évolution", "Mejora"),
    ("other", "Other", "Autre", "Otro"),
    ("information", "Information request", "Demande d'information", "Solicitud de información"),
    ("problem", "Problem", "Problème", "Problema"),
    ("system-error", "System error", "Erreur système", "Error del sistema"),
]

PRIORITIES = [
    ("low", "#6c757d", "Low", "Faible", "Baja", False),
    ("normal", "#2f6fdf", "Normal", "Normale", "Normal", True),
    ("high", "#e67e22", "High", "Haute", "Alta", False),
    ("urgent", "#c0392b", "Urgent", "Urgente", "Urgente", False),
]

DEFECT_TYPES = ["bug", "problem", "system-error"]

CUSTOM_FIELDS = [
    {
        "key": "reproducibility",
        "field_type": "choice",
        "label_en": "Reproducibility",
        "label_fr": "Reproductibilité",
        "label_es": "Reproducibilidad",
        "help_en": "Does the problem happen every time, sometimes, or once?",
        "help_fr": "L'anomalie est-elle récurrente, ponctuelle… ?",
        "help_es": "¿El problema ocurre siempre, a veces o una sola vez?",
        "choices": [
            {"value": "always", "en": "Always", "fr": "Toujours", "es": "Siempre"},
            {"value": "sometimes", "en": "Sometimes", "fr": "Parfois", "es": "A veces"},
            {"value": "random", "en": "Random", "fr": "Aléatoire", "es": "Aleatorio"},
            {"value": "once", "en": "Happened once", "fr": "Une seule fois", "es": "Una sola vez"},
            {"value": "not-tried", "en": "Not tried", "fr": "Non essayé", "es": "No probado"},
        ],
        "types": DEFECT_TYPES,
        "order": 10,
    },
    {
        "key": "impact",
        "field_type": "choice",
        "label_en": "Impact",
        "label_fr": "Impact",
        "label_es": "Impacto",
        "help_en": "Who or what is affected?",
        "help_fr": "Indiquez les répercussions : un ou plusieurs utilisateurs, l'esthétique…",
        "help_es": "¿A quién o qué afecta?",
        "choices": [
            {
                "value": "blocking",
                "en": "Blocks all users",
                "fr": "Bloque tous les utilisateurs",
                "es": "Bloquea a todos los usuarios",
            },
            {
                "value": "several",
                "en": "Several users",
                "fr": "Plusieurs utilisateurs",
                "es": "Varios usuarios",
            },
            {"value": "one", "en": "One user", "fr": "Un utilisateur", "es": "Un usuario"},
            {"value": "cosmetic", "en": "Cosmetic", "fr": "Esthétique", "es": "Estético"},
        ],
        "types": DEFECT_TYPES,
        "order": 20,
    },
    {
        "key": "steps-to-reproduce",
        "field_type": "long_text",
        "label_en": "Steps to reproduce",
        "label_fr": "Étapes pour reproduire",
        "label_es": "Pasos para reproducir",
        "help_en": "The steps that lead to the problem.",
        "help_fr": "Les étapes effectuées qui conduisent à l'anomalie constatée.",
        "help_es": "Los pasos que llevan al problema.",
        "choices": [],
        "types": DEFECT_TYPES,
        "order": 30,
    },
    {
        "key": "additional-information",
        "field_type": "long_text",
        "label_en": "Additional information",
        "label_fr": "Informations complémentaires",
        "label_es": "Información adicional",
        "help_en": "Anything useful to follow up, such as another person to contact.",
        "help_fr": "Toute information utile au suivi, par exemple la personne à contacter si "
        "différente du créateur du ticket.",
        "help_es": "Cualquier dato útil, por ejemplo otra persona de contacto.",
        "choices": [],
        "types": [],
        "order": 40,
    },
]


def install(apps, schema_editor):
    Status = apps.get_model("tickets", "Status")
    TicketType = apps.get_model("tickets", "TicketType")
    Priority = apps.get_model("tickets", "Priority")
    CustomField = apps.get_model("tickets", "CustomField")
    TicketCounter = apps.get_model("tickets", "TicketCounter")
    HelpdeskSettings = apps.get_model("tickets", "HelpdeskSettings")

    for order, (slug, category, colour, en, fr, es, default, assigned) in enumerate(STATUSES):
        Status.objects.get_or_create(
            slug=slug,
            defaults={
                "category": category,
                "colour": colour,
                "label_en": en,
                "label_fr": fr,
                "label_es": es,
                "is_default": default,
                "when_assigned": assigned,
                "order": order * 10,
            },
        )
    for order, (slug, en, fr, es) in enumerate(TYPES):
        TicketType.objects.get_or_create(
            slug=slug,
            defaults={
                "label_en": en,
                "label_fr": fr,
                "label_es": es,
                "order": order * 10,
            },
        )
    for order, (slug, colour, en, fr, es, default) in enumerate(PRIORITIES):
        Priority.objects.get_or_create(
            slug=slug,
            defaults={
                "colour": colour,
                "label_en": en,
                "label_fr": fr,
                "label_es": es,
                "is_default": default,
                "order": order * 10,
            },
        )
    for spec in CUSTOM_FIELDS:
        spec = dict(spec)
        types = spec.pop("types")
        field, created = CustomField.objects.get_or_create(key=spec.pop("key"), defaults=spec)
        if created and types:
            field.ticket_types.set(TicketType.objects.filter(slug__in=types))
    TicketCounter.objects.get_or_create(pk=1, defaults={"value": 1000})
    HelpdeskSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
