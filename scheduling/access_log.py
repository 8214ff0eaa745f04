"""Recording reads of patient data: one `PatientDataRead` row per booking or patient record shown, one
INSERT per page. A booking's row names its patient too, so "who looked at this patient" is one lookup.

The interfaces call these after deciding what to show and before answering, so a read the log could not
record is not answered either.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.utils import timezone

from clinic_project.clients import client_address
from scheduling.models import Booking, Patient, PatientDataRead, Practitioner

Action = PatientDataRead.Action
Channel = PatientDataRead.Channel


def record_staff_reads(request, shown: Iterable[Booking], *, action: str, channel: str) -> None:
    """The signed-in staff member `request.user` was shown these bookings' patient data."""
    user = request.user
    _record(shown, actor=user, actor_name=user.get_username(), action=action, channel=channel, request=request)


def record_patient_reads(request, shown: Iterable[Patient], *, action: str, channel: str) -> None:
    """The signed-in staff member `request.user` was shown these patients' records (a search, a patient's
    page, an export, an erasure, a merge): one row each, without a booking."""
    user = request.user
    at, address = timezone.now(), _address(request)
    PatientDataRead.objects.bulk_create(
        PatientDataRead(
            at=at,
            actor=user,
            actor_name=user.get_username(),
            patient_id=patient.pk,
            action=action,
            channel=channel,
            client_address=address,
        )
        for patient in shown
    )


def record_feed_fetch(request, practitioner: Practitioner, shown: Iterable[Booking]) -> None:
    """A practitioner's calendar feed carried these bookings (the patient's initials, type and time)."""
    name = f"calendar feed of {practitioner.slug}"
    _record(shown, actor=None, actor_name=name, action=Action.LISTED, channel=Channel.FEED, request=request)


def _record(shown, *, actor, actor_name: str, action: str, channel: str, request) -> None:
    at, address = timezone.now(), _address(request)
    PatientDataRead.objects.bulk_create(
        PatientDataRead(
            at=at,
            actor=actor,
            actor_name=actor_name,
            booking_id=booking.pk,
            patient_id=booking.patient_id,
            action=action,
            channel=channel,
            client_address=address,
        )
        for booking in shown
    )


def _address(request) -> str | None:
    """The client's IP address; None when the peer is not one (a Unix socket, a test client without one)."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None
