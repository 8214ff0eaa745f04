"""The admin's reports page: what a manager, a practitioner and a receptionist see."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from scheduling.tests.staff import member_of

pytestmark = pytest.mark.django_db

URL = "/admin/scheduling/reports/"


@pytest.fixture
def visits(book, tomorrow, make_practitioner, consultation):
    own = make_practitioner("dr-own", types=[consultation], name="Dr Own")
    book(tomorrow, "09:00", practitioner="clinic")
    book(tomorrow, "11:00", practitioner="dr-own")
    return own


def test_a_manager_sees_each_figure_with_a_chart_and_its_table(client, sign_in_past_mfa, visits, tomorrow, today):
    sign_in_past_mfa(client, member_of("manager", "manager"))
    index = client.get("/admin/")
    assert URL in index.text and "Utilisation, no-shows" in index.text

    page = client.get(URL)  # the last four weeks, everyone
    assert page.status_code == 200
    assert f'value="{(today - timedelta(days=27)).isoformat()}"' in page.text
    assert f'value="{today.isoformat()}"' in page.text

    day = tomorrow.isoformat()
    page = client.get(URL, {"from": day, "to": day, "practitioner": ""})
    text = page.text
    for heading in ("Utilisation", "No-show rate", "Late cancellations", "Cancellations by reason", "Lead time"):
        assert f">{heading}</h2>" in text
    assert ">Waitlist fill rate</h2>" in text
    charts = re.findall(r'<svg [^>]*role="img"[^>]*>\s*<title id="[^"]+">[^<]+</title><desc id="[^"]+">', text)
    assert len(charts) == 6
    assert "<script" not in text.split('id="utilisation"')[1]
    assert f'<th scope="row">{day}</th><td class="number">60</td><td class="number">960</td>' in text
    assert "6.2%" in text  # 60 of 960 open minutes
    assert "Download CSV" in text and "format=csv" in text
    assert "Rahul Sharma" not in text  # aggregates only

    download = client.get(URL, {"from": day, "to": day, "format": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    assert f"utilisation,{day},,booked_minutes,60" in download.content.decode()


def test_a_practitioner_sees_their_own_figures_only(client, sign_in_past_mfa, visits, tomorrow):
    sign_in_past_mfa(client, member_of("practitioner", "dr-own-login", visits))
    day = tomorrow.isoformat()
    page = client.get(URL, {"from": day, "to": day})
    assert page.status_code == 200
    assert f'<th scope="row">{day}</th><td class="number">30</td><td class="number">480</td>' in page.text
    assert ">Everyone<" not in page.text and ">Clinic<" not in page.text
    other = client.get(URL, {"from": day, "to": day, "practitioner": "clinic"})
    assert "Select a valid choice" in other.text and 'id="utilisation"' not in other.text


def test_a_receptionist_is_refused_and_not_shown_the_link(client, sign_in_past_mfa):
    sign_in_past_mfa(client, member_of("receptionist", "desk"))
    assert client.get(URL).status_code == 403
    assert URL not in client.get("/admin/").text


def test_a_bad_range_is_explained_on_the_form(client, sign_in_past_mfa):
    sign_in_past_mfa(client, member_of("manager", "manager"))
    page = client.get(URL, {"from": "2026-01-10", "to": "2026-01-09"})
    assert page.status_code == 200 and "to cannot be before from." in page.text
    page = client.get(URL, {"from": "2026-02-30"})
    assert page.status_code == 200 and "Enter a valid date." in page.text
    page = client.get(URL, {"from": "2024-01-01", "to": "2026-01-01"})
    assert "A report covers at most 366 days." in page.text
