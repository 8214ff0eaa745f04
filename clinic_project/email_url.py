"""EMAIL_URL read as mail servers name their ports: `smtp+tls://` sends with STARTTLS (port 587), `smtps://`
with TLS from the first byte (port 465, RFC 8314), `smtp://` in plain text (a relay on this host only).

django-environ reads `smtps://` as STARTTLS, which a port-465 server never answers; `smtp+ssl://` stays
accepted as another name for `smtps://`. This module imports nothing of Django: settings.py calls it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import environ


def email_settings(url: str) -> dict:
    """The EMAIL_* settings `url` stands for."""
    config = environ.Env.email_url_config(url)
    if urlsplit(url).scheme == "smtps":
        config.pop("EMAIL_USE_TLS", None)
        config["EMAIL_USE_SSL"] = True
    return config
