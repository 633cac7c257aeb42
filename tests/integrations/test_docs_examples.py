"""The signing examples of the documentation, run as they are printed, make links
Comptoir accepts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from comptoir.accounts.models import User
from tests.integrations.helpers import make_integration

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
PAGES = [ROOT / "docs" / "en" / "in-app-entry.md", ROOT / "docs" / "fr" / "in-app-entry.md"]
BLOCK = re.compile(r"```(?:python|js|javascript)\n(.*?)```", re.S)


@pytest.mark.parametrize("doc", PAGES, ids=lambda p: p.parent.name)
@pytest.mark.parametrize("example", ["inapp_link.py", "inapp-link.mjs"])
def test_the_pages_print_the_examples_verbatim(doc, example):
    code = (EXAMPLES / example).read_text()
    assert code in [block for block in BLOCK.findall(doc.read_text())]


def run_example(command: list[str], secret: str) -> str:
    environment = {
        **os.environ,
        "COMPTOIR_URL": "http://testserver",
        "COMPTOIR_INTEGRATION": "planning-app",
        "COMPTOIR_SECRET": secret,
    }
    done = subprocess.run(
        command, env=environment, capture_output=True, text=True, timeout=60, check=True
    )
    url = urlsplit(done.stdout.strip())
    assert (url.scheme, url.netloc, url.path) == ("http", "testserver", "/integrations/enter/")
    return f"{url.path}?{url.query}"


def assert_accepted(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302, response.content.decode()[:500]
    marie = User.objects.get(email="marie@lutins.example")
    assert [o.name for o in marie.organisations.all()] == ["Crèche Les Lutins"]
    assert client.session["_auth_user_id"] == str(marie.pk)


def test_the_python_example_signs_a_link_comptoir_accepts(client):
    _integration, secret = make_integration()
    path = run_example([sys.executable, str(EXAMPLES / "inapp_link.py")], secret)
    assert_accepted(client, path)


def test_the_node_example_signs_a_link_comptoir_accepts(client):
    node = shutil.which("node")
    if node is None:
        reason = "node is not installed: the JavaScript example cannot be run"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    _integration, secret = make_integration()
    path = run_example([node, str(EXAMPLES / "inapp-link.mjs")], secret)
    assert_accepted(client, path)
