"""Factories for test data; reference data (statuses, types...) comes from migrations."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from comptoir.accounts.models import Organisation, Role, SupportGroup, User
from comptoir.tickets.models import Priority, Product, Theme, TicketType

PASSWORD = "correct-horse-battery-9"


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Structure {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    role = Role.CUSTOMER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CustomerFactory(UserFactory):
    @factory.post_generation
    def organisation(obj, create, extracted, **kwargs):
        if create:
            obj.organisations.add(extracted or OrganisationFactory())


class AgentFactory(UserFactory):
    role = Role.AGENT
    email = factory.Sequence(lambda n: f"agent{n}@support.test")


class SupportGroupFactory(DjangoModelFactory):
    class Meta:
        model = SupportGroup

    name = factory.Sequence(lambda n: f"Group {n}")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Product {n}")


class ThemeFactory(DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Module {n}")


def ticket_type(slug: str = "help") -> TicketType:
    return TicketType.objects.get(slug=slug)


def priority(slug: str = "normal") -> Priority:
    return Priority.objects.get(slug=slug)


def make_ticket(
    requester: User | None = None,
    *,
    subject: str = "Export fails",
    body: str = "<p>The export button does nothing.</p>",
    **kwargs,
):
    from comptoir.tickets import services

    requester = requester or CustomerFactory()
    kwargs.setdefault("organisation", requester.organisations.first())
    return services.ticket_create(
        requester=requester,
        subject=subject,
        description_html=body,
        type=kwargs.pop("type", ticket_type()),
        priority=kwargs.pop("priority", priority()),
        **kwargs,
    )
