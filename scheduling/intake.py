"""Intake answers checked against the questions an appointment type asks: one pure function that the API,
the booking page and the write path share, so every interface refuses the same answers with the same words.

Plain values in and out (no database, no clock). An answer is refused, never corrected: a text over its
limit is not cut, a choice not offered is not mapped to the nearest one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

SHORT_TEXT, LONG_TEXT, CHOICE, YES_NO, DATE = "short_text", "long_text", "choice", "yes_no", "date"
KINDS = (SHORT_TEXT, LONG_TEXT, CHOICE, YES_NO, DATE)
# Longest answer each text kind takes; one more character is refused.
TEXT_LIMITS = {SHORT_TEXT: 200, LONG_TEXT: 2000}
# The standard "new or returning patient" question: a fixed slug, so integrations can rely on it.
NEW_PATIENT = "new-patient"


@dataclass(frozen=True)
class Question:
    """A question as the patient is asked it."""

    slug: str
    label: str
    kind: str
    choices: tuple[str, ...] = ()
    required: bool = False
    help_text: str = ""
    clinical: bool = True


class AnswersInvalid(ValueError):
    """Some answers were refused: `errors` is {question slug: [messages]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{slug}: {' '.join(messages)}" for slug, messages in errors.items()))
        self.errors = errors


def answers_as_asked(
    questions: list[Question], answers: Mapping[str, object] | None, *, enforce_required: bool = True
) -> list[dict]:
    """The answers to keep with a booking, in the questions' order, each with the question's wording as it
    was asked (so editing or deleting the question later changes nothing the patient answered). Unanswered
    optional questions are left out. Raises AnswersInvalid naming every question at fault.

    Without `enforce_required` (staff booking on a patient's behalf, who may not have asked) a required
    question may go unanswered; what is answered is checked all the same."""
    answers = dict(answers or {})
    by_slug = {question.slug: question for question in questions}
    errors: dict[str, list[str]] = {
        str(slug): [_("This appointment type asks no such question.")] for slug in answers if slug not in by_slug
    }
    kept = []
    for question in questions:
        value = answers.get(question.slug)
        if _unanswered(question, value):
            if question.required and enforce_required:
                errors[question.slug] = [_("This question must be answered.")]
            continue
        problem = _problem(question, value)
        if problem:
            errors[question.slug] = [problem]
            continue
        kept.append(
            {
                "slug": question.slug,
                "label": question.label,
                "kind": question.kind,
                "clinical": question.clinical,
                "answer": value,
            }
        )
    if errors:
        raise AnswersInvalid(errors)
    return kept


def _unanswered(question: Question, value: object) -> bool:
    """Left out, or null; for the kinds a form sends as text, blank too (a yes/no takes true or false only)."""
    return value is None or (question.kind != YES_NO and isinstance(value, str) and not value.strip())


def _problem(question: Question, value: object) -> str | None:
    """Why `value` does not answer `question`, or None."""
    if question.kind == YES_NO:
        return None if isinstance(value, bool) else _("Answer true or false.")
    if not isinstance(value, str):
        return _("Answer with text.")
    if question.kind in TEXT_LIMITS:
        limit = TEXT_LIMITS[question.kind]
        if len(value) > limit:
            return _("At most %(limit)d characters (this answer has %(length)d).") % {
                "limit": limit,
                "length": len(value),
            }
        lines_allowed = "\r\n" if question.kind == LONG_TEXT else ""
        if any(unicodedata.category(char) == "Cc" and char not in lines_allowed for char in value):
            return _("Control characters are not allowed.")
        return None
    if question.kind == CHOICE:
        return (
            None
            if value in question.choices
            else _("Choose one of: %(choices)s.") % {"choices": ", ".join(question.choices)}
        )
    if question.kind == DATE:
        try:
            date.fromisoformat(value)
        except ValueError:
            return _("Give a date as YYYY-MM-DD.")
        return None if len(value) == 10 else _("Give a date as YYYY-MM-DD.")
    return _("This question cannot be answered.")
