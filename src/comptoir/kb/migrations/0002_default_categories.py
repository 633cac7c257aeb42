"""The six categories a software vendor's user manuals fall into (seed 000).

Admins rename, reorder or replace them afterwards; this only fills an empty table.
"""

from django.db import migrations

CATEGORIES = [
    (
        "getting-started",
        "🚀",
        ("Prise en main", "Getting started", "Primeros pasos"),
        (
            "Connexion, page d'accueil et premiers réglages du logiciel.",
            "Logging in, the home page and the first settings.",
            "Conexión, página de inicio y primeros ajustes.",
        ),
    ),
    (
        "settings",
        "⚙️",
        ("Paramétrage", "Settings", "Configuración"),
        (
            "Structure, utilisateurs, droits d'accès et préférences.",
            "Organisation, users, access rights and preferences.",
            "Estructura, usuarios, permisos y preferencias.",
        ),
    ),
    (
        "everyday-use",
        "📋",
        ("Utilisation au quotidien", "Everyday use", "Uso diario"),
        (
            "Dossiers, pointages, plannings et tâches courantes.",
            "Records, attendance, schedules and daily tasks.",
            "Expedientes, fichajes, planificación y tareas diarias.",
        ),
    ),
    (
        "billing",
        "🧾",
        ("Facturation et paiements", "Billing and payments", "Facturación y pagos"),
        (
            "Trains de facturation, prélèvements, avoirs et relances.",
            "Billing runs, direct debits, credit notes and reminders.",
            "Ciclos de facturación, domiciliaciones, abonos y recordatorios.",
        ),
    ),
    (
        "documents-exports",
        "🖨️",
        ("Éditions et exports", "Documents and exports", "Documentos y exportaciones"),
        (
            "Personnalisation des éditions, impressions, exports et communications.",
            "Customising documents, printing, exports and mailings.",
            "Personalización de documentos, impresión, exportaciones y envíos.",
        ),
    ),
    (
        "troubleshooting",
        "🛟",
        ("Dépannage et FAQ", "Troubleshooting and FAQ", "Solución de problemas y FAQ"),
        (
            "Messages d'erreur, questions fréquentes et bonnes pratiques avec le support.",
            "Error messages, frequent questions and working with support.",
            "Mensajes de error, preguntas frecuentes y cómo trabajar con soporte.",
        ),
    ),
]


def install(apps, schema_editor):
    KbCategory = apps.get_model("kb", "KbCategory")
    if KbCategory.objects.exists():
        return
    for order, (slug, icon, labels, descriptions) in enumerate(CATEGORIES, start=1):
        KbCategory.objects.create(
            slug=slug,
            icon=icon,
            order=order * 10,
            label_fr=labels[0],
            label_en=labels[1],
            label_es=labels[2],
            description_fr=descriptions[0],
            description_en=descriptions[1],
            description_es=descriptions[2],
        )


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
