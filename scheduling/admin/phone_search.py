"""Admin search by phone: a number found however it was typed, into the search box or into the booking."""

from __future__ import annotations

from django.db.models import CharField, Q, Value
from django.db.models.functions import Replace

from scheduling.patient_details import typed_phone_forms

# What people type between a phone number's digits; the booking keeps the number as typed.
PHONE_PUNCTUATION = (" ", "-", "(", ")", ".", "/")


def phone_digits(field: str):
    """The column `field` with spaces, dashes, brackets, dots and slashes dropped, in SQL."""
    expression = field
    for char in PHONE_PUNCTUATION:
        expression = Replace(expression, Value(char), Value(""), output_field=CharField())
    return expression


class PhoneSearchMixin:
    """Adds to the admin's search the rows whose `phone_search_field` is the number searched for, in any of
    the forms it can be typed in (scheduling.patient_details.typed_phone_forms)."""

    phone_search_field = ""

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        forms = typed_phone_forms(search_term)
        if forms:
            digits = phone_digits(self.phone_search_field)
            same_number = queryset.alias(typed_phone_digits=digits).filter(Q(typed_phone_digits__in=forms))
            results = results | same_number
        return results, may_have_duplicates
