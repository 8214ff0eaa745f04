"""The clinic's own details as patients see them, and the checks on its branding."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from scheduling import clinic_hours, clinic_time
from scheduling.models.catalogue import WeeklyInterval

phone_number = RegexValidator(
    r"^\+?[0-9][0-9 ()./-]{4,23}[0-9]$",
    "Enter a phone number of 6 to 25 digits, spaces, dashes or brackets, optionally starting with +.",
)
# Emergency numbers are short (112, 999, 911, 000) as well as long.
emergency_phone_number = RegexValidator(
    r"^\+?[0-9][0-9 ()./-]{0,23}[0-9]$",
    "Enter a phone number of 2 to 25 digits, spaces, dashes or brackets, optionally starting with +, for example 112.",
)


def contrast_with_white(colour: str) -> float:
    """WCAG's contrast ratio of white text on `colour` ('#rrggbb')."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


AA_CONTRAST = 4.5


def validate_accent_colour(colour: str) -> None:
    """Buttons show white text on the accent colour: it must be dark enough to read (WCAG AA)."""
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour or ""):
        raise ValidationError("Enter a colour as # and six hexadecimal digits, for example #0b5cad.")
    ratio = contrast_with_white(colour)
    if ratio < AA_CONTRAST:
        raise ValidationError(
            f"White text on {colour} has a contrast of {ratio:.1f}:1; buttons need at least {AA_CONTRAST}:1. "
            "Choose a darker colour."
        )


def web_origins(text: str) -> list[str]:
    """The origins listed one per line (blank lines ignored), as browsers spell them: scheme://host[:port]."""
    return [line.strip().rstrip("/").lower() for line in (text or "").splitlines() if line.strip()]


ORIGIN = re.compile(
    r"https?://(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:\d{1,5})?"
)


def validate_embed_origins(text: str) -> None:
    wrong = [origin for origin in web_origins(text) if not ORIGIN.fullmatch(origin)]
    if wrong:
        raise ValidationError(
            f"Not a web origin: {', '.join(wrong)}. Write one per line as scheme://host or scheme://host:port, "
            "for example https://www.example-clinic.com, with no path."
        )


LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"RIFF": "image/webp"}
LOGO_MAX_BYTES = 256 * 1024


def logo_content_type(data: bytes) -> str | None:
    """PNG, JPEG or WebP told by their first bytes; None for anything else (SVG can carry scripts)."""
    for magic, content_type in LOGO_TYPES.items():
        if data.startswith(magic) and (content_type != "image/webp" or data[8:12] == b"WEBP"):
            return content_type
    return None


class Clinic(models.Model):
    """The clinic's details as patients see them in e-mails, invites and pages. One row, edited by staff."""

    name = models.CharField(max_length=120, default="Demo Clinic")
    address = models.TextField(blank=True, help_text="Shown as the place of every appointment.")
    phone = models.CharField(max_length=32, blank=True, validators=[phone_number])
    website = models.URLField(blank=True)
    sender_email = models.EmailField(
        default="bookings@clinic.example", help_text="E-mails to patients come from, and are answered to, this."
    )
    time_zone_label = models.CharField(
        max_length=60,
        blank=True,
        help_text="How patients see the clinic's time zone named, for example 'London time'. Empty shows the "
        "zone's own name. The zone itself is the server's CLINIC_TIME_ZONE.",
    )
    accent_colour = models.CharField(
        max_length=7,
        default="#0b5cad",
        validators=[validate_accent_colour],
        help_text="The booking page's buttons and links, for example #0b5cad. White text must be readable on it.",
    )
    # Kept in the database rather than on one host's disk, so every app host serves the same logo.
    logo = models.BinaryField(blank=True, default=b"", editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    embed_origins = models.TextField(
        blank=True,
        validators=[validate_embed_origins],
        help_text="Websites allowed to show the booking page inside their own pages (embed.js), one origin per "
        "line, for example https://www.example-clinic.com. Only these receive the page's messages.",
    )
    emergency_number = models.CharField(
        max_length=25,
        blank=True,
        default="112",
        validators=[emergency_phone_number],
        help_text='Shown on every page and e-mail as "In an emergency, call 112." (translated for each patient). '
        "Empty, with no notice below, shows no emergency notice.",
    )
    emergency_notice = models.CharField(
        max_length=200,
        blank=True,
        help_text='Your own words instead of the standard sentence, for example "For urgent help out of hours '
        'call 111; in an emergency call 999." It is shown as written, in every language: leave it empty for '
        "the translated sentence.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clinic details"
        verbose_name_plural = "clinic details"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="clinic_is_one_row")]

    def __str__(self):
        return self.name

    @classmethod
    def load(cls) -> "Clinic":
        """The clinic with its opening hours read: every page and e-mail shows them."""
        clinic, _ = cls.objects.prefetch_related("opening_hours").get_or_create(pk=1)
        return clinic

    @property
    def location(self) -> str:
        """Name and address on one line, as an invite's LOCATION and an e-mail's "Where"."""
        return ", ".join(part for part in [self.name, " ".join(self.address.split())] if part)

    @property
    def zone_name(self) -> str:
        return self.time_zone_label or clinic_time.zone().key

    @property
    def allowed_embed_origins(self) -> list[str]:
        return web_origins(self.embed_origins)

    @property
    def hours_lines(self) -> list[clinic_hours.HoursLine]:
        """The opening hours in the active language's words; none when staff set none."""
        return clinic_hours.hours_lines((h.weekday, h.opens_at, h.closes_at) for h in self.opening_hours.all())

    @property
    def has_emergency_notice(self) -> bool:
        return bool(self.emergency_notice.strip() or self.emergency_number)


class ClinicHours(WeeklyInterval):
    """When the clinic is open as patients are told it (footer, e-mails); bookable time is each
    practitioner's own hours. A lunch break is two intervals on one day."""

    clinic = models.ForeignKey(Clinic, models.CASCADE, related_name="opening_hours")

    class Meta:
        ordering = ["weekday", "opens_at"]
        verbose_name = "opening hours"
        verbose_name_plural = "opening hours (as patients are told)"
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="clinic_hours_close_after_open"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="clinic_hours_weekday_valid"),
        ]
