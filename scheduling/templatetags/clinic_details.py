"""The clinic's emergency notice and phone links, as every booking page and e-mail shows them."""

from __future__ import annotations

import re

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


@register.filter
def tel_uri(number: str) -> str:
    """A tel: link's target: the digits and a leading +, as phones dial it (RFC 3966 allows no spaces)."""
    digits = re.sub(r"[^0-9]", "", number or "")
    return f"tel:{'+' if (number or '').strip().startswith('+') else ''}{digits}"


def standard_sentence() -> str:
    return gettext("In an emergency, call {number}.")


@register.simple_tag
def emergency_notice(clinic) -> str:
    """The clinic's own notice as written, or the translated sentence with the number as a phone link."""
    if clinic.emergency_notice.strip():
        return clinic.emergency_notice.strip()
    if not clinic.emergency_number:
        return ""
    link = format_html('<a href="{}">{}</a>', tel_uri(clinic.emergency_number), clinic.emergency_number)
    return format_html(standard_sentence(), number=link)


@register.simple_tag
def emergency_notice_text(clinic) -> str:
    """The notice for a plain-text e-mail."""
    if clinic.emergency_notice.strip():
        return clinic.emergency_notice.strip()
    return standard_sentence().format(number=clinic.emergency_number) if clinic.emergency_number else ""
