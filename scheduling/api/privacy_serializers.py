"""The privacy requests' contract: a patient's export (JSON; the FHIR Bundle is FHIR's own shape) and the
erasure's request and answer."""

from __future__ import annotations

from rest_framework import serializers

from scheduling.api.fields import StrictCharField


class PatientExport(serializers.Serializer):
    patient = serializers.DictField(help_text="The record: names, birth date, e-mail, phone, language, merged records.")
    bookings = serializers.ListField(
        child=serializers.DictField(),
        help_text="Every booking: type, practitioner, times, status, the details typed into it, and its history.",
    )
    waitlist = serializers.ListField(child=serializers.DictField(), required=False, help_text="Waitlist entries.")
    messages = serializers.ListField(child=serializers.DictField(), required=False, help_text="Messages sent.")
    privacy_requests = serializers.ListField(
        child=serializers.DictField(),
        help_text="The patient's requests for a copy or erasure, and how staff handled them.",
    )
    access_log = serializers.ListField(child=serializers.DictField(), help_text="Who read this patient's data, when.")


class ErasureRequest(serializers.Serializer):
    reason = StrictCharField(max_length=500, help_text="Why: the request's reference, or how it came in.")
    dry_run = serializers.BooleanField(
        default=False, help_text="Count what would be erased, change nothing. A real erasure needs one first."
    )


class ErasureCounts(serializers.Serializer):
    blanked = serializers.DictField(child=serializers.IntegerField(), help_text="Rows blanked, per table.")
    cancelled = serializers.DictField(child=serializers.IntegerField(), help_text="Future bookings cancelled.")
    revoked = serializers.DictField(child=serializers.IntegerField(), help_text="Manage links revoked.")
    unsent_cancelled = serializers.DictField(
        child=serializers.IntegerField(), help_text="E-mails not yet sent, cancelled, per outbox table."
    )


class ErasureAnswer(serializers.Serializer):
    patient = serializers.CharField(help_text="The patient's reference.")
    dry_run = serializers.BooleanField()
    counts = ErasureCounts(help_text="What was (or, for a dry run, would be) blanked, cancelled and revoked.")
