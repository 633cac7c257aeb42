"""The script an application includes to show a "Support" link."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

EMBED = reverse("integrations:embed_js")


def test_the_script_is_served_as_cacheable_javascript(client):
    response = client.get(EMBED)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert "public" in response["Cache-Control"]
    assert "max-age=3600" in response["Cache-Control"]
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    body = response.content.decode()
    assert 'rel = "noopener"' in body
    assert '"en": "Support"' in body
    assert "document.currentScript" in body
    # Nothing but our own code: no outside address is loaded.
    assert "http://" not in body.replace('"http:"', "")
    assert "https://" not in body.replace('"https:"', "")


def test_the_script_does_not_need_a_login_and_is_the_same_for_everyone(client, customer):
    anonymous = client.get(EMBED, HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(customer)
    logged_in = client.get(EMBED)
    assert anonymous.content == logged_in.content
    assert "Set-Cookie" not in anonymous.headers


def test_an_unchanged_script_is_not_sent_again(client):
    etag = client.get(EMBED)["ETag"]
    response = client.get(EMBED, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
