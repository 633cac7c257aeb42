from datetime import date

import pytest
from django.urls import reverse

from comptoir.accounts.models import User
from comptoir.contracts import services
from comptoir.contracts.models import Allowance

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("root@support.test", "x"))
    return client


def test_admin_pages_show_contracts_and_time_entries(admin_client, contract, org_ticket, agent):
    services.time_entry_create(ticket=org_ticket, agent=agent, minutes=30, day=date(2026, 3, 1))
    assert admin_client.get(reverse("admin:contracts_contract_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:contracts_contract_change", args=[contract.pk]))
    assert "5 h 30 min" in page.content.decode()
    listing = admin_client.get(reverse("admin:contracts_timeentry_changelist"), {"billable": "1"})
    assert "30 min" in listing.content.decode()


def test_a_revision_added_in_the_admin_goes_through_the_service(admin_client, contract, org):
    first = contract.allowances.get()
    data = {
        "organisation": org.pk,
        "name": "",
        "start": "2026-01-01",
        "end": "",
        "carry_over_cap": "",
        "carry_over_months": "",
        "low_threshold": "60",
        "sla_policy": "",
        "default_priority": "",
        "allowances-TOTAL_FORMS": "2",
        "allowances-INITIAL_FORMS": "1",
        "allowances-MIN_NUM_FORMS": "0",
        "allowances-MAX_NUM_FORMS": "1000",
        "allowances-0-id": first.pk,
        "allowances-0-contract": contract.pk,
        "allowances-0-effective_month": "2026-01-01",
        "allowances-0-minutes": "120",
        "allowances-1-contract": contract.pk,
        "allowances-1-effective_month": "2026-03-01",
        "allowances-1-minutes": "240",
    }
    url = reverse("admin:contracts_contract_change", args=[contract.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    revised = Allowance.objects.get(effective_month=date(2026, 3, 1))
    assert revised.minutes == 240 and revised.created_by.email == "root@support.test"
