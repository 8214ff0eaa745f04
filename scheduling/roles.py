"""Which bookings and patients a staff member reaches. Model permissions (from the roles, Django groups made
by accounts/migrations/0002_roles.py) say what someone may do; these rules say to which objects.

Whoever holds "Can see every practitioner's bookings and patients" (receptionists, managers, the privacy
officer; superusers) reaches all of them. Anyone else reaches only what belongs to the practitioner their
account is linked to (`Practitioner.user`): that practitioner's bookings, and the patients who booked them
or wait for them. An account linked to nobody reaches nothing.

The object rules are django-rules permissions, so `user.has_perm("scheduling.reach_booking", booking)`
answers the same in the admin, the API, the feeds and exports; the querysets below are the same rule for
lists.
"""

from __future__ import annotations

import rules
from django.db.models import Q, QuerySet

from scheduling.models import Booking, BookingSeries, Patient, Practitioner

EVERY_PRACTITIONER = "scheduling.view_every_practitioner"
REACH_BOOKING = "scheduling.reach_booking"
REACH_PATIENT = "scheduling.reach_patient"


def sees_every_practitioner(user) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.has_perm(EVERY_PRACTITIONER)))


def own_practitioner_id(user) -> int | None:
    """The pk of the practitioner this account is, or None."""
    if not (user and user.is_authenticated):
        return None
    if not hasattr(user, "_own_practitioner_id"):
        user._own_practitioner_id = Practitioner.objects.filter(user=user).values_list("pk", flat=True).first()
    return user._own_practitioner_id


def reached(user, rows: QuerySet, *, through: str = "practitioner") -> QuerySet:
    """The rows (bookings, waitlist entries, offers, messages...) whose practitioner, the one `through`
    names ("" for practitioners themselves), this user reaches. A row for any practitioner (a waitlist entry
    without one) is nobody's own."""
    if sees_every_practitioner(user):
        return rows
    own = own_practitioner_id(user)
    return rows.filter(**{f"{through}_id" if through else "pk": own}) if own else rows.none()


def bookings_reached(user, bookings: QuerySet[Booking] | None = None) -> QuerySet[Booking]:
    return reached(user, Booking.objects.all() if bookings is None else bookings)


def practitioners_reached(user, practitioners: QuerySet[Practitioner] | None = None) -> QuerySet[Practitioner]:
    """The practitioners whose calendars this user may book into and see: every one, or their own."""
    return reached(user, Practitioner.objects.all() if practitioners is None else practitioners, through="")


def series_reached(user, series: QuerySet[BookingSeries] | None = None) -> QuerySet[BookingSeries]:
    """Courses of treatment with the user's practitioner: asked for with them, or any visit booked with them."""
    series = BookingSeries.objects.all() if series is None else series
    if sees_every_practitioner(user):
        return series
    own = own_practitioner_id(user)
    if not own:
        return series.none()
    theirs = Q(practitioner_id=own) | Q(bookings__practitioner_id=own)
    return series.filter(pk__in=BookingSeries.objects.filter(theirs).values("pk"))


def patients_reached(user, patients: QuerySet[Patient] | None = None) -> QuerySet[Patient]:
    """Patients whose bookings or waitlist entries (or those of records merged into them) are the user's
    practitioner's."""
    patients = Patient.objects.all() if patients is None else patients
    if sees_every_practitioner(user):
        return patients
    own = own_practitioner_id(user)
    if not own:
        return patients.none()
    theirs = (
        Q(bookings__practitioner_id=own)
        | Q(merged_patients__bookings__practitioner_id=own)
        | Q(waitlist_entries__practitioner_id=own)
    )
    return patients.filter(pk__in=Patient.objects.filter(theirs).values("pk"))


@rules.predicate
def reaches_booking(user, booking: Booking | None) -> bool:
    """Also the rule for anything else a practitioner owns by its `practitioner_id` (a waitlist entry)."""
    if sees_every_practitioner(user):
        return True
    own = own_practitioner_id(user)
    return booking is not None and own is not None and booking.practitioner_id == own


@rules.predicate
def reaches_patient(user, patient: Patient | None) -> bool:
    if sees_every_practitioner(user):
        return True
    return patient is not None and patients_reached(user, Patient.objects.filter(pk=patient.pk)).exists()


rules.add_perm(REACH_BOOKING, reaches_booking)
rules.add_perm(REACH_PATIENT, reaches_patient)
