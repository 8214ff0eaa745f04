"""A waitlist entry's link ends as a booking's does: `MANAGE_LINK_DAYS_AFTER_VISIT` days after the entry's
latest day, the API answers 410 for its token and nothing of the entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from scheduling.tests.staff import staff_member
from waitlist.models import Entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def joined(join) -> dict:
    response = join("Grace Hopper")
    assert response.status_code == 201
    return response.json()


def entry_url(joined: dict) -> str:
    return f"/api/calendly/waitlist/{joined['waitlist_id']}?token={joined['manage_token']}"


def ends(joined: dict):
    return Entry.objects.get(reference=joined["waitlist_id"]).link_expires_at


def test_the_entrys_link_works_until_its_end(api, joined, settings):
    settings.MANAGE_LINK_DAYS_AFTER_VISIT = 30
    with time_machine.travel(ends(joined) - timedelta(hours=1), tick=False):
        assert api.get(entry_url(joined)).status_code == 200


def test_past_its_end_the_entrys_link_is_gone(api, joined, settings):
    settings.MANAGE_LINK_DAYS_AFTER_VISIT = 30
    with time_machine.travel(ends(joined), tick=False):
        response = api.get(entry_url(joined))
        leave = api.delete(entry_url(joined))
    assert (response.status_code, leave.status_code) == (410, 410)
    assert response.json()["code"] == "link_expired"
    assert "Grace" not in response.content.decode()
    assert Entry.objects.get(reference=joined["waitlist_id"]).status == "waiting"


def test_staff_still_see_an_entry_whose_link_ended(api, joined):
    api.force_authenticate(staff_member("desk", "waitlist.view_entry", "scheduling.view_every_practitioner"))
    with time_machine.travel(ends(joined) + timedelta(days=1), tick=False):
        assert api.get(f"/api/calendly/waitlist/{joined['waitlist_id']}").status_code == 200
