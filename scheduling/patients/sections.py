"""What the apps built on the core add to a patient's record: the waitlist its entries, notifications the
messages sent. The core cannot import them, so each registers a section in its AppConfig.ready, and the
patient page, the staff API and the export read every registered section the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """`rows(patient_pks)`: plain JSON-ready dicts, oldest first, for a record and those merged into it."""

    name: str
    title: str
    rows: Callable[[list[int]], list[dict]]


SECTIONS: dict[str, Section] = {}


def register(name: str, title: str, rows: Callable[[list[int]], list[dict]]) -> None:
    SECTIONS[name] = Section(name, title, rows)


def sections_for(patient_pks: list[int]) -> dict[str, list[dict]]:
    return {name: section.rows(patient_pks) for name, section in SECTIONS.items()}
