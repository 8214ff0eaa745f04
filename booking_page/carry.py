"""What a visit carries from step to step in its URLs: how the page is embedded, and nothing else.

The pages may not rely on cookies (a page inside another site's frame may not be allowed any), so every link
and redirect passes this on. Contact details are not carried, nor read from a URL: URLs end up in logs and
browser history. An embedding site hands them to the page by postMessage (embed.js, frame.js).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from scheduling.models import Clinic

EMBED = ("embed", "origin")
LONGEST = 254


@dataclass(frozen=True)
class Carry:
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, request) -> Carry:
        source = request.GET
        kept = {name: source[name][:LONGEST] for name in EMBED if source.get(name)}
        return cls(kept)

    def url(self, name: str, *args, **query) -> str:
        """A page's URL with `query` and what the visit carries."""
        params = {key: value for key, value in query.items() if value not in (None, "")}
        params.update({key: value for key, value in self.params.items() if key not in params})
        path = reverse(name, args=args)
        return f"{path}?{urlencode(params)}" if params else path

    def added_to(self, url: str) -> str:
        """A URL built elsewhere (scheduling.links) with what the visit carries added to its query."""
        if not self.params:
            return url
        return f"{url}{'&' if '?' in url else '?'}{self.query}"

    @property
    def query(self) -> str:
        return urlencode(self.params)

    def hidden_fields(self) -> list[tuple[str, str]]:
        """For GET forms, whose action's own query string the browser replaces."""
        return list(self.params.items())

    @property
    def embedded(self) -> bool:
        return self.params.get("embed") == "1"

    def message_origin(self, clinic: Clinic) -> str:
        """The host page's origin the embedded page may post messages to: listed by staff, or none."""
        origin = self.params.get("origin", "").rstrip("/").lower()
        return origin if self.embedded and origin in clinic.allowed_embed_origins else ""
