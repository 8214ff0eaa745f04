"""What a patient's name and e-mail address may be, in one place: the API, the booking page, the admin and the
write path (scheduling.bookings.PatientDetails) all ask these, so a name stored through one is stored the same through
every other.

A name is shown to staff, put in e-mail headers and calendar invites. So it is kept on one line (a line feed in
an e-mail's To header made every message to that patient fail), without the invisible characters that make it
display as something else (bidi overrides, "Trojan Source"), and NFC-normalised, so "é" typed two ways is one
name for search and for the waitlist's same-patient check.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.deconstruct import deconstructible
from phonenumbers import ValidationResult

from scheduling import clinic_time

# Nobody alive was born longer ago; an earlier year is a typing slip (1896 for 1996).
OLDEST_AGE_YEARS = 130
IS_POSSIBLE = ValidationResult.IS_POSSIBLE

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


def normalised_email(address: str) -> str:
    """An address as patients' records keep and compare it: trimmed, lower case (nobody's mailbox differs by
    case in practice, and a patient types their address both ways)."""
    return address.strip().lower()


def matching_key(name: str) -> str:
    """A name as matching compares it: normalised (normalised_name), then case-folded."""
    return normalised_name(name).casefold()


def split_name(name: str) -> tuple[str, str]:
    """(given, family) from a name typed on one line: the last word is the family name. A guess for the
    record only; the booking keeps the name as typed, and staff correct the record."""
    words = normalised_name(name).split(" ")
    if len(words) == 1:
        return words[0], ""
    return " ".join(words[:-1]), words[-1]


def _parsed_phone(text: str, region: str | None = None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region or settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None


def e164_phone(text: str, region: str | None = None) -> str:
    """The number in E.164 (+442079460958), or "" when `text` is not a possible phone number. Numbers
    without a country code are read as numbers of PHONE_REGION, the clinic's country."""
    number = _parsed_phone(text, region)
    # A number possible only locally (+1 555 0100, seven digits without the area code) has no E.164 form.
    if number is None or phonenumbers.is_possible_number_with_reason(number) != IS_POSSIBLE:
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def typed_phone_forms(text: str) -> list[str]:
    """The ways a number that `text` names may have been typed, once spaces, dashes, dots and brackets are
    dropped: E.164 (+447700900123), the international prefix 00 (00447700900123) and, for a number of
    PHONE_REGION, the national one (07700900123). Empty when `text` is not a possible phone number. Searches
    compare these with what bookings kept as typed (a snapshot, in whatever form the patient used)."""
    e164 = e164_phone(text)
    if not e164:
        return []
    number = phonenumbers.parse(e164)
    forms = [e164, "00" + e164[1:]]
    if number.country_code == phonenumbers.country_code_for_region(settings.PHONE_REGION):
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        forms.append("".join(char for char in national if char.isdigit()))
    return forms


def validate_phone(text: str) -> None:
    """Refuses a number that cannot be called: not a number, too short or too long, or in no range its
    country gives out (phonenumbers' metadata, kept current by upgrading the package)."""
    number = _parsed_phone(text) if text else None
    if text and (number is None or not phonenumbers.is_valid_number(number)):
        raise ValidationError(
            f"Enter a phone number that can be called, with its area code, such as +44 20 7946 0958 (a number "
            f"without a country code is read as one in {settings.PHONE_REGION}).",
            code="invalid_phone",
        )


def validate_birth_date(day: date) -> None:
    """Refuses a date of birth that cannot be a living patient's: in the future, or more than
    OLDEST_AGE_YEARS ago (measured against the clinic's today)."""
    today = clinic_time.today()
    if day > today:
        raise ValidationError("A date of birth cannot be in the future.", code="future_birth_date")
    oldest = date(today.year - OLDEST_AGE_YEARS, today.month, 28 if (today.month, today.day) == (2, 29) else today.day)
    if day < oldest:
        raise ValidationError(
            f"A date of birth is at most {OLDEST_AGE_YEARS} years ago (not before {oldest}); check the year.",
            code="too_old_birth_date",
        )
