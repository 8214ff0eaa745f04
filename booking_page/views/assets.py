"""The clinic's logo and accent colour, and the embed script, each cached by browsers until staff change it."""

from __future__ import annotations

from pathlib import Path

from django.http import Http404, HttpResponse
from django.utils.http import http_date
from django.views.decorators.http import condition

from scheduling.reference import clinic_details

EMBED_SCRIPT = Path(__file__).resolve().parents[1] / "static" / "booking_page" / "embed.js"
THEME = ":root {{ --accent: {accent}; }}\n"


def _clinic_version(request, *args) -> str:
    return f'"{clinic_details().updated_at.timestamp()}"'


def _clinic_changed(request, *args):
    return clinic_details().updated_at


@condition(etag_func=_clinic_version, last_modified_func=_clinic_changed)
def logo(request):
    clinic = clinic_details()
    if not clinic.logo:
        raise Http404("The clinic has no logo.")
    response = HttpResponse(bytes(clinic.logo), content_type=clinic.logo_type)
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@condition(etag_func=_clinic_version, last_modified_func=_clinic_changed)
def theme(request):
    """The accent colour as a CSS variable: a stylesheet, so the pages' policy allows no inline style."""
    response = HttpResponse(THEME.format(accent=clinic_details().accent_colour), content_type="text/css")
    response["Cache-Control"] = "public, max-age=300"
    return response


def embed_script(request):
    """`/embed.js` at a fixed address clinics paste into their site; browsers check back hourly."""
    response = HttpResponse(EMBED_SCRIPT.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["Last-Modified"] = http_date(EMBED_SCRIPT.stat().st_mtime)
    response["Access-Control-Allow-Origin"] = "*"
    return response
