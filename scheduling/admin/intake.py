"""Intake questions in the admin: edited inline on their appointment type; the answers, as they were asked,
shown on the booking's page (and, through the same template, the day schedule)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.template.loader import render_to_string

from scheduling.models import Booking, IntakeQuestion

ANSWERS_TEMPLATE = "admin/scheduling/_intake_answers.html"


class IntakeQuestionInline(admin.StackedInline):
    model = IntakeQuestion
    extra = 0
    fields = [("label", "slug"), ("kind", "required", "clinical", "position"), "choices", "help_text"]
    prepopulated_fields = {"slug": ["label"]}
    # A short list of choices: two lines, not the JSON editor's default ten.
    formfield_overrides = {models.JSONField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}}
    verbose_name = "intake question"
    verbose_name_plural = "Intake questions (asked after the patient's details, in position order)"


def answers_html(booking: Booking) -> str:
    return render_to_string(ANSWERS_TEMPLATE, {"answers": booking.intake_answers or []}) or "-"
