"""Answers that carry patient data (or a credential to it) are kept by no cache: not a proxy's, not the
browser's back-forward history on a shared computer."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers


class NeverCached:
    """A viewset mixin: every answer, errors and replayed retries included, says `Cache-Control: no-store`
    (with Django's `never_cache` companions: `no-cache, must-revalidate, private`, `max-age=0` and an
    `Expires` in the past, which HTTP/1.0 caches also obey)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response
