"""Defaults that follow the seeds, so a bare ``migrate`` gives working SLAs and automations.

- a Monday-Friday 9:00-18:00 Europe/Paris calendar with French public holidays;
- one policy on that calendar with response and resolution targets per priority
  (seed 002), feature requests having no resolution target (they are planned,
  not fixed);
- the automations of seeds 003 and 004: waiting on the customer for 5 business
  days -> resolved (the requester's mail says so and how to reopen); resolved for 3
  business days -> closed; and, off by default, resolved -> closed on the last
  day of the month. The requester is mailed by the status change itself.

Only rows that do not exist yet are created (matched by name), so admins'
edits survive.
"""

from datetime import time

from django.db import migrations

CALENDAR = "Office hours (France)"
POLICY = "Standard"

# priority slug: (response, resolution) in business minutes (9-hour days)
TARGETS = {
    "urgent": (60, 4 * 60),
    "high": (4 * 60, 2 * 9 * 60),
    "normal": (9 * 60, 5 * 9 * 60),
    "low": (2 * 9 * 60, 10 * 9 * 60),
}
NO_RESOLUTION_TYPES = ["feature"]

RULES = [
    {
        "name": "Resolve tickets waiting on the customer for 5 business days",
        "active": True,
        "order": 10,
        "category": "pending_customer",
        "delay_amount": 5,
        "run_on": "any_day",
        "status_category": "resolved",
    },
    {
        "name": "Close tickets resolved for 3 business days",
        "active": True,
        "order": 20,
        "category": "resolved",
        "delay_amount": 3,
        "run_on": "any_day",
        "status_category": "closed",
    },
    {
        "name": "Close resolved tickets on the last day of the month",
        "active": False,
        "order": 30,
        "category": "resolved",
        "delay_amount": 0,
        "run_on": "last_day_of_month",
        "status_category": "closed",
    },
]


def _status(Status, category):
    statuses = Status.objects.filter(category=category, active=True).order_by(
        "-is_default", "order", "pk"
    )
    return statuses.first()


def install(apps, schema_editor):
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    OpeningHours = apps.get_model("sla", "OpeningHours")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    SlaSettings = apps.get_model("sla", "SlaSettings")
    AutomationRule = apps.get_model("sla", "AutomationRule")
    AutomationAction = apps.get_model("sla", "AutomationAction")
    Priority = apps.get_model("tickets", "Priority")
    TicketType = apps.get_model("tickets", "TicketType")
    Status = apps.get_model("tickets", "Status")

    calendar, created = BusinessCalendar.objects.get_or_create(
        name=CALENDAR,
        defaults={
            "time_zone": "Europe/Paris",
            "holiday_country": "FR",
            "is_default": not BusinessCalendar.objects.filter(is_default=True).exists(),
        },
    )
    if created:
        OpeningHours.objects.bulk_create(
            OpeningHours(calendar=calendar, weekday=day, start=time(9), end=time(18))
            for day in range(5)
        )

    policy, created = SlaPolicy.objects.get_or_create(
        name=POLICY, defaults={"calendar": calendar, "order": 100}
    )
    if created:
        for slug, (response, resolution) in TARGETS.items():
            priority = Priority.objects.filter(slug=slug).first()
            if priority is None:
                continue
            SlaTarget.objects.create(
                policy=policy,
                priority=priority,
                response_minutes=response,
                resolution_minutes=resolution,
            )
            for ticket_type in TicketType.objects.filter(slug__in=NO_RESOLUTION_TYPES):
                SlaTarget.objects.create(
                    policy=policy,
                    priority=priority,
                    ticket_type=ticket_type,
                    response_minutes=response,
                    resolution_minutes=None,
                )
    SlaSettings.objects.get_or_create(pk=1)

    for spec in RULES:
        status = _status(Status, spec["status_category"])
        if status is None:
            continue
        rule, created = AutomationRule.objects.get_or_create(
            name=spec["name"],
            defaults={
                "active": spec["active"],
                "order": spec["order"],
                "trigger": "time",
                "category": spec["category"],
                "delay_amount": spec["delay_amount"],
                "delay_unit": "days",
                "clock": "business",
                "since": "status",
                "run_on": spec["run_on"],
            },
        )
        if created:
            # The status change mails the requester as any change does; the
            # mail app's "resolved" mail says how to reopen.
            AutomationAction.objects.create(rule=rule, order=10, kind="set_status", status=status)


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial"), ("tickets", "0002_defaults")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
