"""What staff configure and every request reads, cached per process until staff change it: active types
and practitioners with their hours, time off and closures still to come, and the clinic's details."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.db.models import Prefetch

from scheduling import clinic_time
from scheduling.cache import REFERENCE, cached
from scheduling.models import AppointmentType, Clinic, ClinicClosure, OpeningHours, Practitioner, TimeOff
from scheduling.rules import BookingRuleBroken
from scheduling.slots import Span
from scheduling.units import ResourceData

Hours = dict[int, list[tuple[time, time]]]  # weekday -> (opens, closes) intervals


@dataclass(frozen=True)
class ReferenceData:
    """What staff configure and every request reads: active types and practitioners, and their hours."""

    types: dict[str, AppointmentType]
    practitioners: dict[str, Practitioner]
    offering: dict[int, list[Practitioner]]  # appointment type id -> practitioners offering it, by slug
    hours: dict[int, Hours]  # practitioner id -> weekly hours
    time_off: dict[int, list[Span]]  # practitioner id -> time off not yet over
    closures: list[ClinicClosure]  # clinic closures not yet over
    resources: ResourceData  # rooms and machines, their pools, types' needs, their time off not yet over

    # Time off and closures are kept from yesterday on; older days are read from the database.
    since: date

    def offers(self, practitioner: Practitioner, appointment_type: AppointmentType) -> bool:
        return any(p.pk == practitioner.pk for p in self.offering.get(appointment_type.pk, ()))


def require_offer(practitioner: Practitioner | None, appointment_type: AppointmentType) -> None:
    """BookingRuleBroken naming `practitioner` when they do not offer this type."""
    if practitioner is not None and not reference_data().offers(practitioner, appointment_type):
        raise BookingRuleBroken(
            f"{practitioner.name} does not offer {appointment_type.name}.", field="practitioner", code="not_offered"
        )


def reference_data() -> ReferenceData:
    """Cached per process until staff change something (see scheduling.cache)."""
    return cached(("reference-data",), _load_reference_data, depends_on=(REFERENCE,))


def clinic_details() -> Clinic:
    """The clinic's details, cached per process like reference data: pages show them on every request."""
    return cached(("clinic",), Clinic.load, depends_on=(REFERENCE,))


def _load_reference_data() -> ReferenceData:
    # With their intake questions: booking a type asks them, so reading them costs no query per booking.
    types = {t.slug: t for t in AppointmentType.objects.filter(is_active=True).prefetch_related("intake_questions")}
    practitioners = list(
        Practitioner.objects.filter(is_active=True)
        .prefetch_related("appointment_types", Prefetch("opening_hours", OpeningHours.objects.order_by("opens_at")))
        .order_by("slug")
    )
    offering: dict[int, list[Practitioner]] = defaultdict(list)
    hours: dict[int, Hours] = {}
    # Only what can still affect a bookable day; anything over by yesterday is history.
    yesterday = clinic_time.today() - timedelta(days=1)
    time_off = time_off_spans(TimeOff.objects.filter(ends_at__gte=clinic_time.days(yesterday, yesterday).start))
    for practitioner in practitioners:
        for offered in practitioner.appointment_types.all():
            offering[offered.pk].append(practitioner)
        hours[practitioner.pk] = defaultdict(list)
        for interval in practitioner.opening_hours.all():
            hours[practitioner.pk][interval.weekday].append((interval.opens_at, interval.closes_at))
    return ReferenceData(
        types=types,
        practitioners={p.slug: p for p in practitioners},
        offering=dict(offering),
        hours=hours,
        time_off=dict(time_off),
        closures=list(ClinicClosure.objects.filter(last_day__gte=yesterday)),
        resources=ResourceData.load(clinic_time.days(yesterday, yesterday).start),
        since=yesterday,
    )


def time_off_spans(time_off) -> dict[int, list[Span]]:
    spans: dict[int, list[Span]] = defaultdict(list)
    for pk, starts_at, ends_at in time_off.values_list("practitioner_id", "starts_at", "ends_at"):
        spans[pk].append(Span(starts_at, ends_at))
    return spans
