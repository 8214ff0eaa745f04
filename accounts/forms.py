"""The admin's form for a new staff API token: it checks; saving issues the token (accounts.tokens)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator

from accounts.models import StaffToken
from accounts.tokens import MAX_DAYS


class StaffTokenAddForm(forms.ModelForm):
    days = forms.IntegerField(
        label="Expires in (days)",
        initial=lambda: settings.STAFF_TOKEN_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DAYS)],
        help_text=f"From 1 to {MAX_DAYS}. The API refuses the key after that; issue a new one before.",
    )

    class Meta:
        model = StaffToken
        fields = ["name", "user", "days"]
