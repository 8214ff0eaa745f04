"""A practitioner's account opens, as staff, the waitlist entries for their own practitioner only; another's
entry, or one for any practitioner, opens only with its token, as the patient would open it."""

from __future__ import annotations

import pytest

from scheduling.models import PatientDataRead, Practitioner
from scheduling.tests.staff import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor(db):
    return member_of("practitioner", "dr-clinic", Practitioner.objects.get(slug="clinic"))


def test_a_practitioner_sees_the_entries_for_them_and_logs_the_read(api, join, doctor):
    joined = join("Grace Hopper", practitioner="clinic").json()
    api.force_authenticate(doctor)
    shown = api.get(f"/api/calendly/waitlist/{joined['waitlist_id']}")
    assert (shown.status_code, shown.json()["patient_name"]) == (200, "Grace Hopper")
    read = PatientDataRead.objects.get()
    assert (read.actor, read.action, read.channel, read.patient.given_name) == (doctor, "viewed", "api", "Grace")


def test_an_entry_for_any_practitioner_opens_only_with_its_token(api, join, doctor):
    joined = join("Ada Lovelace").json()  # any practitioner: nobody's own
    api.force_authenticate(doctor)
    assert api.get(f"/api/calendly/waitlist/{joined['waitlist_id']}").status_code == 404
    with_token = api.get(f"/api/calendly/waitlist/{joined['waitlist_id']}", {"token": joined["manage_token"]})
    assert with_token.status_code == 200
    assert not PatientDataRead.objects.exists()  # the patient's own look, not a staff read
