"""Every field that may hold a patient's personal data is in the privacy registry, or listed as not
personal with a reason: a new model's `patient_notes` fails here until someone decides."""

from __future__ import annotations

import re

from django.apps import apps
from django.db import models

from scheduling.privacy.registry import NOT_PERSONAL, REGISTRY, registered_fields

LOOKS_PERSONAL = re.compile(
    r"name|email|mail|phone|reason|note|answer|address|birth|recipient|payload|snapshot|body|changes|repr|"
    r"message|error|data|args|return|traceback|description|cause|comment|text|agent"
)
TEXT = (models.CharField, models.TextField, models.JSONField)


def looks_personal() -> set[tuple[str, str]]:
    return {
        (model._meta.label, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, TEXT) and LOOKS_PERSONAL.search(field.name)
    }


def test_every_field_that_looks_personal_is_registered_or_said_not_to_be():
    decided = registered_fields() | set(NOT_PERSONAL)
    assert sorted(looks_personal() - decided) == []


def test_nothing_is_both_personal_and_not():
    assert sorted(registered_fields() & set(NOT_PERSONAL)) == []


def test_what_is_listed_exists():
    fields = {(m._meta.label, f.name) for m in apps.get_models() for f in m._meta.concrete_fields}
    assert sorted((registered_fields() | set(NOT_PERSONAL)) - fields) == []


def test_every_app_with_patients_registered_its_data():
    assert {"scheduling.Patient", "scheduling.Booking", "scheduling.BookingEvent", "scheduling.IdempotencyRecord"} <= (
        set(REGISTRY)
    )
    assert {"waitlist.Entry", "waitlist.Notice", "notifications.Message"} <= set(REGISTRY)
