"""An appointment type nobody offers cannot be booked: staff who leave one so are told on save, and where to
fix it."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from scheduling.models import AppointmentType

pytestmark = pytest.mark.django_db

NOBODY = "Nobody offers"


def said(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


def type_form(**fields):
    return {
        "name": "Vaccination",
        "slug": "vaccination",
        "duration_minutes": 15,
        "is_active": "on",
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "min_notice_minutes": 0,
        "horizon_days": 90,
        "patient_change_cutoff_minutes": 0,
        "reminder_minutes": "24h",
        "capacity": 1,
        **{f"{prefix}-{n}": v for prefix in ("requirements", "intake_questions") for n, v in FORMSET_EMPTY.items()},
        **fields,
    }


def practitioner_form(practitioner, types):
    return {
        "name": practitioner.name,
        "slug": practitioner.slug,
        "appointment_types": [t.pk for t in types],
        "is_active": "on",
        **{f"{prefix}-{n}": v for prefix in ("opening_hours", "time_off") for n, v in FORMSET_EMPTY.items()},
    }


FORMSET_EMPTY = {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000}


def test_a_new_type_nobody_offers_says_so_and_links_to_the_practitioners(admin_client):
    response = admin_client.post(reverse("admin:scheduling_appointmenttype_add"), type_form())

    assert response.status_code == 302
    assert AppointmentType.objects.filter(slug="vaccination").exists()
    message = said(response)
    assert "Nobody offers Vaccination yet, so patients cannot book it" in message
    assert reverse("admin:scheduling_practitioner_changelist") in message


def test_a_type_somebody_offers_saves_without_a_warning(admin_client, consultation):
    url = reverse("admin:scheduling_appointmenttype_change", args=[consultation.pk])
    response = admin_client.post(url, type_form(name="Consultation", slug="consultation", duration_minutes=30))

    assert response.status_code == 302
    assert NOBODY not in said(response)


def test_an_inactive_type_nobody_offers_saves_without_a_warning(admin_client):
    form = type_form()
    del form["is_active"]
    assert NOBODY not in said(admin_client.post(reverse("admin:scheduling_appointmenttype_add"), form))


def test_a_practitioner_who_stops_offering_the_last_type_is_told(
    admin_client, clinic, consultation, follow_up, therapy
):
    url = reverse("admin:scheduling_practitioner_change", args=[clinic.pk])

    response = admin_client.post(url, practitioner_form(clinic, [follow_up, therapy]))

    assert response.status_code == 302
    assert "Nobody offers Consultation yet" in said(response)
    assert set(clinic.appointment_types.all()) == {follow_up, therapy}


def test_a_type_still_offered_by_another_practitioner_is_no_warning(
    admin_client, clinic, consultation, follow_up, therapy, make_practitioner
):
    make_practitioner("dr-rao", types=[consultation])
    url = reverse("admin:scheduling_practitioner_change", args=[clinic.pk])

    response = admin_client.post(url, practitioner_form(clinic, [follow_up, therapy]))

    assert NOBODY not in said(response)
