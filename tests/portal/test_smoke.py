import pytest
from django.urls import reverse

from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_pages_render(client, customer):
    ticket = make_ticket(customer)
    client.force_login(customer)
    for url in [
        reverse("portal:home"),
        reverse("portal:tickets"),
        reverse("portal:ticket_new"),
        reverse("portal:ticket", args=[ticket.number]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
