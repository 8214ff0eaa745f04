"""Intake in the admin: a type's questions edited inline beside the standard ones, and the answers as asked
on the booking's page and the day schedule, where reading them is logged as reading the booking is, and
reached only by staff whose role reaches the booking."""

import re
from datetime import time

import pytest
from django.urls import reverse

from scheduling import bookings
from scheduling.models import IntakeQuestion, PatientDataRead
from scheduling.tests.intake_questions import GOOD, ask_questions
from scheduling.tests.staff import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(consultation, clinic, tomorrow):
    ask_questions(consultation)
    booking, _ = bookings.book(
        bookings.RequestedSlot(consultation, tomorrow, time(10)),
        patient=bookings.PatientDetails("Ada Lovelace", "ada@example.com", answers=GOOD),
    )
    return booking


def test_the_type_page_has_the_standard_questions_and_its_own_inline(admin_client, consultation):
    ask_questions(consultation)
    page = admin_client.get(reverse("admin:scheduling_appointmenttype_change", args=[consultation.pk])).content.decode()
    assert "Standard questions" in page
    assert 'name="requires_birth_date"' in page and 'name="asks_new_patient"' in page
    assert "Intake questions (asked after the patient&#x27;s details, in position order)" in page
    assert 'value="What brings you in?"' in page


def test_staff_add_a_question_inline_and_a_one_choice_question_is_refused(admin_client, follow_up):
    url = reverse("admin:scheduling_appointmenttype_change", args=[follow_up.pk])
    page = admin_client.get(url)
    form = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    form.update(
        {
            "reminder_minutes": "24h",
            "requirements-TOTAL_FORMS": "0",
            "requirements-INITIAL_FORMS": "0",
            "intake_questions-TOTAL_FORMS": "1",
            "intake_questions-INITIAL_FORMS": "0",
            "intake_questions-0-label": "Which side?",
            "intake_questions-0-slug": "side",
            "intake_questions-0-kind": "choice",
            "intake_questions-0-choices": '["Left"]',
            "intake_questions-0-clinical": "on",
            "intake_questions-0-position": "1",
        }
    )
    for name in ("is_active", "requires_birth_date", "asks_new_patient", "allow_series"):
        if form.get(name) is False:
            form.pop(name)
        elif form.get(name) is True:
            form[name] = "on"
    refused = admin_client.post(url, form)
    assert refused.status_code == 200
    assert "A choice question offers at least two choices." in refused.content.decode()
    assert not IntakeQuestion.objects.exists()
    form["intake_questions-0-choices"] = '["Left", "Right"]'
    saved = admin_client.post(url, form)
    assert saved.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", saved.content.decode(), re.S)
    question = IntakeQuestion.objects.get()
    assert (question.label, question.choices, question.clinical) == ("Which side?", ["Left", "Right"], True)


def test_the_booking_page_shows_the_answers_as_asked(admin_client, answered):
    IntakeQuestion.objects.filter(slug="symptoms").update(label="Reworded later")
    page = admin_client.get(reverse("admin:scheduling_booking_change", args=[answered.pk])).content.decode()
    assert "Intake answers" in page
    assert "<dt>What brings you in?</dt>" in page and "Reworded later" not in page
    assert "<dd>Sore knee after running</dd>" in page
    assert "(not clinical)" in page  # the new-patient question
    assert "<dd>Yes</dd>" in page


def test_the_day_schedule_shows_the_answers_and_logs_the_read(admin_client, answered, tomorrow):
    PatientDataRead.objects.all().delete()
    page = admin_client.get(reverse("admin:scheduling_booking_day"), {"date": tomorrow.isoformat()}).content.decode()
    assert "Intake answers (4)" in page
    assert "<dd>Sore knee after running</dd>" in page
    assert PatientDataRead.objects.filter(booking=answered).exists()


def test_a_practitioner_does_not_see_another_practitioners_answers(
    client, sign_in_past_mfa, answered, make_practitioner, tomorrow
):
    other = make_practitioner("other", types=[answered.appointment_type])
    user = member_of("practitioner", "dr-other", other)
    sign_in_past_mfa(client, user)
    response = client.get(reverse("admin:scheduling_booking_day"), {"date": tomorrow.isoformat()})
    assert response.status_code == 200 and "Day schedule" in response.content.decode()  # signed in, and sees the day
    assert "Sore knee" not in response.content.decode()
    assert client.get(reverse("admin:scheduling_booking_change", args=[answered.pk])).status_code in (302, 403, 404)
