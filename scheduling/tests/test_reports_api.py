"""GET /api/calendly/reports: what a manager, a receptionist and a practitioner get, as JSON and CSV, and
every bad query answered 400 naming its field."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from scheduling.tests.staff import member_of

pytestmark = pytest.mark.django_db

URL = "/api/calendly/reports"


@pytest.fixture
def own(make_practitioner, consultation):
    return make_practitioner("dr-own", types=[consultation])


@pytest.fixture
def visits(book, tomorrow, own):
    """Two consultations with the clinic tomorrow (one cancelled by the patient, 'Feeling better.'), one with
    Dr Own."""
    kept = book(tomorrow, "09:00", practitioner="clinic").json()
    gone = book(tomorrow, "10:00", practitioner="clinic").json()
    theirs = book(tomorrow, "11:00", practitioner="dr-own").json()
    cancelled = APIClient().post(
        f"/api/calendly/bookings/{gone['booking_id']}/cancel?token={gone['manage_token']}",
        {"reason": "Feeling better."},
        format="json",
    )
    assert cancelled.status_code == 200, cancelled.json()
    return kept, gone, theirs


@pytest.fixture
def manager(api):
    api.force_authenticate(member_of("manager", "manager"))
    return api


def test_a_manager_sees_every_figure_for_the_range(manager, visits, tomorrow):
    day = tomorrow.isoformat()
    body = manager.get(URL, {"from": day, "to": day}).json()
    assert (body["from"], body["to"], body["practitioner"]) == (day, day, None)
    assert body["utilisation"]["booked_minutes"] == 60  # the clinic's 09:00 and Dr Own's 11:00
    assert body["utilisation"]["open_minutes"] == 2 * 8 * 60
    assert body["utilisation"]["ratio"] == 60 / 960
    assert body["utilisation"]["days"] == [{"date": day, "booked_minutes": 60, "open_minutes": 960, "ratio": 60 / 960}]
    assert (body["no_shows"]["no_shows"], body["no_shows"]["visits_due"], body["no_shows"]["ratio"]) == (0, 0, None)
    assert body["late_cancellations"]["cancellations"] == 1
    assert body["cancellation_reasons"] == [
        {"reason": "feeling better", "by_patient": 1, "by_staff": 0, "not_recorded": 0, "total": 1}
    ]
    assert body["lead_time"]["bookings"] == 2
    assert 0 < body["lead_time"]["median_hours"] <= 48
    [fill_rate] = body["more"]
    assert (fill_rate["name"], fill_rate["part"], fill_rate["whole"]) == ("waitlist_fill_rate", 0, 0)
    assert "patient_name" not in str(body) and "Rahul" not in str(body)


def test_one_practitioner_and_the_default_four_weeks(manager, visits, today):
    body = manager.get(URL, {"practitioner": "dr-own"}).json()
    assert (body["from"], body["to"]) == ((today - timedelta(days=27)).isoformat(), today.isoformat())
    assert body["practitioner"] == "dr-own"
    assert len(body["utilisation"]["days"]) == 28
    assert body["utilisation"]["open_minutes"] == 28 * 8 * 60
    assert body["utilisation"]["booked_minutes"] == 0  # the visit is tomorrow, after the range


def test_the_csv_has_every_figure_in_one_file(manager, visits, tomorrow):
    day = tomorrow.isoformat()
    for response in (
        manager.get(URL, {"from": day, "to": day, "format": "csv"}),
        manager.get(URL, {"from": day, "to": day}, HTTP_ACCEPT="text/csv"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert f'filename="report-{day}-{day}-everyone.csv"' in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == ["figure", "date", "item", "measure", "value"]
        assert ["utilisation", day, "", "booked_minutes", "60"] in rows
        assert ["reasons", "", "feeling better", "by_patient", "1"] in rows
        assert {row[0] for row in rows[1:]} == {
            "report",
            "utilisation",
            "no_shows",
            "late_cancellations",
            "reasons",
            "lead_time",
            "waitlist_fill_rate",
        }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"to": "03/12/2026"}, "to"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),  # 367 days
        ({"from": "2026-01-10", "to": "2026-01-09"}, "to"),
        ({"practitioner": "nobody"}, "practitioner"),
        ({"practitioner": ""}, "practitioner"),
        ({"since": "2026-01-01"}, "since"),
    ],
)
def test_a_bad_query_is_a_400_naming_the_field(manager, query, field):
    for asked in (query, {**query, "format": "csv"}):
        response = manager.get(URL, asked)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert field in response.json()["errors"], response.json()


def test_a_year_is_allowed(manager):
    assert manager.get(URL, {"from": "2025-01-01", "to": "2026-01-01"}).status_code == 200  # 366 days


def test_a_receptionist_and_anonymous_callers_are_refused(api, visits):
    assert api.get(URL).status_code in (401, 403)
    api.force_authenticate(member_of("receptionist", "desk"))
    response = api.get(URL)
    assert response.status_code == 403
    assert "scheduling.view_reports" in response.json()["detail"]


def test_a_practitioner_sees_their_own_figures_only(api, visits, own, tomorrow):
    api.force_authenticate(member_of("practitioner", "dr-own-login", own))
    day = tomorrow.isoformat()
    body = api.get(URL, {"from": day, "to": day}).json()
    assert body["utilisation"]["booked_minutes"] == 30
    assert body["utilisation"]["open_minutes"] == 8 * 60
    assert body["cancellation_reasons"] == []  # the cancellation was the clinic's
    refused = api.get(URL, {"from": day, "to": day, "practitioner": "clinic"})
    assert refused.status_code == 400 and "practitioner" in refused.json()["errors"]


@pytest.mark.parametrize("asked", ["xlsx", ""])  # DRF's own answers: 404, and JSON for an empty one
def test_an_unknown_or_empty_format_is_a_400_naming_it(manager, asked):
    response = manager.get(URL, {"format": asked})
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert response.json()["errors"] == {"format": ["One of json, csv."]}
