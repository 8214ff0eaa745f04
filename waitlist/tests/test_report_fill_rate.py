"""The waitlist's figure in the reports: of the freed times offered to people waiting, how many were taken."""

from __future__ import annotations

import pytest

from scheduling.tests.staff import member_of
from waitlist import offers
from waitlist.models import Offer
from waitlist.tests.freed_time import cancel

pytestmark = pytest.mark.django_db


def test_the_fill_rate_counts_each_freed_time_once_and_whether_it_was_taken(
    api, join, booked, book, day, run_worker, inbox
):
    join("Grace Hopper")
    cancel(api, booked)  # 10:00 comes free
    run_worker()
    offers.accept(Offer.objects.get(entry__patient_name="Grace Hopper"), via="api")

    later = book(day, "11:00", patient_name="Bob").json()
    join("Alan Turing", earliest_time="11:00", latest_time="11:30")
    cancel(api, later)  # 11:00 comes free
    run_worker()
    offers.decline(Offer.objects.get(entry__patient_name="Alan Turing", status="open"), via="api")
    run_worker()

    api.force_authenticate(member_of("manager", "manager"))
    body = api.get("/api/calendly/reports", {"from": day.isoformat(), "to": day.isoformat()}).json()
    [fill_rate] = body["more"]
    assert fill_rate["title"] == "Waitlist fill rate"
    assert (fill_rate["part"], fill_rate["whole"], fill_rate["ratio"]) == (1, 2, 0.5)
    assert fill_rate["days"] == [{"date": day.isoformat(), "part": 1, "whole": 2, "ratio": 0.5}]

    elsewhere = api.get(
        "/api/calendly/reports", {"from": day.isoformat(), "to": day.isoformat(), "practitioner": "clinic"}
    )
    assert elsewhere.json()["more"][0]["whole"] == 2
