"""A system check (`manage.py check --deploy`, and every management command's start, the job worker's among
them) that says when patients' e-mail would cross the network in plain text."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core import checks

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def is_this_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@checks.register(checks.Tags.security)
def mail_without_tls(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """E-mails carry patients' names and appointments: to another host, only over TLS."""
    if settings.EMAIL_BACKEND != SMTP_BACKEND or settings.EMAIL_USE_TLS or settings.EMAIL_USE_SSL:
        return []
    if is_this_host(settings.EMAIL_HOST):
        return []
    return [
        checks.Warning(
            f"E-mail to patients would go to {settings.EMAIL_HOST}:{settings.EMAIL_PORT} without TLS: anyone on "
            "the network between could read it, and the mail server's password.",
            hint="Set EMAIL_URL to smtp+tls://user:password@host:587 (STARTTLS) or smtps://user:password@host:465. "
            "smtp:// is for a mail relay on this host only.",
            id="outbox.W001",
        )
    ]
