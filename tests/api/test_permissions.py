"""The permission table of the accounts work, run through the API.

Same world (``tests.accounts.test_permission_table.build_world``): a ticket of
"Les Lutins" in group "Level 1" with a public reply and an internal note, each
with a file, and a person copied on it. Each role calls the API with its own
personal token; the expected answers are the table's, for the actions the API
offers. In every cell, no customer ever receives a word or a file of the note.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from comptoir.tickets.models import Category
from tests.accounts.test_permission_table import (
    CUSTOMERS,
    LOGIN,
    NOTE_FILE,
    NOTE_WORDS,
    PUBLIC_FILE,
    ROLES,
    TABLE,
    World,
    Y,
    build_world,
)
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

# The actions of the table the API offers (adding people to a conversation is
# not an API operation yet).
ACTIONS = (
    "see ticket",
    "see public message",
    "see internal note",
    "download attachment",
    "download note attachment",
    "reply",
    "close",
    "search hit",
    "change fields",
)


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _message_ids(client: APIClient, number: int) -> tuple[object, bytes, set[int]]:
    response = client.get(f"/api/v1/tickets/{number}/messages/")
    body = _body(response)
    ids = {m["id"] for m in response.json()["results"]} if response.status_code == 200 else set()
    return response, body, ids


def perform(client: APIClient, world: World, action: str) -> tuple[object, bytes, bool]:
    """Do ``action`` through the API; return the response, its body and whether it happened."""
    ticket = world.ticket
    number = ticket.number
    if action == "see ticket":
        response = client.get(f"/api/v1/tickets/{number}/")
        body = _body(response)
        return response, body, response.status_code == 200 and b"Rhubarb" in body
    if action in ("see public message", "see internal note"):
        message = world.public if action == "see public message" else world.note
        response, body, ids = _message_ids(client, number)
        return response, body, message.pk in ids
    if action in ("download attachment", "download note attachment"):
        file = world.public_file if action == "download attachment" else world.note_file
        response = client.get(f"/api/v1/attachments/{file.key}/download/")
        body = _body(response)
        return response, body, response.status_code == 200 and body in (PUBLIC_FILE, NOTE_FILE)
    if action == "reply":
        before = ticket.messages.count()
        response = client.post(
            f"/api/v1/tickets/{number}/reply/", {"body": "Thanks"}, format="json"
        )
        return response, _body(response), ticket.messages.count() == before + 1
    if action == "close":
        response = client.post(f"/api/v1/tickets/{number}/close/")
        ticket.refresh_from_db()
        return response, _body(response), ticket.category == Category.CLOSED
    if action == "search hit":
        searched = client.get("/api/v1/search/?q=Rhubarb")
        listed = client.get("/api/v1/tickets/?q=Rhubarb")
        body = _body(searched) + _body(listed)
        found = searched.status_code == 200 and any(
            h["reference"] == str(number) for h in searched.json()["results"]
        )
        in_list = listed.status_code == 200 and any(
            t["number"] == number for t in listed.json()["results"]
        )
        assert found == in_list, "search and the filtered list agree"
        return searched, body, found
    if action == "change fields":
        response = client.patch(f"/api/v1/tickets/{number}/", {"subject": "Renamed"}, format="json")
        ticket.refresh_from_db()
        return response, _body(response), ticket.subject == "Renamed"
    raise AssertionError(action)


CELLS = [
    pytest.param(role, action, TABLE[action][i], id=f"{role}-{action.replace(' ', '_')}")
    for action in ACTIONS
    for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("role", "action", "expected"), CELLS)
def test_api_permission_cell(role, action, expected):
    # Given the ticket, its messages and files, and a person in ``role`` with a token
    world = build_world()
    person = world.people[role]
    client = client_for(person) if person is not None else APIClient()

    # When they try the action through the API
    response, body, happened = perform(client, world, action)

    # Then the answer is the one of the table
    if expected == LOGIN:
        assert response.status_code == 401
        assert not happened
    elif expected == Y:
        assert response.status_code in (200, 201), body[:300]
        assert happened
    else:
        assert not happened
        # Refused: not found (not visible), forbidden (visible, not theirs to do),
        # or a list that simply leaves it out.
        assert response.status_code in (200, 403, 404)
    # And no customer ever gets anything of the internal note
    if role in CUSTOMERS or person is None:
        assert NOTE_WORDS.encode() not in body
        assert NOTE_FILE not in body
