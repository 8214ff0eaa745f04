"""The reports' time on the database the bench prepared, run inside Django by bench/run.py:

    manage.py shell -c "from bench.report_timing import main; main()"

Prints one JSON line per range: every practitioner, warm (the second of two runs), with its queries."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling import clinic_time, reports
from scheduling.models import Booking
from scheduling.reference import reference_data

RANGES = {"4 weeks": 28, "a year": 366}


def main() -> None:
    practitioners = list(reference_data().practitioners.values())
    today, now = clinic_time.today(), clinic_time.now()
    bookings = Booking.objects.count()
    for label, days in RANGES.items():
        first = today - timedelta(days=days - 1)
        reports.report(first, today, practitioners, chosen=None, now=now)  # warms the reference data
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            made = reports.report(first, today, practitioners, chosen=None, now=now)
            seconds = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "range": label,
                    "practitioners": len(practitioners),
                    "bookings_in_db": bookings,
                    "bookings_in_range": made.lead_time.bookings,
                    "ms": round(seconds * 1000, 1),
                    "queries": len(queries),
                    "utilisation": made.utilisation.ratio,
                }
            )
        )
