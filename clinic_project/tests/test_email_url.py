"""EMAIL_URL's schemes set the TLS mode mail servers expect, and the service warns before sending patients'
e-mail to another host in plain text."""

import pytest
from django.core import checks

from clinic_project.email_url import email_settings

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def test_smtp_tls_sends_with_starttls():
    config = email_settings("smtp+tls://bookings%40clinic.example:secret@mail.example:587")
    assert config["EMAIL_BACKEND"] == SMTP
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"]) == ("mail.example", 587)
    assert config["EMAIL_HOST_USER"] == "bookings@clinic.example"
    assert config.get("EMAIL_USE_TLS") is True and not config.get("EMAIL_USE_SSL")


@pytest.mark.parametrize("scheme", ["smtps", "smtp+ssl"])
def test_smtps_sends_with_tls_from_the_first_byte(scheme):
    """Port 465 speaks TLS at once: STARTTLS there (what django-environ reads smtps:// as) never connects."""
    config = email_settings(f"{scheme}://user:secret@mail.example:465")
    assert config.get("EMAIL_USE_SSL") is True and not config.get("EMAIL_USE_TLS")


def security_warnings():
    return [message.id for message in checks.run_checks(tags=[checks.Tags.security])]


def test_mail_to_another_host_without_tls_is_warned_of(settings):
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = SMTP, "mail.example", 25
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    assert "outbox.W001" in security_warnings()


@pytest.mark.parametrize(
    "url", ["smtp+tls://u:p@mail.example:587", "smtps://u:p@mail.example:465", "smtp://localhost:25", "smtp://[::1]:25"]
)
def test_no_warning_with_tls_or_a_relay_on_this_host(settings, url):
    for name, value in {"EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False, **email_settings(url)}.items():
        setattr(settings, name, value)
    assert "outbox.W001" not in security_warnings()
