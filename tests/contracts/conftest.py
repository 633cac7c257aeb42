from datetime import date

import pytest
import time_machine

from comptoir.accounts.models import Membership
from comptoir.contracts import services
from tests.factories import CustomerFactory, OrganisationFactory, make_ticket


@pytest.fixture
def frozen():
    """Mid-March 2026, noon in Paris."""
    with time_machine.travel("2026-03-15 11:00:00+00:00", tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(db):
    return OrganisationFactory(name="Crèche Les Lucioles")


@pytest.fixture
def manager(org):
    person = CustomerFactory(email="manager@lucioles.test", first_name="Marie", organisation=org)
    Membership.objects.filter(user=person, organisation=org).update(is_manager=True)
    return person


@pytest.fixture
def member(org):
    """In the organisation, without the manager's right."""
    return CustomerFactory(email="member@lucioles.test", organisation=org)


@pytest.fixture
def contract(org, frozen):
    """2 h a month since January 2026."""
    return services.contract_create(organisation_id=org.pk, start=date(2026, 1, 1), minutes=120)


@pytest.fixture
def org_ticket(manager, frozen):
    return make_ticket(manager, subject="Invoices are wrong", language="en")
