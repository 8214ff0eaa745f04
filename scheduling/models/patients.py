"""The clinic's record of a person: one `Patient` however many times they book, the possible duplicates
staff decide about (families share e-mail addresses and phones, so nothing is merged by itself), and the
merges staff made, each with what it needs to be undone."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q

from scheduling.patient_details import e164_phone, matching_key, normalised_email


def new_patient_reference() -> str:
    # Random like a booking's reference: staff type it, integrators store it, nobody can walk the records.
    return f"pt_{secrets.token_hex(10)}"


class PatientQuerySet(models.QuerySet):
    def current(self):
        """Records still in use: not merged into another."""
        return self.filter(merged_into__isnull=True)

    def searched(self, text: str):
        """Patients whose reference, e-mail or phone is `text`, or whose name contains it."""
        text = " ".join(text.split())
        if not text:
            return self
        found = Q(reference=text) | Q(email=normalised_email(text)) | Q(name_key__contains=matching_key(text))
        phone = e164_phone(text)
        if phone:
            found |= Q(phone=phone)
        return self.filter(found)

    def with_open_candidates(self):
        """Records in an open possible duplicate, on either side."""
        open_pairs = MatchCandidate.objects.filter(status=MatchCandidate.Status.OPEN)
        return self.filter(Q(pk__in=open_pairs.values("patient")) | Q(pk__in=open_pairs.values("existing")))

    def matching(self, *, q="", birth_date=None, has_open_candidates=None, merged=False, erased=None):
        """Staff's filters: a search, a birth date, in an open possible duplicate or not, merged records
        (left out unless asked for), erased ones."""
        patients = self.searched(q)
        if birth_date:
            patients = patients.filter(birth_date=birth_date)
        if has_open_candidates is not None:
            in_pairs = Q(pk__in=self.model.objects.with_open_candidates().values("pk"))
            patients = patients.filter(in_pairs if has_open_candidates else ~in_pairs)
        if not merged:
            patients = patients.filter(merged_into__isnull=True)
        if erased is not None:
            patients = patients.filter(erased_at__isnull=not erased)
        return patients


class Patient(models.Model):
    """A person the clinic sees. Bookings keep the name, e-mail and phone typed into each as a snapshot;
    this is who those bookings belong to, matched as scheduling/patients/matching.py says."""

    reference = models.CharField(max_length=32, unique=True, default=new_patient_reference, editable=False)
    given_name = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True, help_text="Lower case, as matching compares it.")
    phone = models.CharField(max_length=16, blank=True, help_text="E.164, for example +442079460958.")
    preferred_language = models.CharField(max_length=16, blank=True, help_text="A language tag, for example 'en'.")
    created_at = models.DateTimeField(auto_now_add=True)
    merged_into = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_patients",
        help_text="Set once staff merged this record into another; its bookings moved there.",
    )
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The full name as matching compares it (matching_key): indexed, so matching a booking is one lookup.
    name_key = models.CharField(max_length=400, blank=True, editable=False, db_index=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "pk"]
        indexes = [
            models.Index(fields=["email"], name="patient_email_idx", condition=~Q(email="")),
            models.Index(fields=["phone"], name="patient_phone_idx", condition=~Q(phone="")),
        ]
        permissions = [
            ("export_patient", "Can export a patient's data"),
            ("erase_patient", "Can erase a patient's data"),
            ("merge_patient", "Can merge and unmerge patients"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(merged_into=models.F("pk")), name="patient_not_merged_into_itself"),
        ]

    def __str__(self):
        return self.full_name or self.reference

    def save(self, *args, **kwargs):
        self.name_key = matching_key(self.full_name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class MatchCandidate(models.Model):
    """Two records that may be one person: a booking shared an e-mail address or phone with `existing` but
    gave another name or birth date, so it got a new record (`patient`). Staff merge or dismiss it."""

    class Status(models.TextChoices):
        OPEN = "open"
        MERGED = "merged"
        DISMISSED = "dismissed", "not the same person"

    patient = models.ForeignKey(Patient, models.CASCADE, related_name="match_candidates")
    existing = models.ForeignKey(Patient, models.CASCADE, related_name="+")
    shared = models.CharField(max_length=20, help_text="What the two have in common: e-mail, phone or both.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = "possible duplicate patient"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "existing"], name="match_candidate_once_per_pair"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="match_candidate_status_idx")]

    def __str__(self):
        return f"{self.patient_id} may be {self.existing_id} (same {self.shared})"


class PatientMerge(models.Model):
    """Staff merged `merged` into `into`: what the merge changed, so that it can be undone within
    PATIENT_UNMERGE_DAYS."""

    merged = models.ForeignKey(Patient, models.PROTECT, related_name="merges_away")
    into = models.ForeignKey(Patient, models.PROTECT, related_name="merges_in")
    merged_at = models.DateTimeField()
    merged_by = models.CharField(max_length=150)
    # Rows never move: bookings and waitlist entries keep their patient, and a record's history is its own
    # rows and those of the records merged into it. What undoing needs is what the merge changed:
    # {"records": {pk: merged_into before}, "into": {field: value before}, "candidates": [pk, ...]}.
    snapshot = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-merged_at", "-pk"]

    def __str__(self):
        return f"{self.merged_id} into {self.into_id} at {self.merged_at:%Y-%m-%d %H:%M}"
