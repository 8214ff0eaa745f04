"""Staff set the booking page's logo, accent colour and embedding sites in the clinic's details."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scheduling.models import Clinic

pytestmark = pytest.mark.django_db

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
DETAILS = {
    "name": "Riverside Practice",
    "sender_email": "desk@riverside.example",
    "accent_colour": "#0b5cad",
    # The opening hours inline's management form: no hours.
    "opening_hours-TOTAL_FORMS": "0",
    "opening_hours-INITIAL_FORMS": "0",
}


def save(admin_client, **fields):
    return admin_client.post(reverse("admin:scheduling_clinic_change", args=[1]), {**DETAILS, **fields})


def errors(response) -> dict:
    return response.context["adminform"].form.errors


def test_a_colour_too_light_for_white_text_is_refused(admin_client):
    Clinic.load()
    response = save(admin_client, accent_colour="#7fb3ff")
    assert response.status_code == 200
    assert errors(response)["accent_colour"] == [
        "White text on #7fb3ff has a contrast of 2.1:1; buttons need at least 4.5:1. Choose a darker colour."
    ]
    assert save(admin_client, accent_colour="#5b2a86").status_code == 302
    assert Clinic.load().accent_colour == "#5b2a86"


def test_the_accent_colour_reaches_the_page_as_a_stylesheet(admin_client, client):
    Clinic.load()
    save(admin_client, accent_colour="#5b2a86")
    page = client.get("/book/").content.decode()
    stylesheet = client.get(reverse("book-theme"))
    assert f'href="{reverse("book-theme")}?v=' in page
    assert stylesheet["Content-Type"] == "text/css"
    assert "--accent: #5b2a86;" in stylesheet.content.decode()


def test_a_logo_is_uploaded_checked_and_shown(admin_client, client):
    Clinic.load()
    svg = SimpleUploadedFile("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>")
    assert errors(save(admin_client, logo_file=svg))["logo_file"] == ["The logo must be a PNG, JPEG or WebP image."]
    huge = SimpleUploadedFile("logo.png", PNG + b"\0" * 300_000)
    assert "at most 256 KB" in errors(save(admin_client, logo_file=huge))["logo_file"][0]
    assert save(admin_client, logo_file=SimpleUploadedFile("logo.png", PNG)).status_code == 302
    logo = client.get(reverse("clinic-logo"))
    assert (logo.status_code, logo["Content-Type"], b"".join(logo)) == (200, "image/png", PNG)
    assert 'class="logo"' in client.get("/book/").content.decode()
    assert save(admin_client, remove_logo="on").status_code == 302
    assert client.get(reverse("clinic-logo")).status_code == 404


def test_embedding_sites_are_origins_one_per_line(admin_client):
    Clinic.load()
    response = save(admin_client, embed_origins="https://www.example-clinic.com/booking\nexample.org")
    assert errors(response)["embed_origins"][0].startswith(
        "Not a web origin: https://www.example-clinic.com/booking, example.org."
    )
    assert (
        save(admin_client, embed_origins="https://www.Example-Clinic.com/\n\nhttp://localhost:8080").status_code == 302
    )
    assert Clinic.load().allowed_embed_origins == ["https://www.example-clinic.com", "http://localhost:8080"]


def test_view_site_in_the_admin_leads_to_the_booking_page(admin_client, client):
    assert 'href="/"' in admin_client.get(reverse("admin:index")).content.decode()
    assert client.get("/", follow=True).redirect_chain == [("/book/", 302)]
