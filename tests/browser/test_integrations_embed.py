"""A vendor's page includes Comptoir's embed script: the Support button opens the
portal in a new tab, already logged in, on the pre-filled new-ticket form."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from comptoir.tickets.models import CustomField, FieldType
from tests import factories
from tests.integrations.helpers import claims_for, make_integration, sign

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def vendor_site():
    """The vendor's application: its own web server, another origin than Comptoir's.
    ``vendor_site(html)`` publishes the page and returns its address."""
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get("page", b"")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def publish(html: str) -> str:
        pages["page"] = html.encode()
        return f"http://127.0.0.1:{server.server_address[1]}/dashboard"

    yield publish
    server.shutdown()
    server.server_close()


def test_the_support_button_opens_the_portal_logged_in_in_a_new_tab(
    live_server, page, shot, vendor_site
):
    _integration, secret = make_integration()
    factories.ProductFactory(name="Planning")
    CustomField.objects.create(
        key="account-name", label_en="Account name", field_type=FieldType.TEXT
    )
    token = sign(secret, claims_for(product="Planning", account="LUTINS-75"))
    # In real life data-href is the vendor's route that signs a fresh link.
    entry = f"{live_server.url}/integrations/enter/?token={token}"
    vendor = vendor_site(
        f"""<!doctype html><html lang="en"><head><title>Planning</title></head>
        <body><h1>Planning</h1>
        <script src="{live_server.url}/integrations/embed.js" async
                data-href="{entry}"></script></body></html>""",
    )

    page.goto(vendor)
    support = page.get_by_role("link", name="Support")
    expect(support).to_be_visible()
    expect(support).to_have_attribute("target", "_blank")
    expect(support).to_have_attribute("rel", "noopener")
    shot("integrations-01-vendor-page")

    with page.context.expect_page() as opened:
        support.click()
    portal = opened.value
    portal.wait_for_load_state()

    expect(portal).to_have_url(f"{live_server.url}/tickets/new/")
    expect(portal.get_by_role("heading", name="Open a new ticket")).to_be_visible()
    expect(portal.get_by_label("Account name")).to_have_value("LUTINS-75")
    expect(portal.get_by_role("checkbox", name="Planning")).to_be_checked()
    expect(portal.get_by_text("Crèche Les Lutins")).to_be_visible()
    assert portal.evaluate("window.opener") is None
    portal.screenshot(path="/tmp/shots/integrations-02-prefilled-form.png", full_page=True)
    # The vendor's page is still there, in its own tab.
    expect(page.get_by_role("heading", name="Planning")).to_be_visible()


def test_the_button_follows_the_options_of_the_script_tag(live_server, page, vendor_site):
    vendor = vendor_site(
        f"""<!doctype html><html lang="en"><body><main><p>Before</p>
        <script src="{live_server.url}/integrations/embed.js"
                data-label="Need help?" data-position="inline"></script>
        <p>After</p></main></body></html>""",
    )

    page.goto(vendor)

    button = page.get_by_role("link", name="Need help?")
    expect(button).to_be_visible()
    # Without data-href it opens the portal itself.
    expect(button).to_have_attribute("href", f"{live_server.url}/")
    assert button.evaluate("el => getComputedStyle(el).position") == "static"
