"""Two patients asking at once, through real gunicorn workers, for courses (`fail`: all or nothing) that
share weekly dates with one practitioner: one course is booked whole, the other gets 409 and leaves no
booking and no course behind, whichever worker each request reached. Run on the suite's engine."""

import json
from datetime import timedelta

import pytest

from scheduling import clinic_time
from scheduling.tests.live import database_of_this_run, fire_together, manage, server_env, servers

pytestmark = pytest.mark.live_server_process

ROUNDS = 6
VISITS = 4

COURSES_AT = """
import json
from datetime import time
from django.db.models import Count
from scheduling.models import Booking, BookingSeries
at = time.fromisoformat("{start}")
courses = BookingSeries.objects.filter(start_time=at).annotate(visits=Count("bookings"))
loose = Booking.objects.filter(series__isnull=True, appointment_type__slug="therapy").count()
print(json.dumps({{"courses": sorted(c.visits for c in courses), "loose": loose}}))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("series-races")
    with database_of_this_run(tmp_path) as database_url:
        env = server_env(tmp_path, database_url)
        manage(env, "migrate", "--noinput")
        manage(
            env,
            "shell",
            "-c",
            "from scheduling.models import *; AppointmentType.objects.filter(slug='therapy').update(allow_series=True)",
        )
        with servers(env, workers=4) as (running,):
            yield running.url, env


def course(start: str, first_week: int, patient: str) -> dict:
    first_day = clinic_time.today() + timedelta(weeks=first_week)
    return {
        "appointment_type": "therapy",
        "practitioner": "clinic",
        "start_date": first_day.isoformat(),
        "start_time": start,
        "weekdays": [first_day.strftime("%A").lower()],
        "count": VISITS,
        "on_conflict": "fail",
        "patient_name": patient,
    }


def courses_at(env, start: str) -> dict:
    return json.loads(manage(env, "shell", "-c", COURSES_AT.format(start=start)).strip().splitlines()[-1])


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_courses_for_the_same_weekly_slot_book_one_whole_and_refuse_the_other(server, round_):
    url, env = server
    start = f"{9 + round_:02d}:00"
    # Even rounds ask for the very same dates; odd ones share only the last two of one and the first two
    # of the other, so the loser may have written its first dates before it met the winner's.
    second_from = 1 if round_ % 2 == 0 else 3
    calls = [
        ("POST", f"{url}/api/calendly/series", course(start, 1, f"Patient A{round_}")),
        ("POST", f"{url}/api/calendly/series", course(start, second_from, f"Patient B{round_}")),
    ]

    results = fire_together(calls)

    statuses = sorted(status for status, _ in results)
    print(f"\nround {round_} at {start}: {statuses}")
    assert statuses == [201, 409], results
    booked = next(answer for status, answer in results if status == 201)
    refused = next(answer for status, answer in results if status == 409)
    assert [o["status"] for o in booked["occurrences"]] == ["booked"] * VISITS
    assert refused["code"] == "series_conflict"
    assert "booked" not in {o["status"] for o in refused["occurrences"]}
    assert courses_at(env, start) == {"courses": [VISITS], "loose": 0}  # no partial course, no stray visit
