"""A realistic clinic for a newcomer to look at (`manage.py load_demo clinic`, `make run DEMO=clinic`): a name,
an address and a phone, three named practitioners with lunch breaks, weekends closed, minimum notice, and
the coming public holidays closed, three treatment rooms and a hydrotherapy pool that therapy needs, and flu
jabs in group sessions of twelve. The prototype's one practitioner, open every day, is set inactive (not
deleted: `make run` without DEMO keeps it, and the prototype's API contract is answered by it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from django.db import transaction

from scheduling import cache, clinic_time
from scheduling.models import (
    AppointmentType,
    Booking,
    Clinic,
    ClinicClosure,
    ClinicHours,
    OpeningHours,
    Practitioner,
    Resource,
    ResourcePool,
    ResourceRequirement,
)
from scheduling.models import IntakeQuestion as Question

# What booking some types asks: (type slug, asks new or returning, [questions]); made again, the same rows.
INTAKE = [
    (
        "physiotherapy",
        True,
        [
            Question(
                slug="pain-area",
                label="Where is the pain or problem?",
                kind=Question.Kind.CHOICE,
                choices=["Neck", "Back", "Shoulder", "Knee", "Elsewhere"],
                required=True,
            ),
            Question(
                slug="referred",
                label="Were you referred by a doctor?",
                kind=Question.Kind.YES_NO,
                help_text="If so, please bring the referral letter.",
            ),
        ],
    ),
    (
        "new-patient",
        False,
        [
            Question(
                slug="medications",
                label="Which medicines do you take?",
                kind=Question.Kind.LONG_TEXT,
                help_text="Names and doses, if you know them. Leave empty if none.",
            ),
            Question(
                slug="heard-of-us",
                label="How did you hear about the clinic?",
                kind=Question.Kind.SHORT_TEXT,
                clinical=False,
            ),
        ],
    ),
]
PROTOTYPE_PRACTITIONER = "clinic"
WEEKDAYS = range(5)  # Monday to Friday: weekends closed
HOLIDAY_HORIZON_DAYS = 400  # every public holiday within a booking horizon (at most a year) and a bit


@dataclass(frozen=True)
class DemoType:
    slug: str
    name: str
    minutes: int
    min_notice_minutes: int
    change_cutoff_minutes: int = 0
    slot_interval_minutes: int | None = None
    capacity: int = 1
    needs: tuple[str, ...] = ()  # pools, one unit of each
    allow_series: bool = False  # patients may book a course of it


TYPES = [
    DemoType("consultation", "Consultation", 30, min_notice_minutes=2 * 60, change_cutoff_minutes=24 * 60),
    DemoType("follow-up", "Follow-up", 15, min_notice_minutes=60),
    DemoType(
        "therapy",
        "Therapy",
        60,
        min_notice_minutes=24 * 60,
        change_cutoff_minutes=24 * 60,
        needs=("treatment-rooms",),
        allow_series=True,
    ),
    DemoType(
        "physiotherapy",
        "Physiotherapy",
        45,
        min_notice_minutes=24 * 60,
        change_cutoff_minutes=24 * 60,
        slot_interval_minutes=15,
        needs=("treatment-rooms",),
        allow_series=True,
    ),
    DemoType("new-patient", "New patient appointment", 45, min_notice_minutes=24 * 60, slot_interval_minutes=15),
    DemoType("vaccination", "Vaccination", 10, min_notice_minutes=30, slot_interval_minutes=10),
    DemoType(
        "hydrotherapy",
        "Hydrotherapy",
        45,
        min_notice_minutes=24 * 60,
        change_cutoff_minutes=24 * 60,
        needs=("hydrotherapy-pool",),
        allow_series=True,
    ),
    DemoType("flu-jab", "Flu jab", 10, min_notice_minutes=30, capacity=12),
]


@dataclass(frozen=True)
class DemoPool:
    slug: str
    name: str
    units: tuple[tuple[str, str, str, int], ...]  # (slug, name, kind, turnover minutes)


POOLS = [
    DemoPool(
        "treatment-rooms",
        "Treatment rooms",
        tuple((f"treatment-room-{n}", f"Treatment room {n}", "room", 0) for n in (1, 2, 3)),
    ),
    DemoPool("hydrotherapy-pool", "Hydrotherapy pool", (("hydrotherapy-pool", "Hydrotherapy pool", "room", 15),)),
]


@dataclass(frozen=True)
class DemoPractitioner:
    slug: str
    name: str
    types: tuple[str, ...]
    morning: tuple[time, time]
    afternoon: tuple[time, time]  # the gap between the two is lunch


PRACTITIONERS = [
    DemoPractitioner(
        "dr-amara-okafor",
        "Dr Amara Okafor",
        ("consultation", "follow-up", "new-patient"),
        (time(8, 30), time(12, 30)),
        (time(13, 30), time(17, 0)),
    ),
    DemoPractitioner(
        "dr-tomasz-nowak",
        "Dr Tomasz Nowak",
        ("consultation", "follow-up", "vaccination", "flu-jab"),
        (time(9, 0), time(13, 0)),
        (time(14, 0), time(18, 0)),
    ),
    DemoPractitioner(
        "sarah-lindqvist",
        "Sarah Lindqvist (physiotherapist)",
        ("therapy", "physiotherapy", "follow-up", "hydrotherapy"),
        (time(8, 0), time(12, 0)),
        (time(12, 45), time(16, 0)),
    ),
    DemoPractitioner(
        "jonas-berg",
        "Jonas Berg (physiotherapist)",
        ("therapy", "physiotherapy", "hydrotherapy"),
        (time(9, 0), time(13, 0)),
        (time(13, 45), time(17, 0)),
    ),
]

CLINIC = {
    "name": "Riverside Family Clinic",
    "address": "12 Riverside Walk\nLondon SE1 9PX",
    "phone": "+44 20 7946 0958",
    "emergency_number": "999",  # the UK's; the notice is the standard, translated sentence
}
# What patients are told: the front desk's hours, which span all three practitioners' days.
CLINIC_HOURS = [(day, time(8, 0), time(18, 0)) for day in WEEKDAYS]
# Named so only where the server keeps London's clock (CLINIC_TIME_ZONE; `make run DEMO=clinic` sets it):
# elsewhere patients see the zone's own name rather than a label the clock contradicts.
LONDON = ("Europe/London", "London time")


class DemoRefused(Exception):
    """The database already holds bookings: the demo would change the clinic they were made in."""


def _load_intake(types: dict[str, AppointmentType]) -> list[str]:
    done = []
    for slug, asks_new_patient, questions in INTAKE:
        appointment_type = types[slug]
        AppointmentType.objects.filter(pk=appointment_type.pk).update(asks_new_patient=asks_new_patient)
        for position, question in enumerate(questions, start=1):
            asked = ("label", "kind", "choices", "required", "help_text", "clinical")
            fields = {name: getattr(question, name) for name in asked} | {"position": position}
            Question.objects.update_or_create(appointment_type=appointment_type, slug=question.slug, defaults=fields)
        done.append(f"{appointment_type.name} asks: " + ", ".join(q.label for q in questions))
    return done


def _load_rooms(types: dict[str, AppointmentType]) -> list[str]:
    """The rooms and the pool, and which types need them; what it did, one line each."""
    done = []
    for p in POOLS:
        pool, _ = ResourcePool.objects.update_or_create(slug=p.slug, defaults={"name": p.name})
        members = []
        for slug, name, kind, turnover in p.units:
            unit, _ = Resource.objects.update_or_create(
                slug=slug, defaults={"name": name, "kind": kind, "turnover_minutes": turnover, "is_active": True}
            )
            members.append(unit)
        pool.members.set(members)
        done.append(f"{p.name}: {', '.join(unit.name for unit in members)}")
    for t in TYPES:
        ResourceRequirement.objects.filter(appointment_type=types[t.slug]).exclude(pool__slug__in=t.needs).delete()
        for need in t.needs:
            ResourceRequirement.objects.update_or_create(
                appointment_type=types[t.slug], pool=ResourcePool.objects.get(slug=need), defaults={"quantity": 1}
            )
        if t.needs:
            names = {p.slug: p.name for p in POOLS}
            done.append(f"{t.name} needs one unit of: {', '.join(names[need] for need in t.needs)}")
        if t.capacity > 1:
            done.append(f"{t.name}: {t.capacity} patients per {t.minutes}-minute session")
    return done


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous algorithm, as in Meeus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=last.weekday())


def bank_holidays(year: int) -> list[tuple[str, date]]:
    """England and Wales' bank holidays of `year`, with the weekday that stands in when one falls on a
    weekend (Christmas on a Saturday moves to Monday, Boxing Day to Tuesday)."""
    easter = easter_sunday(year)
    new_year = date(year, 1, 1)
    christmas, boxing = date(year, 12, 25), date(year, 12, 26)
    if christmas.weekday() >= 5:  # Saturday or Sunday: both move to the next weekdays
        christmas_off, boxing_off = christmas + timedelta(days=2), boxing + timedelta(days=2)
    elif boxing.weekday() == 5:  # Christmas on a Friday: Boxing Day on Monday
        christmas_off, boxing_off = christmas, boxing + timedelta(days=2)
    else:
        christmas_off, boxing_off = christmas, boxing
    return [
        ("New Year's Day", new_year if new_year.weekday() < 5 else _weekday_on_or_after(new_year, 0)),
        ("Good Friday", easter - timedelta(days=2)),
        ("Easter Monday", easter + timedelta(days=1)),
        ("Early May bank holiday", _weekday_on_or_after(date(year, 5, 1), 0)),
        ("Spring bank holiday", _last_monday(year, 5)),
        ("Summer bank holiday", _last_monday(year, 8)),
        ("Christmas Day", christmas_off),
        ("Boxing Day", boxing_off),
    ]


def coming_holidays(today: date) -> list[tuple[str, date]]:
    """The bank holidays from `today` to HOLIDAY_HORIZON_DAYS ahead, in order."""
    last = today + timedelta(days=HOLIDAY_HORIZON_DAYS)
    every = [h for year in range(today.year, last.year + 1) for h in bank_holidays(year)]
    return sorted((h for h in every if today <= h[1] <= last), key=lambda h: h[1])


@transaction.atomic
def load_clinic(today: date, *, over_bookings: bool = False) -> list[str]:
    """Make (or make again: the same rows, not twice) the demo clinic; what it did, one line each."""
    loaded_before = Practitioner.objects.filter(slug__in=[p.slug for p in PRACTITIONERS]).count() == len(PRACTITIONERS)
    # Over the demo's own bookings, making it again changes nothing they depend on: `make run DEMO=clinic`
    # runs it every time.
    if not (over_bookings or loaded_before) and Booking.objects.exists():
        raise DemoRefused("The database already has bookings; the demo clinic would change the clinic they are in.")
    done = []
    zone, label = LONDON
    Clinic.objects.update_or_create(
        pk=1, defaults={**CLINIC, "time_zone_label": label if clinic_time.zone().key == zone else ""}
    )
    ClinicHours.objects.filter(clinic_id=1).delete()
    ClinicHours.objects.bulk_create(
        ClinicHours(clinic_id=1, weekday=day, opens_at=opens, closes_at=closes) for day, opens, closes in CLINIC_HOURS
    )
    done.append(f"Clinic: {CLINIC['name']}, {CLINIC['phone']}, open Monday to Friday 08:00 to 18:00")
    types = {}
    for t in TYPES:
        types[t.slug], _ = AppointmentType.objects.update_or_create(
            slug=t.slug,
            defaults={
                "name": t.name,
                "duration_minutes": t.minutes,
                "min_notice_minutes": t.min_notice_minutes,
                "patient_change_cutoff_minutes": t.change_cutoff_minutes,
                "slot_interval_minutes": t.slot_interval_minutes,
                "capacity": t.capacity,
                "allow_series": t.allow_series,
                "is_active": True,
            },
        )
    done.append(f"Appointment types: {', '.join(t.name for t in TYPES)}")
    done += _load_intake(types)
    done += _load_rooms(types)
    for p in PRACTITIONERS:
        practitioner, _ = Practitioner.objects.update_or_create(
            slug=p.slug, defaults={"name": p.name, "is_active": True}
        )
        practitioner.appointment_types.set([types[slug] for slug in p.types])
        practitioner.opening_hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(practitioner=practitioner, weekday=weekday, opens_at=opens, closes_at=closes)
            for weekday in WEEKDAYS
            for opens, closes in (p.morning, p.afternoon)
        )
        done.append(
            f"{p.name}: Monday to Friday {p.morning[0]:%H:%M}-{p.afternoon[1]:%H:%M}, lunch "
            f"{p.morning[1]:%H:%M}-{p.afternoon[0]:%H:%M}"
        )
    if Practitioner.objects.filter(slug=PROTOTYPE_PRACTITIONER, is_active=True).update(is_active=False):
        done.append("The prototype's practitioner (open every day) is inactive")
    for name, day in coming_holidays(today):
        ClinicClosure.objects.get_or_create(name=name, first_day=day, defaults={"last_day": day})
    done.append("Closed on " + ", ".join(f"{name} {day:%Y-%m-%d}" for name, day in coming_holidays(today)))
    cache.changed(cache.REFERENCE)
    return done
