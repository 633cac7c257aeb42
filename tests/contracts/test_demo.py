import pytest

from comptoir.contracts.balance import contract_balance
from comptoir.contracts.demo import ORGANISATION, seed_contracts
from comptoir.contracts.models import Contract, TimeEntry
from tests.factories import AgentFactory, CustomerFactory, OrganisationFactory, make_ticket

pytestmark = pytest.mark.django_db


def test_demo_contract_with_entries_is_seeded_once(frozen):
    organisation = OrganisationFactory(name=ORGANISATION)
    customer = CustomerFactory(organisation=organisation)
    make_ticket(customer, subject="Facturation")
    make_ticket(customer, subject="Prélèvements")
    people = {"camille": AgentFactory()}
    assert seed_contracts(people) == 5
    assert seed_contracts(people) == 0
    contract = Contract.objects.get()
    assert contract.allowances.count() == 2
    assert TimeEntry.objects.count() == 5
    # December and January at 2 h, February and March at 3 h, minus 45 + 90 + 60 + 25.
    assert contract_balance(contract) == 2 * 120 + 2 * 180 - 220
