"""A text field's limit as the page shows it: said in its hint, and counted down to by counter.js."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import ngettext_lazy

LIMIT_HINT = ngettext_lazy("Up to %(limit)d character.", "Up to %(limit)d characters.", "limit")


def show_limit(field: forms.Field, limit: int) -> None:
    """No `maxlength` attribute: a browser would cut pasted text to it without a word, and the patient
    would send what they never read. Whoever checks the text refuses longer text."""
    field.widget.attrs.pop("maxlength", None)
    field.widget.attrs["data-limit"] = limit
    field.limit = limit
    hint = LIMIT_HINT % {"limit": limit}
    field.help_text = format_lazy("{} {}", field.help_text, hint) if field.help_text else hint
