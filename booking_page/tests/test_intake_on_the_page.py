"""The details step asks the type's intake questions after the patient's fields, refuses wrong answers in
the page's error summary (keeping what was typed), and the booking keeps the answers as asked. No JS."""

import re

import pytest

from booking_page.tests.html import text
from booking_page.tests.patient import PATIENT
from scheduling.models import Booking, IntakeQuestion
from scheduling.tests.intake_questions import ask_questions

pytestmark = pytest.mark.django_db

ANSWERED = {
    "answer-new-patient": "yes",
    "answer-symptoms": "Sore knee after running",
    "answer-area": "Back",
    "answer-since": "2026-01-02",
    "answer-heard-of-us": "A friend",
}


@pytest.fixture
def asked(consultation):
    return ask_questions(consultation)


def test_the_questions_come_after_the_patient_fields_each_as_its_kind(asked, clinic, choose_time, tomorrow):
    page = choose_time(tomorrow, "11:00").content.decode()
    names = re.findall(r'name="([^"]+)"', page)
    assert names.index("reason_for_visit") < names.index("answer-new-patient") < names.index("answer-symptoms")
    assert '<textarea name="answer-symptoms"' in page
    assert 'type="date" name="answer-since"' in page
    assert page.count('type="radio" name="answer-area"') == 2
    assert page.count('type="radio" name="answer-new-patient"') == 2
    assert 'type="text" name="answer-heard-of-us"' in page
    # The help text is tied to its field for screen readers.
    assert 'id="id_answer-symptoms_helptext"' in page
    assert re.search(r'<textarea[^>]*aria-describedby="id_answer-symptoms_helptext"', page)
    shown = text(choose_time(tomorrow, "11:30"))
    assert "Is this your first visit to the clinic? (required)" in shown
    assert "What brings you in? (required)" in shown
    assert "Where does it hurt? (optional)" in shown and "How did you hear of us? (optional)" in shown
    # Text answers say their limit, as the patient's own fields do, and count down to it.
    assert "A few words are enough. Up to 2000 characters." in shown
    assert "How did you hear of us? (optional) Up to 200 characters." in shown
    assert re.search(r'<textarea[^>]*data-limit="2000"', page) and 'id="id_answer-symptoms_counter"' in page
    assert "maxlength" not in page.split('name="answer-new-patient"')[1]


def test_answers_are_kept_with_the_booking_as_asked(asked, clinic, book_on_page, tomorrow):
    book_on_page(tomorrow, "11:00", **ANSWERED)
    kept = {a["slug"]: (a["label"], a["answer"]) for a in Booking.objects.get().intake_answers}
    assert kept == {
        "new-patient": ("Is this your first visit to the clinic?", True),
        "symptoms": ("What brings you in?", "Sore knee after running"),
        "area": ("Where does it hurt?", "Back"),
        "since": ("Since when?", "2026-01-02"),
        "heard-of-us": ("How did you hear of us?", "A friend"),
    }


def test_wrong_answers_are_listed_in_the_summary_and_what_was_typed_stays(
    asked, clinic, choose_time, send_details, tomorrow
):
    details = choose_time(tomorrow, "11:00")
    typed = {**ANSWERED, "answer-new-patient": "", "answer-symptoms": "", "answer-since": "someday"}
    typed["answer-heard-of-us"] = "x" * 201
    refused = send_details(details, {**PATIENT, **typed, "answer-area": "Back"})
    shown = text(refused)
    assert "Please correct the following" in shown
    assert "Is this your first visit to the clinic?: This question must be answered." in shown
    assert "What brings you in?: This question must be answered." in shown
    assert "Since when?: Give a date as YYYY-MM-DD." in shown
    assert "How did you hear of us?: At most 200 characters (this answer has 201)." in shown
    page = refused.content.decode()
    assert 'href="#id_answer-new-patient_0"' in page  # the summary's link lands on the first radio
    assert re.search(r'value="Back"[^>]*checked', page)  # kept on re-render
    assert 'value="someday"' in page
    assert Booking.objects.get().status == Booking.Status.HELD
    assert Booking.objects.get().intake_answers is None


def test_a_question_removed_while_the_patient_typed_is_asked_again_not_a_lost_time(
    asked, clinic, choose_time, send_details, tomorrow
):
    details = choose_time(tomorrow, "11:00")
    IntakeQuestion.objects.create(appointment_type=asked, slug="allergies", label="Any allergies?", required=True)
    again = send_details(details, {**PATIENT, **ANSWERED})
    assert again.status_code == 200
    assert "Any allergies?: This question must be answered." in text(again)
    assert Booking.objects.get().status == Booking.Status.HELD


def test_a_type_without_questions_shows_none(clinic, choose_time, tomorrow):
    assert "answer-" not in choose_time(tomorrow, "11:00", "follow-up").content.decode()


def test_a_question_reworded_while_the_patient_typed_is_asked_again_then_kept_as_reworded(
    asked, clinic, choose_time, send_details, tomorrow
):
    details = choose_time(tomorrow, "11:00")
    IntakeQuestion.objects.filter(appointment_type=asked, slug="area").update(label="Which part hurts?")
    again = send_details(details, {**PATIENT, **ANSWERED})
    shown = text(again)
    assert "The clinic changed its questions while you were answering." in shown
    assert "Which part hurts?" in shown
    assert re.search(r'value="Back"[^>]*checked', again.content.decode())  # what was typed stays
    assert Booking.objects.get().status == Booking.Status.HELD
    # Sent again, the answer is kept under the wording the patient now read.
    booked = send_details(again, {**PATIENT, **ANSWERED})
    assert booked.status_code == 200
    kept = {a["slug"]: a["label"] for a in Booking.objects.get().intake_answers}
    assert kept["area"] == "Which part hurts?"
    assert Booking.objects.get().status == Booking.Status.CONFIRMED
