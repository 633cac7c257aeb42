"""Files sent through the portal: stored with their hash, served safely."""

import hashlib

import pytest
from django.urls import reverse

from comptoir.tickets.models import Attachment, Ticket
from tests.factories import priority, ticket_type
from tests.portal.helpers import PNG, upload

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def send(client, *files):
    """Open a ticket through the portal with ``files`` attached; its attachments."""
    response = client.post(
        reverse("portal:ticket_new"),
        {
            "type": str(ticket_type().pk),
            "priority": str(priority().pk),
            "subject": "Files",
            "description": "See attached",
            "attachments": list(files),
        },
    )
    assert response.status_code == 302
    return list(Ticket.objects.get().attachments.order_by("pk"))


def download(client, attachment):
    return client.get(reverse("attachment", kwargs={"key": attachment.key}))


def body(response):
    return b"".join(response.streaming_content)


def test_a_document_is_downloaded_not_displayed(client, customer):
    client.force_login(customer)
    (pdf,) = send(client, upload("contract.pdf", PDF, "application/pdf"))

    response = download(client, pdf)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="contract.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert body(response) == PDF


def test_an_image_is_shown_inline_but_never_sniffed(client, customer):
    client.force_login(customer)
    (png,) = send(client, upload("screen.png", PNG, "application/octet-stream"))

    response = download(client, png)

    assert response["Content-Type"] == "image/png"  # from the bytes, not the client
    assert response["Content-Disposition"] == 'inline; filename="screen.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body(response) == PNG


@pytest.mark.parametrize(
    "name,content,claimed",
    [
        ("photo.png", HTML, "image/png"),
        ("page.html", HTML, "text/html"),
        ("logo.svg", SVG, "image/svg+xml"),
        ("logo.png", SVG, "image/png"),
        ("notes.txt", HTML, "text/plain"),
    ],
)
def test_active_content_is_served_as_an_inert_download(client, customer, name, content, claimed):
    # Given a page disguised as a harmless file
    client.force_login(customer)
    (attachment,) = send(client, upload(name, content, claimed))

    # When anyone downloads it
    response = download(client, attachment)

    # Then the browser gets bytes to save, never a page to run
    assert attachment.content_type == "application/octet-stream"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_plain_text_stays_plain_text(client, customer):
    client.force_login(customer)
    (log,) = send(client, upload("server.log.txt", b"12:00 started\n", "application/x-evil"))

    assert log.content_type == "text/plain"
    assert download(client, log)["Content-Disposition"].startswith("attachment;")


def test_hash_and_size_are_stored(client, customer):
    client.force_login(customer)
    content = PDF * 100

    (pdf,) = send(client, upload("big.pdf", content, "application/pdf"))

    assert pdf.size == len(content)
    assert pdf.sha256 == hashlib.sha256(content).hexdigest()
    assert pdf.uploaded_by == customer and pdf.message is not None


def test_the_name_is_cleaned_but_kept_recognisable(client, customer):
    client.force_login(customer)
    (pdf,) = send(client, upload("..\\..\\Windows\\report\x07 été.pdf", PDF, "application/pdf"))

    response = download(client, pdf)

    assert pdf.filename == "report été.pdf"
    assert "/" not in pdf.file.name.removeprefix("attachments/").split("/", 1)[1]
    assert "report" not in pdf.file.name
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''report%20%C3%A9t%C3%A9.pdf"
    )


def test_several_files_at_once(client, customer):
    client.force_login(customer)

    files = send(
        client,
        upload("a.pdf", PDF, "application/pdf"),
        upload("b.png", PNG, "image/png"),
        upload("c.txt", b"c", "text/plain"),
    )

    assert [a.filename for a in files] == ["a.pdf", "b.png", "c.txt"]
    assert [a.content_type for a in files] == ["application/pdf", "image/png", "text/plain"]
    assert Attachment.objects.filter(ticket__isnull=True).count() == 0


def test_a_message_may_show_our_images_but_not_point_elsewhere(client, customer):
    client.force_login(customer)
    (png,) = send(client, upload("screen.png", PNG, "image/png"))
    ours = reverse("attachment", kwargs={"key": png.key})

    response = client.post(
        reverse("portal:ticket_new"),
        {
            "type": str(ticket_type().pk),
            "priority": str(priority().pk),
            "subject": "Images",
            "body_format": "html",
            "description": (
                f'<p>Look</p><img src="{ours}">'
                '<img src="/attachments/../tickets/1/close/">'
                '<img src="https://tracker.example/pixel.gif">'
            ),
        },
    )

    assert response.status_code == 302
    body_html = Ticket.objects.get(subject="Images").messages.get().body_html
    assert body_html == f'<p>Look</p><img src="{ours}">'
