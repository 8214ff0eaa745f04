"""Intake questions through the API: the types list them, booking answers them (refused per question, with
nothing stored), and the booking keeps each answer with the question as it was asked."""

from datetime import timedelta

import pytest

from scheduling import intake
from scheduling.models import Booking, IntakeQuestion, Patient
from scheduling.tests.intake_questions import GOOD, ask_questions
from scheduling.tests.staff import FRONT_DESK, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(consultation):
    return ask_questions(consultation)


def test_the_types_list_their_questions_standard_first(api, asked):
    listed = api.get(f"/api/calendly/appointment-types/{asked.slug}").json()["questions"]
    assert [q["slug"] for q in listed] == ["new-patient", "symptoms", "area", "since", "heard-of-us"]
    assert listed[0] == {
        "slug": "new-patient",
        "label": "Is this your first visit to the clinic?",
        "kind": "yes_no",
        "choices": [],
        "required": True,
        "help_text": "",
        "clinical": False,
    }
    assert listed[2]["choices"] == ["Knee", "Back"]
    assert listed[1]["clinical"] is True
    assert listed[4]["clinical"] is False


def test_a_type_without_questions_lists_none(api, follow_up):
    assert api.get(f"/api/calendly/appointment-types/{follow_up.slug}").json()["questions"] == []


def test_answers_are_kept_with_the_question_as_asked(book, asked, tomorrow):
    response = book(tomorrow, "10:00", answers=GOOD)
    assert response.status_code == 200, response.json()
    booking = Booking.objects.get(reference=response.json()["booking_id"])
    assert booking.intake_answers == [
        {"slug": "new-patient", "label": "Is this your first visit to the clinic?", "kind": "yes_no",
         "clinical": False, "answer": True},
        {"slug": "symptoms", "label": "What brings you in?", "kind": "long_text", "clinical": True,
         "answer": "Sore knee after running"},
        {"slug": "area", "label": "Where does it hurt?", "kind": "choice", "clinical": True, "answer": "Knee"},
        {"slug": "since", "label": "Since when?", "kind": "date", "clinical": True, "answer": "2026-01-02"},
    ]  # fmt: skip
    # Rewording or deleting a question later changes nothing the patient answered.
    IntakeQuestion.objects.filter(slug="symptoms").update(label="Reworded")
    IntakeQuestion.objects.filter(slug="area").delete()
    booking.refresh_from_db()
    assert [a["label"] for a in booking.intake_answers][1:3] == ["What brings you in?", "Where does it hurt?"]


@pytest.mark.parametrize(
    ("answers", "slug", "words"),
    [
        ({**GOOD, "unknown": "x"}, "unknown", "asks no such question"),
        ({k: v for k, v in GOOD.items() if k != "symptoms"}, "symptoms", "must be answered"),
        ({**GOOD, "symptoms": "   "}, "symptoms", "must be answered"),
        ({k: v for k, v in GOOD.items() if k != "new-patient"}, "new-patient", "must be answered"),
        ({**GOOD, "area": "Elbow"}, "area", "Choose one of: Knee, Back."),
        ({**GOOD, "area": ["Knee"]}, "area", "Answer with text."),
        ({**GOOD, "new-patient": "yes"}, "new-patient", "Answer true or false."),
        ({**GOOD, "new-patient": 1}, "new-patient", "Answer true or false."),
        ({**GOOD, "new-patient": "   "}, "new-patient", "Answer true or false."),
        ({**GOOD, "new-patient": None}, "new-patient", "must be answered"),
        ({**GOOD, "since": "2026-02-30"}, "since", "YYYY-MM-DD"),
        ({**GOOD, "since": "20260102"}, "since", "YYYY-MM-DD"),
        ({**GOOD, "symptoms": "x" * 2001}, "symptoms", "At most 2000 characters (this answer has 2001)."),
        ({**GOOD, "heard-of-us": "x" * 201}, "heard-of-us", "At most 200 characters"),
        ({**GOOD, "heard-of-us": "a\nb"}, "heard-of-us", "Control characters"),
        ({**GOOD, "symptoms": 42}, "symptoms", "Answer with text."),
    ],
)
def test_a_wrong_answer_is_refused_naming_the_question_and_nothing_is_stored(
    book, asked, tomorrow, answers, slug, words
):
    response = book(tomorrow, "10:00", patient_email="ada@example.com", answers=answers)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["answers"]
    assert slug in body["errors"]["answers"]
    assert words in " ".join(body["errors"]["answers"][slug])
    assert not Booking.objects.exists()
    assert not Patient.objects.exists()


def test_null_leaves_an_optional_question_unanswered(book, asked, tomorrow):
    response = book(tomorrow, "10:00", answers={**GOOD, "area": None, "heard-of-us": None})
    assert response.status_code == 200, response.json()
    kept = Booking.objects.get(reference=response.json()["booking_id"]).intake_answers
    assert [answer["slug"] for answer in kept] == ["new-patient", "symptoms", "since"]


def test_every_question_at_fault_is_named_at_once(book, asked, tomorrow):
    response = book(tomorrow, "10:00", answers={"area": "Elbow", "since": "soon"})
    assert set(response.json()["errors"]["answers"]) == {"new-patient", "symptoms", "area", "since"}


@pytest.mark.parametrize("answers", ["Knee", ["Knee"], 3, {str(n): "x" for n in range(101)}])
def test_answers_that_are_not_an_object_are_refused(book, asked, tomorrow, answers):
    response = book(tomorrow, "10:00", answers=answers)
    assert response.status_code == 400
    assert "answers" in response.json()["errors"]
    assert not Booking.objects.exists()


def test_a_type_that_asks_nothing_refuses_any_answer(book, follow_up, tomorrow):
    response = book(tomorrow, "10:00", "follow-up", answers={"symptoms": "x"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"answers": {"symptoms": ["This appointment type asks no such question."]}}


def test_no_answers_to_a_type_that_asks_nothing_stores_none(book, follow_up, tomorrow):
    response = book(tomorrow, "10:00", "follow-up")
    assert response.status_code == 200
    assert Booking.objects.get().intake_answers is None


def test_a_hold_is_confirmed_with_answers_checked_against_its_type(api, asked, tomorrow):
    held = api.post(
        "/api/calendly/holds",
        {"appointment_type": asked.slug, "date": tomorrow.isoformat(), "start_time": "11:00"},
        format="json",
    ).json()
    confirm = {"hold_id": held["hold_id"], "patient_name": "Ada Lovelace"}
    refused = api.post("/api/calendly/book", {**confirm, "answers": {"area": "Elbow"}}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()["errors"]["answers"]) == {"new-patient", "symptoms", "area"}
    assert Booking.objects.get().status == Booking.Status.HELD
    assert Booking.objects.get().intake_answers is None
    booked = api.post("/api/calendly/book", {**confirm, "answers": GOOD}, format="json")
    assert booked.status_code == 200, booked.json()
    assert [a["slug"] for a in Booking.objects.get().intake_answers] == ["new-patient", "symptoms", "area", "since"]


def test_a_course_keeps_the_answers_with_every_visit(api, asked, tomorrow):
    asked.allow_series = True
    asked.save()
    body = {
        "appointment_type": asked.slug,
        "start_date": tomorrow.isoformat(),
        "start_time": "10:00",
        "weekdays": [tomorrow.strftime("%A").lower()],
        "count": 2,
        "patient_name": "Ada Lovelace",
    }
    refused = api.post("/api/calendly/series", {**body, "answers": {}}, format="json")
    assert refused.status_code == 400
    assert "symptoms" in refused.json()["errors"]["answers"]
    assert not Booking.objects.exists()
    booked = api.post("/api/calendly/series", {**body, "answers": GOOD}, format="json")
    assert booked.status_code in (200, 201), booked.json()
    assert [len(b.intake_answers) for b in Booking.objects.all()] == [4, 4]


def test_the_patient_and_staff_see_the_answers_on_the_booking(api, book, asked, tomorrow, staff_key):
    confirmation = book(tomorrow, "10:00", answers={**GOOD, "heard-of-us": "A friend"}).json()
    mine = api.get(
        f"/api/calendly/bookings/{confirmation['booking_id']}", {"token": confirmation["manage_token"]}
    ).json()
    assert [a["answer"] for a in mine["answers"]] == [True, "Sore knee after running", "Knee", "2026-01-02", "A friend"]
    desk = staff_member("desk", *FRONT_DESK)
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_key(desk)}")
    seen = api.get(f"/api/calendly/bookings/{confirmation['booking_id']}").json()
    assert seen["answers"][1] == {
        "slug": "symptoms",
        "label": "What brings you in?",
        "kind": "long_text",
        "clinical": True,
        "answer": "Sore knee after running",
    }


def test_staff_may_leave_required_questions_unanswered_but_not_answer_wrongly(api, asked, tomorrow, staff_key):
    desk = staff_member("desk", *FRONT_DESK)
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_key(desk)}")
    slot = {"appointment_type": asked.slug, "date": tomorrow.isoformat(), "patient_name": "Ada Lovelace"}
    wrong = api.post("/api/calendly/book", {**slot, "start_time": "10:00", "answers": {"area": "Elbow"}}, format="json")
    assert wrong.status_code == 400
    assert list(wrong.json()["errors"]["answers"]) == ["area"]
    unasked = api.post("/api/calendly/book", {**slot, "start_time": "10:00"}, format="json")
    assert unasked.status_code == 200


def test_a_cancelled_booking_withholds_the_answers_from_the_patient_link(api, book, asked, tomorrow):
    confirmation = book(tomorrow, "10:00", answers=GOOD).json()
    own = f"/api/calendly/bookings/{confirmation['booking_id']}"
    api.post(f"{own}/cancel?token={confirmation['manage_token']}", {}, format="json")
    shown = api.get(own, {"token": confirmation["manage_token"]}).json()
    assert shown["status"] == "cancelled"
    assert shown["answers"] is None


def test_the_history_never_records_the_answers(api, book, asked, tomorrow):
    confirmation = book(tomorrow, "10:00", answers=GOOD).json()
    booking = Booking.objects.get(reference=confirmation["booking_id"])
    for event in booking.events.all():
        assert "Sore knee" not in str(event.changes)
        assert "intake_answers" not in event.changes


def test_choices_are_checked_in_the_model(asked):
    from django.core.exceptions import ValidationError

    one_choice = IntakeQuestion(
        appointment_type=asked, slug="side", label="Which side?", kind=intake.CHOICE, choices=["L"]
    )
    with pytest.raises(ValidationError, match="at least two"):
        one_choice.full_clean()
    text_with_choices = IntakeQuestion(
        appointment_type=asked, slug="x", label="X", kind=intake.SHORT_TEXT, choices=["a", "b"]
    )
    with pytest.raises(ValidationError, match="Only a choice question"):
        text_with_choices.full_clean()
    standard = IntakeQuestion(appointment_type=asked, slug=intake.NEW_PATIENT, label="New?", kind=intake.YES_NO)
    with pytest.raises(ValidationError, match="standard question"):
        standard.full_clean()
    duplicate = IntakeQuestion(appointment_type=asked, slug="area", label="Again", kind=intake.SHORT_TEXT)
    with pytest.raises(ValidationError):
        duplicate.full_clean()


def test_erasure_blanks_the_answers(book, asked, tomorrow):
    from scheduling.privacy.registry import REGISTRY

    book(tomorrow, "10:00", answers=GOOD)
    entry = REGISTRY["scheduling.Booking"]
    assert "intake_answers" in entry.fields
    entry.blank_rows(entry.rows([Patient.objects.get().pk]))
    assert Booking.objects.get().intake_answers is None


def test_questions_are_not_patient_data_so_the_type_list_is_public(api, asked):
    listed = api.get("/api/calendly/appointment-types").json()
    consultation = next(t for t in listed if t["slug"] == asked.slug)
    assert len(consultation["questions"]) == 5
    assert timedelta(minutes=consultation["duration_minutes"])
