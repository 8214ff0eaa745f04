"""Figures the apps built on the core add to the reports: the waitlist its fill rate. The core cannot import
them, so each registers a figure in its AppConfig.ready (as scheduling/patients/sections.py does for the
patient page), and the admin page, the API and the CSV show every registered figure the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from scheduling.reports.figures import Ratio


@dataclass(frozen=True)
class Scope:
    """What a report covers: clinic-local days, inclusive, and the practitioners' pks."""

    first_day: date
    last_day: date
    practitioner_ids: tuple[int, ...]
    now: datetime


@dataclass(frozen=True)
class RatioFigure:
    """`compute(scope)`: a part of a whole per day, in a fixed number of queries whatever the bookings."""

    name: str
    title: str
    definition: str
    part_label: str
    whole_label: str
    compute: Callable[[Scope], Ratio]


FIGURES: dict[str, RatioFigure] = {}


def register(figure: RatioFigure) -> None:
    FIGURES[figure.name] = figure
