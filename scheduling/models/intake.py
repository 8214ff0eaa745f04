"""The questions an appointment type asks patients when they book it (intake), and the standard ones a
clinic switches on per type. The answers live with each booking (`Booking.intake_answers`), as asked."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from scheduling import intake
from scheduling.models.catalogue import AppointmentType

MAX_CHOICES = 20
CHOICE_LENGTH = 100


def validate_choices(value) -> None:
    if not isinstance(value, list) or not all(isinstance(choice, str) and choice.strip() for choice in value):
        raise ValidationError(_("Choices are a list of non-empty texts."))
    if len(value) > MAX_CHOICES:
        raise ValidationError(_("At most %(count)d choices.") % {"count": MAX_CHOICES})
    if len(set(value)) != len(value):
        raise ValidationError(_("Each choice may appear once."))
    if any(len(choice) > CHOICE_LENGTH for choice in value):
        raise ValidationError(_("A choice has at most %(limit)d characters.") % {"limit": CHOICE_LENGTH})


class IntakeQuestion(models.Model):
    """One question an appointment type asks. `clinical` (the default) marks an answer as health data; no
    answer, clinical or not, ever leaves the clinic in an e-mail, invite, webhook or log."""

    class Kind(models.TextChoices):
        SHORT_TEXT = intake.SHORT_TEXT, _("Short text")
        LONG_TEXT = intake.LONG_TEXT, _("Long text")
        CHOICE = intake.CHOICE, _("Choice")
        YES_NO = intake.YES_NO, _("Yes or no")
        DATE = intake.DATE, _("Date")

    appointment_type = models.ForeignKey(AppointmentType, models.CASCADE, related_name="intake_questions")
    slug = models.SlugField(max_length=50, help_text=_("The answer's key in the API, for example 'allergies'."))
    label = models.CharField(max_length=200, help_text=_("The question as the patient reads it."))
    kind = models.CharField(max_length=10, choices=Kind.choices, default=intake.SHORT_TEXT)
    choices = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_choices],
        help_text=_('For a choice only: the answers offered, as a list, e.g. ["Knee", "Back"].'),
    )
    required = models.BooleanField(default=False)
    help_text = models.CharField(max_length=300, blank=True, help_text=_("Shown under the question."))
    clinical = models.BooleanField(
        default=True,
        help_text=_("The answer is health information. Untick only for questions that are not (how they heard of us)."),
    )
    position = models.PositiveSmallIntegerField(default=0, help_text=_("Questions are asked in this order."))

    class Meta:
        ordering = ["appointment_type", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["appointment_type", "slug"], name="intake_question_slug_per_type"),
            models.CheckConstraint(condition=Q(kind__in=intake.KINDS), name="intake_question_kind_valid"),
            # The standard question's slug is the clinic's switch on the type, never a question of its own.
            models.CheckConstraint(condition=~Q(slug=intake.NEW_PATIENT), name="intake_question_slug_not_standard"),
        ]

    def __str__(self):
        return self.label

    def clean(self):
        super().clean()
        if self.slug == intake.NEW_PATIENT:
            raise ValidationError(
                {"slug": _("This slug is the standard question's: switch it on for the type instead.")}
            )
        if not isinstance(self.choices, list):
            return  # the field's validator says why
        if self.kind == intake.CHOICE and len(self.choices) < 2:
            raise ValidationError({"choices": _("A choice question offers at least two choices.")})
        if self.kind != intake.CHOICE and self.choices:
            raise ValidationError({"choices": _("Only a choice question has choices: leave this empty.")})

    def as_asked(self) -> intake.Question:
        return intake.Question(
            slug=self.slug,
            label=self.label,
            kind=self.kind,
            choices=tuple(self.choices) if self.kind == intake.CHOICE else (),
            required=self.required,
            help_text=self.help_text,
            clinical=self.clinical,
        )


def new_patient_question() -> intake.Question:
    """The standard "new or returning patient" question; not clinical (it is about the clinic's records)."""
    return intake.Question(
        slug=intake.NEW_PATIENT,
        label=str(_("Is this your first visit to the clinic?")),
        kind=intake.YES_NO,
        required=True,
        clinical=False,
    )


def questions_of(appointment_type: AppointmentType) -> list[intake.Question]:
    """What booking this type asks, in order: the standard questions switched on, then the type's own."""
    asked = [new_patient_question()] if appointment_type.asks_new_patient else []
    return asked + [question.as_asked() for question in appointment_type.intake_questions.all()]
