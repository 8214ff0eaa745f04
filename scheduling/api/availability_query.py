"""The availability query read on the hot path: the same rules as `AvailabilityQuery`, without DRF.

Patients' apps poll availability; building and validating a serializer costs more than the whole cached
answer. `parse` accepts exactly what `AvailabilityQuery` accepts and gives the same values (a test proves
it); whatever it refuses goes to the serializer, which says what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from scheduling import clinic_time
from scheduling.api.fields import FURTHEST_DAY, ISO_DATE_SHAPE
from scheduling.api.serializers import MAX_RANGE_DAYS
from scheduling.reference import reference_data
from scheduling.rules import last_bookable_day

DATE_FIELDS = ("date", "start_date", "end_date")


def _bookable_day(text: str, today: date) -> date | None:
    if not ISO_DATE_SHAPE.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if today <= day <= today + FURTHEST_DAY else None


def parse(params: Mapping[str, str], now: datetime) -> dict | None:
    """`AvailabilityQuery(data=params).validated_data` when it is valid, else None.

    `params` is a QueryDict: like DRF, `get` takes the last of repeated values.
    """
    reference = reference_data()
    today = clinic_time.local_date(now)
    query = {}
    appointment_type = reference.types.get(params.get("appointment_type"))
    if appointment_type is None:
        return None
    query["appointment_type"] = appointment_type
    slug = params.get("practitioner")
    if slug is not None:
        practitioner = reference.practitioners.get(slug)
        if practitioner is None:
            return None
        query["practitioner"] = practitioner
    for name in DATE_FIELDS:
        text = params.get(name)
        if text is not None:
            day = _bookable_day(text, today)
            if day is None:
                return None
            query[name] = day
    day, first, last = query.get("date"), query.get("start_date"), query.get("end_date")
    if (day or first) and (day or first) > last_bookable_day(appointment_type, now):
        return None
    if day:
        return None if first or last else query
    if not (first and last) or last < first or (last - first).days + 1 > MAX_RANGE_DAYS:
        return None
    return query
