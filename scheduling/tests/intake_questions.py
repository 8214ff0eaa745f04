"""Intake questions for tests: one of each kind, a non-clinical one, and the standard new-patient question."""

from __future__ import annotations

from scheduling import intake
from scheduling.models import AppointmentType, IntakeQuestion


def ask_questions(appointment_type: AppointmentType) -> AppointmentType:
    appointment_type.asks_new_patient = True
    appointment_type.save()
    questions = [
        IntakeQuestion(
            appointment_type=appointment_type,
            slug="symptoms",
            label="What brings you in?",
            kind=intake.LONG_TEXT,
            required=True,
            help_text="A few words are enough.",
            position=1,
        ),
        IntakeQuestion(
            appointment_type=appointment_type,
            slug="area",
            label="Where does it hurt?",
            kind=intake.CHOICE,
            choices=["Knee", "Back"],
            position=2,
        ),
        IntakeQuestion(
            appointment_type=appointment_type, slug="since", label="Since when?", kind=intake.DATE, position=3
        ),
        IntakeQuestion(
            appointment_type=appointment_type,
            slug="heard-of-us",
            label="How did you hear of us?",
            kind=intake.SHORT_TEXT,
            clinical=False,
            position=4,
        ),
    ]
    for question in questions:
        question.full_clean()
        question.save()
    return appointment_type


# Answers that answer every question but the optional text.
GOOD = {"new-patient": True, "symptoms": "Sore knee after running", "area": "Knee", "since": "2026-01-02"}
