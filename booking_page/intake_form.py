"""The appointment type's intake questions as form fields of the details step, after the patient's own.

The fields only read what was typed: whether it answers the question is scheduling.intake's to say (the
API's rules, word for word), and its errors go back on the question's field. Nothing here is required in
Django's sense, so that a missing answer is reported by the same rule as a wrong one.
"""

from __future__ import annotations

import hashlib
import json

from django import forms
from django.utils.translation import gettext_lazy as _

from booking_page.limits import show_limit
from scheduling import intake
from scheduling.rules import AnswersRefused, BookingRuleBroken

PREFIX = "answer-"
YES, NO = "yes", "no"
YES_NO_CHOICES = [(YES, _("Yes")), (NO, _("No"))]


def field_name(slug: str) -> str:
    return PREFIX + slug


def question_field(question: intake.Question) -> forms.Field:
    attrs = {"autocomplete": "off"}
    if question.kind == intake.LONG_TEXT:
        widget = forms.Textarea(attrs={**attrs, "rows": 3})
    elif question.kind == intake.DATE:
        widget = forms.DateInput(attrs={**attrs, "type": "date"})
    elif question.kind == intake.YES_NO:
        widget = forms.RadioSelect(choices=YES_NO_CHOICES)
    elif question.kind == intake.CHOICE:
        widget = forms.RadioSelect(choices=[(choice, choice) for choice in question.choices])
    else:
        widget = forms.TextInput(attrs=attrs)
    # strip=False: an answer is checked as typed, and refused rather than changed.
    field = forms.CharField(
        label=question.label, required=False, strip=False, widget=widget, help_text=question.help_text
    )
    field.answers_question = question  # the template marks it required or optional; clean() checks it
    if question.kind in intake.TEXT_LIMITS:
        show_limit(field, intake.TEXT_LIMITS[question.kind])
    return field


# A hidden field carrying the questions' wording as the page showed it: answers are kept under the wording
# the patient read, so one sent after staff reworded a question is asked again, not filed under new words.
SHOWN = "questions_shown"
QUESTIONS_CHANGED = _(
    "The clinic changed its questions while you were answering. Please check your answers and send them again."
)


def wording_of(questions: list[intake.Question]) -> str:
    shown = [[q.slug, q.label, q.kind, list(q.choices), q.help_text] for q in questions]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:16]


def add_question_fields(form: forms.Form, questions: list[intake.Question]) -> None:
    for question in questions:
        form.fields[field_name(question.slug)] = question_field(question)
    if questions:
        form.fields[SHOWN] = forms.CharField(required=False, widget=forms.HiddenInput, initial=wording_of(questions))


def typed_answers(form: forms.Form, questions: list[intake.Question]) -> dict[str, object]:
    """{slug: value} as the API takes it: yes/no as booleans, nothing typed as no answer."""
    answers = {}
    for question in questions:
        value = form.cleaned_data.get(field_name(question.slug))
        if value in (None, ""):
            continue
        if question.kind == intake.YES_NO:
            value = {YES: True, NO: False}.get(value, value)
        answers[question.slug] = value
    return answers


def check_answers(form: forms.Form, questions: list[intake.Question]) -> dict[str, object]:
    """The typed answers, with scheduling.intake's errors put on each question's field."""
    answers = typed_answers(form, questions)
    # A page shown before the type asked anything sends none: its new questions are simply unanswered.
    shown = form.cleaned_data.get(SHOWN)
    if questions and shown and shown != wording_of(questions):
        form.add_error(None, QUESTIONS_CHANGED)
        form.data = form.data.copy()
        form.data[form.add_prefix(SHOWN)] = wording_of(questions)  # shown again, now as they are
    try:
        intake.answers_as_asked(questions, answers)
    except intake.AnswersInvalid as invalid:
        put_errors(form, invalid.errors)
    return answers


def put_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    for slug, messages in errors.items():
        name = field_name(slug)
        form.add_error(name if name in form.fields else None, messages)


def add_refusal(form: forms.Form, broken: BookingRuleBroken) -> None:
    """A rule the core refused the booking by, on the field it names (each question's, for answers)."""
    if isinstance(broken, AnswersRefused):
        put_errors(form, broken.errors)
    else:
        form.add_error(broken.field if broken.field in form.fields else None, broken.message)
