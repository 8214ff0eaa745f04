"""Every model field that holds a patient's personal data, registered once: how to find one patient's rows
and how to blank them. Erasure blanks exactly what is registered here, and the canary test writes into
exactly these fields, so a field missing here is a field erasure forgets.

The core registers its own models below; each app built on the core registers its own in its
AppConfig.ready (the core cannot import them). A field whose name looks personal but holds none (a staff
username, the clinic's address) is listed with `not_personal` and the reason, so that
scheduling/privacy/tests/test_registry.py, which walks every model, knows it was looked at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import QuerySet

Rows = Callable[[list[int]], QuerySet]


@dataclass(frozen=True)
class PersonalData:
    """`fields` of `model` hold personal data; `rows(patient_pks)` are one patient's (a record and those
    merged into it). `blank(rows)` empties them; by default each field becomes its empty value. `unsent`:
    the rows still waiting in an outbox, which erasure cancels so that nothing goes out later."""

    model: type[models.Model]
    fields: tuple[str, ...]
    rows: Rows
    blank: Callable[[QuerySet], object] | None = None
    unsent: Callable[[QuerySet], QuerySet] | None = None
    # Fields that only copy data the export shows elsewhere (a name as matching compares it, an answer as
    # first sent): blanked like the rest, but not repeated in the export. Field: what it copies.
    copies: dict[str, str] = field(default_factory=dict)
    # Filled in from the model by `register`: the empty value of each field.
    empty: dict[str, object] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def blank_rows(self, rows: QuerySet) -> None:
        if self.blank is not None:
            self.blank(rows)
        else:
            rows.update(**self.empty)


REGISTRY: dict[str, PersonalData] = {}
NOT_PERSONAL: dict[tuple[str, str], str] = {}


def empty_value(model_field: models.Field) -> object:
    if isinstance(model_field, models.JSONField):
        return None if model_field.null else {}
    if model_field.null and not isinstance(model_field, models.CharField | models.TextField):
        return None
    return ""


def register(
    model: type[models.Model],
    fields: Iterable[str],
    rows: Rows,
    *,
    blank: Callable[[QuerySet], object] | None = None,
    unsent: Callable[[QuerySet], QuerySet] | None = None,
    copies: dict[str, str] | None = None,
) -> PersonalData:
    """Record that `fields` of `model` hold personal data, and how to find and blank one patient's rows."""
    names = tuple(fields) + tuple(name for name in copies or {} if name not in fields)
    meta = model._meta
    empty = {name: empty_value(meta.get_field(name)) for name in names}
    entry = PersonalData(model, names, rows, blank=blank, unsent=unsent, copies=dict(copies or {}), empty=empty)
    if meta.label in REGISTRY:
        raise ValueError(f"{meta.label} is registered already: register all its personal fields at once.")
    REGISTRY[meta.label] = entry
    return entry


def not_personal(model: type[models.Model] | str, names: Iterable[str], why: str) -> None:
    """Record that these fields, though their names may look it, hold no patient's personal data."""
    label = model if isinstance(model, str) else model._meta.label
    for name in names:
        NOT_PERSONAL[(label, name)] = why


def registered_fields() -> set[tuple[str, str]]:
    return {(entry.label, name) for entry in REGISTRY.values() for name in entry.fields}


def exported_fields() -> set[tuple[str, str]]:
    """The registered fields the export shows (all but the copies)."""
    return {(entry.label, name) for entry in REGISTRY.values() for name in entry.fields if name not in entry.copies}
