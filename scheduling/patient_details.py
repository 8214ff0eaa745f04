"""What a patient's name and e-mail address may be, in one place: the API, the booking page, the admin and the
write path (scheduling.bookings.Patient) all ask these, so a name stored through one is stored the same through
every other.

A name is shown to staff, put in e-mail headers and calendar invites. So it is kept on one line (a line feed in
an e-mail's To header made every message to that patient fail), without the invisible characters that make it
display as something else (bidi overrides, "Trojan Source"), and NFC-normalised, so "é" typed two ways is one
name for search and for the waitlist's same-patient check.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.deconstruct import deconstructible

# Zero-width joiner and non-joiner change how the letters either side join: Persian and Indic spellings need
# them, so they stay between two letters. Everywhere else they, like every other format character (bidi
# embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069, marks, zero-width space, word joiner,
# BOM, soft hyphen), change only how the name displays, never what it says.
JOINERS = {"\u200c", "\u200d"}
FORMAT = "Cf"
# Text that a name can never hold, however it is normalised: NUL, escapes, DEL, C1 controls, surrogates.
NEVER = {"Cc", "Cs"}


def _invisible_dropped(text: str) -> str:
    kept = []
    for i, char in enumerate(text):
        if unicodedata.category(char) == FORMAT:
            between_letters = 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()
            if not (char in JOINERS and between_letters):
                continue
        kept.append(char)
    return "".join(kept)


def normalised_name(text: str) -> str:
    """The name as stored: NFC, invisible format characters dropped, line breaks, tabs and runs of spaces
    folded into single spaces."""
    return " ".join(unicodedata.normalize("NFC", _invisible_dropped(text)).split())


def validate_name(text: str) -> None:
    """Refuses what normalising cannot make a name of: control characters other than white space."""
    if any(unicodedata.category(char) in NEVER for char in "".join(text.split())):
        raise ValidationError("A name cannot contain control characters.", code="control_characters")


class NameField(forms.CharField):
    """A form's name field: validated, then normalised before `required` is checked, so a name of only
    invisible characters is an empty name."""

    def clean(self, value):
        text = self.to_python(value)
        validate_name(text)
        return super().clean(normalised_name(text))


@deconstructible
class PatientEmailValidator(EmailValidator):
    """An address mail can reach across the internet: no `localhost`, no domain literal (`a@[127.0.0.1]`,
    which would send patients' mail to an address of the attacker's choosing) and a dot in the domain."""

    message = "Enter an e-mail address with a domain name, such as name@example.com."

    def __init__(self, message=None, code=None):
        super().__init__(message=message, code=code, allowlist=[])

    def validate_domain_part(self, domain_part: str) -> bool:
        # EmailValidator's own check also takes IP literals; a name with a dot only (its domain_regex) is kept.
        return bool(self.domain_regex.match(domain_part))


validate_email_address = PatientEmailValidator()
