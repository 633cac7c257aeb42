"""The setup contract: settings and static files as a production server uses them."""

import pytest
from django.core.management import call_command
from django.test import override_settings

MANIFEST = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.mark.django_db
def test_pages_render_with_collected_manifest_static_files(client, tmp_path):
    """DEBUG off serves hashed files: every asset a page names must have been collected."""
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=MANIFEST):
        call_command("collectstatic", "--noinput", verbosity=0)
        response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"/static/comptoir/comptoir." in response.content


def test_secret_key_is_generated_once_into_var(tmp_path, monkeypatch):
    from comptoir import settings

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path)
    first = settings._secret_key()
    assert len(first) > 40
    assert settings._secret_key() == first
    assert (tmp_path / "secret_key").read_text() == first


def test_debug_is_off_unless_asked(monkeypatch):
    from comptoir.settings import env_bool

    monkeypatch.delenv("DEBUG", raising=False)
    assert env_bool("DEBUG") is False
    monkeypatch.setenv("DEBUG", "1")
    assert env_bool("DEBUG") is True
