"""Page numbers and sizes for the staff's bookings list, checked like every other parameter."""

from __future__ import annotations

import re

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")


class BookingPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    @property
    def query_parameters(self) -> tuple[str, ...]:
        """The names it reads from the query string, which the list's own parameters must let through."""
        return (self.page_query_param, self.page_size_query_param)

    # DRF quietly falls back to defaults on a bad page or page_size; a client sending one should hear it.
    def get_page_size(self, request):
        return whole_number(request, self.page_size_query_param, self.page_size, most=self.max_page_size)

    def get_page_number(self, request, paginator):
        return whole_number(request, self.page_query_param, 1)


def whole_number(request, name: str, default: int, most: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    # ASCII digits only: str.isdigit() also accepts "²" and "٣"; ten digits is past any real page.
    if not WHOLE_NUMBER.fullmatch(raw) or int(raw) < 1 or (most and int(raw) > most):
        limit = f" from 1 to {most}" if most else " of 1 or more"
        raise ValidationError({name: [f"Give a whole number{limit}."]})
    return int(raw)
