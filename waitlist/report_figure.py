"""The waitlist's figure in the reports (scheduling/reports/registry.py): how many freed times offered to
the waitlist were taken. A freed time is one practitioner's start time offered to someone waiting; it may
be offered to several patients in turn (one declines, the next is asked). It was taken when one of those
offers was accepted. Counted on the day the time starts, in one query."""

from __future__ import annotations

from collections import defaultdict

from scheduling import clinic_time
from scheduling.reports.figures import Ratio, days_of, ratio_by_day
from scheduling.reports.registry import RatioFigure, Scope
from waitlist.models import Offer


def fill_rate(scope: Scope) -> Ratio:
    span = clinic_time.days(scope.first_day, scope.last_day)
    offers = Offer.objects.filter(
        hold__practitioner_id__in=scope.practitioner_ids, hold__starts_at__gte=span.start, hold__starts_at__lt=span.end
    ).values_list("hold__practitioner_id", "hold__starts_at", "status")
    taken: dict[tuple, bool] = defaultdict(bool)
    for practitioner_id, starts_at, status in offers.order_by():
        taken[(practitioner_id, starts_at)] |= status == Offer.Status.ACCEPTED
    counts = ((clinic_time.local_date(starts_at), int(was_taken), 1) for (_, starts_at), was_taken in taken.items())
    return ratio_by_day(counts, days_of(scope.first_day, scope.last_day))


FIGURE = RatioFigure(
    name="waitlist_fill_rate",
    title="Waitlist fill rate",
    definition="Freed times offered to the waitlist that a waiting patient took, over freed times offered. One "
    "freed time is one practitioner's start time, however many patients it was offered to in turn; "
    "counted on the day it starts.",
    part_label="Freed times taken",
    whole_label="Freed times offered",
    compute=fill_rate,
)
