"""The erasure test with canaries (beside the project: it spans every app). A unique string goes into
every registered field of a patient's rows, across every app; the export shows each one; after a real
erasure a dump of every table of the database (the outboxes and idempotency answers included) shows none,
and another patient's are all still there."""

from __future__ import annotations

import json
import uuid
from datetime import date, time, timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django_tasks_db.models import DBTaskResult
from fhir.resources.R4B.bundle import Bundle

from notifications.models import Message
from scheduling import bookings, clinic_time
from scheduling.bookings import PatientDetails
from scheduling.models import Booking, ErasurePermit, Patient, PatientMerge, PrivacyRequest
from scheduling.patients import history_pks, privacy_requests
from scheduling.privacy.registry import REGISTRY
from scheduling.tests.patients import moved_to
from scheduling.tests.staff import staff_member
from waitlist import line, offers
from waitlist.models import Entry, FreedTime, Offer
from webhooks.models import Delivery, Endpoint, EventType

PRIVACY_OFFICER = ("scheduling.export_patient", "scheduling.erase_patient", "scheduling.view_every_practitioner")
# Where in a JSON field the real data sits, so that the canary goes where a name would.
JSON_PLACES = {
    ("scheduling.BookingEvent", "changes"): lambda value, canary: {
        **(value or {}),
        "patient_name": [canary, canary + "b"],
        "cancellation_reason": ["", canary + "c"],
    },
    ("scheduling.Booking", "intake_answers"): lambda value, canary: [
        {"slug": "symptoms", "label": "What brings you in?", "kind": "long_text", "clinical": True, "answer": canary}
    ],
    ("scheduling.IdempotencyRecord", "response_body"): lambda value, canary: {**value, "patient_name": canary},
    ("scheduling.PatientMerge", "snapshot"): lambda value, canary: {**value, "into": {"given_name": canary}},
    ("notifications.Message", "booking_snapshot"): lambda value, canary: {**value, "patient_name": canary},
}


class Canaries:
    """Unique values, one per registered field of each row, remembered as they appear in a dump."""

    def __init__(self, tag: str, first_day: date):
        self.tag, self.values, self.exported, self.day = tag, [], [], first_day

    def next(self, model_field: models.Field, current, *, exported: bool):
        if isinstance(model_field, models.DateField):
            self.day += timedelta(days=1 + len(self.values))
            value, shown = self.day, self.day.isoformat()
        else:
            shown = f"q{self.tag}{uuid.uuid4().hex[:11]}"
            value = shown
            if isinstance(model_field, models.JSONField):
                place = JSON_PLACES[(model_field.model._meta.label, model_field.name)]
                value = place(current, shown)
        self.values.append(shown)
        if exported:
            self.exported.append(shown)
        return value


def write_canaries(patient: Patient, canaries: Canaries) -> None:
    """A canary in every registered field of every row of `patient`'s, through the erasure's permit for
    the append-only history."""
    pks = history_pks(patient)
    ErasurePermit.objects.bulk_create(
        ErasurePermit(booking=booking) for booking in Booking.objects.filter(patient_id__in=pks)
    )
    for entry in REGISTRY.values():
        rows = list(entry.rows(pks))
        assert rows, f"the test made no {entry.label} for the patient: every registered model needs rows"
        for row in rows:
            new = {
                name: canaries.next(
                    entry.model._meta.get_field(name), getattr(row, name), exported=name not in entry.copies
                )
                for name in entry.fields
            }
            entry.model.objects.filter(pk=row.pk).update(**new)
    ErasurePermit.objects.all().delete()


def patient_with_everything(name: str, email: str, phone: str, day: date, wait: date, consultation) -> Patient:
    """Bookings confirmed, cancelled, completed and to come, with history and e-mails; a waitlist entry
    with an offer and its e-mail; a webhook delivery; a merged record; a request for a copy of their data;
    an admin log entry."""
    details = PatientDetails(name, email, phone, reason_for_visit="A cough", birth_date=date(1980, 5, 1))
    future, _ = bookings.book(bookings.RequestedSlot(consultation, day, time(9)), patient=details)
    bookings.change_patient_details(future, PatientDetails(name + " Jr", email), by=bookings.SYSTEM)
    patient = future.patient
    completed, _ = bookings.book(bookings.RequestedSlot(consultation, day, time(11)), patient=details)
    earlier = clinic_time.now() - timedelta(days=30) - timedelta(hours=Patient.objects.count())
    moved_to(completed, earlier, Booking.Status.COMPLETED)
    entry = line.join(
        line.Wish(appointment_type=consultation, earliest_date=wait, latest_date=wait, earliest_time=time(10)),
        details,
    )
    cancelled, _ = bookings.book(bookings.RequestedSlot(consultation, wait, time(10)), patient=details)
    bookings.cancel(cancelled, by=bookings.PATIENT, reason="Feeling better")
    offers.offer_freed_time(FreedTime.objects.filter(status=FreedTime.Status.PENDING).latest("pk"))
    assert Offer.objects.filter(entry=entry, status=Offer.Status.OPEN).exists()
    merged = Patient.objects.create(given_name=name, family_name="Old", email=email, merged_into=patient)
    PatientMerge.objects.create(
        merged=merged, into=patient, merged_at=clinic_time.now(), merged_by="reception", snapshot={"into": {}}
    )
    privacy_requests.ask(future, PrivacyRequest.Kind.COPY)
    LogEntry.objects.create(
        user=staff_member(f"editor-{patient.pk}"),
        content_type=ContentType.objects.get_for_model(Patient),
        object_id=str(patient.pk),
        object_repr=patient.full_name,
        action_flag=CHANGE,
        change_message="[]",
    )
    return patient


def dump() -> str:
    """Every column of every row of every table, as text."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            out.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(out)


@pytest.fixture
def everything(db, api, consultation, clinic, today, staff_key):
    Endpoint.objects.create(url="https://hooks.example.com/in", events=list(EventType.values))
    day = today + timedelta(days=5)
    ada = patient_with_everything(
        "Ada Lovelace", "ada@example.com", "+442079460958", day, day + timedelta(days=2), consultation
    )
    grace = patient_with_everything(
        "Grace Hopper",
        "grace@example.com",
        "+442079460959",
        day + timedelta(days=1),
        day + timedelta(days=3),
        consultation,
    )
    officer = staff_member("privacy", *PRIVACY_OFFICER)
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_key(officer)}")
    for patient, start in ((ada, "13:00"), (grace, "13:00")):  # an idempotent booking's stored answer each
        first = Booking.objects.filter(patient=patient).first()
        answer = api.post(
            "/api/calendly/book",
            {
                "patient_name": first.patient_name,
                "patient_email": first.patient_email,
                "appointment_type": "consultation",
                "date": (day if patient == ada else day + timedelta(days=1)).isoformat(),
                "start_time": start,
            },
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"key-{patient.pk}",
        )
        assert answer.status_code == 200, answer.json()
        assert Booking.objects.get(reference=answer.json()["booking_id"]).patient_id in history_pks(patient)
    assert Delivery.objects.filter(booking__patient=ada).exists()
    assert DBTaskResult.objects.exists()
    canaries = {}
    for patient, tag, first_day in ((ada, "a", date(1901, 1, 1)), (grace, "g", date(1931, 1, 1))):
        canaries[patient.reference] = Canaries(tag, first_day)
        write_canaries(patient, canaries[patient.reference])
    return ada, grace, canaries


def test_the_export_holds_every_canary_and_after_erasure_no_table_holds_one(api, everything):
    ada, grace, canaries = everything
    exported = api.get(f"/api/calendly/patients/{ada.reference}/export")
    assert exported.status_code == 200
    text = json.dumps(exported.json())
    assert [value for value in canaries[ada.reference].exported if value not in text] == []
    bundle = api.get(f"/api/calendly/patients/{ada.reference}/export", {"format": "fhir"}).json()
    statuses = [entry["resource"]["status"] for entry in bundle["entry"][1:]]
    assert sorted(statuses) == ["booked", "booked", "cancelled", "fulfilled", "pending"]
    Bundle.model_validate(bundle)

    unsent_before = set(ada_messages(ada).filter(status="pending").values_list("pk", flat=True))
    assert unsent_before
    body = {"reason": "Request 2026-114 by letter"}
    rehearsed = api.post(f"/api/calendly/patients/{ada.reference}/erase", {**body, "dry_run": True}, format="json")
    assert rehearsed.status_code == 200, rehearsed.json()
    assert rehearsed.json()["counts"]["cancelled"] == {"scheduling_booking": 2}  # 09:00 and the booked 13:00
    erased = api.post(f"/api/calendly/patients/{ada.reference}/erase", body, format="json")
    assert erased.status_code == 200, erased.json()

    everything_stored = dump()
    assert [value for value in canaries[ada.reference].values if value in everything_stored] == []
    assert [value for value in canaries[grace.reference].values if value not in everything_stored] == []
    # The details first typed, which the canaries replaced in every registered field: left anywhere else
    # (a webhook body, a job's arguments), they would be a copy the registry does not know.
    assert [typed for typed in ("Lovelace", "ada@example.com", "+442079460958") if typed in everything_stored] == []
    # The appointments stay, their patients' details gone; the future one cancelled, no e-mail written for it.
    kept = Booking.objects.filter(patient=ada)
    assert kept.filter(status=Booking.Status.COMPLETED).count() == 1
    assert not kept.filter(status=Booking.Status.CONFIRMED).exists()
    assert set(kept.values_list("patient_name", flat=True)) == {""}
    assert ada_messages(ada).filter(status="pending").count() == 0
    assert set(ada_messages(ada).filter(pk__in=unsent_before).values_list("status", flat=True)) == {"cancelled"}
    assert not ada_messages(ada).exclude(pk__in=unsent_before).filter(status="pending").exists()
    assert Entry.objects.get(patient=ada).status != Entry.Status.WAITING
    assert Patient.objects.get(pk=ada.pk).erased_at is not None


def ada_messages(patient):
    return Message.objects.filter(booking__patient_id__in=history_pks(patient))


def test_erasure_cancels_future_bookings_revokes_links_and_writes_no_email(api, staff_key, consultation, tomorrow):
    details = PatientDetails("Ada Lovelace", "ada@example.com")
    ada = bookings.book(bookings.RequestedSlot(consultation, tomorrow, time(9)), patient=details)[0].patient
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_key(staff_member('privacy', *PRIVACY_OFFICER))}")
    booking = Booking.objects.get(patient=ada)
    old_token = booking.manage_token
    messages_before = Message.objects.count()
    erasing = f"/api/calendly/patients/{ada.reference}/erase"
    api.post(erasing, {"reason": "Request 7", "dry_run": True}, format="json")
    assert api.post(erasing, {"reason": "Request 7"}, format="json").status_code == 200
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert not booking.accepts_manage_token(old_token)
    assert Message.objects.count() == messages_before  # no cancellation, no new link
    assert set(Message.objects.values_list("status", flat=True)) == {"cancelled"}
    kinds = list(booking.events.order_by("revision").values_list("kind", flat=True))
    assert kinds == ["created", "cancelled", "manage_link_revoked"]
    assert booking.events.get(kind="created").changes["patient_name"] == ["", ""]
    assert booking.events.get(kind="created").changes["status"] == [None, "confirmed"]
    assert not ErasurePermit.objects.exists()
