"""Every cell of the role matrix (role_matrix.py): each role, on every admin page and staff API URL, for
its own object and another practitioner's, gets the answer its cell says, and the log of reads of patient
data gains exactly the rows the cell says. A URL pattern without a row fails here.

The world is made once per run of this module and every cell runs in a transaction rolled back after it,
so an action one cell takes (a cancellation, a revoked link) is not there for the next."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import resolve

from accounts import roles as role_names
from accounts.models import StaffToken
from accounts.tests.signin import sign_in_past_mfa
from accounts.tokens import issue
from clinic_project.tests.role_matrix import ROLES, ROWS, Row, concrete_url, matrix_size, url_patterns
from notifications.models import Message
from scheduling import bookings, clinic_time
from scheduling.models import (
    AppointmentType,
    Booking,
    BookingSeries,
    Clinic,
    ClinicClosure,
    GroupSession,
    MatchCandidate,
    OpeningHours,
    Patient,
    PatientDataRead,
    Practitioner,
    PrivacyRequest,
    Resource,
    ResourcePool,
    TimeOff,
)
from scheduling.patients import privacy_requests
from scheduling.tests.staff import member_of
from waitlist import line
from waitlist.models import Entry, Offer
from webhooks.models import Delivery, Endpoint

# Not in the matrix: signing in and out (logging out would end the session), the second step of signing
# in (its pages are the signed-in account's own), and the API's public operations (availability, booking,
# holds, reference data, joining the waitlist; the patient's with a manage token are in the matrix).
NOT_IN_MATRIX = {
    "admin:login",
    "admin:logout",
    "admin:mfa_verify",
    "admin:mfa_enrol",
    "admin:mfa_recovery_codes",
    "availability-list",
    "book-list",
    "hold-list",
    "hold-release",
    "hold-id-in-path",
    "appointment-type-list",
    "appointment-type-detail",
    "practitioner-list",
    "practitioner-detail",
    "waitlist-list",
    "series-list",
    "series-preview",
}
STAFF_ROUTES = ("admin/", "api/calendly/", "calendars/")
# What a row's `of` may name: each is made twice, for the own practitioner and the other.
OWNED = (
    "booking",
    "entry",
    "offer",
    "message",
    "delivery",
    "time off",
    "practitioner",
    "read",
    "patient",
    "candidate",
    "privacy request",
    "series",
)


@functools.cache
def staff_urls() -> dict[str, tuple]:
    """{name (or route, when unnamed): (route, view)} of every admin, staff API and feed URL pattern."""
    found = {}
    for route, name, view in url_patterns():
        if route.startswith(STAFF_ROUTES) and (name or route) not in NOT_IN_MATRIX:
            found[name or route] = (route, view)
    return found


@dataclass
class World:
    owned: dict[str, dict[str, object]]  # what -> {"own": ..., "other": ...}
    markers: dict[str, dict[str, str | tuple[str, ...]]]  # what -> {"own": text naming it (any of), "other": ...}
    patients: list[str]  # every patient's name and e-mail address
    clients: dict[str, Client]
    users: dict[str, User]
    tomorrow: str


def make_world() -> World:
    consultation = AppointmentType.objects.get(slug="consultation")
    other = Practitioner.objects.get(slug="clinic")
    own = Practitioner.objects.create(slug="dr-own", name="Dr Ownwood")
    own.appointment_types.set([consultation])
    OpeningHours.objects.bulk_create(
        OpeningHours(practitioner=own, weekday=d, opens_at=time(9), closes_at=time(17)) for d in range(7)
    )
    Endpoint.objects.create(url="https://example.com/hook", events=["booking.created"])
    today, now = clinic_time.today(), clinic_time.now()
    tomorrow = today + timedelta(days=1)
    owned: dict[str, dict[str, object]] = {key: {} for key in OWNED}
    markers: dict[str, dict[str, str | tuple[str, ...]]] = {key: {} for key in owned}
    for variant, practitioner, patient, waiting in (
        ("own", own, "Olive Ownby", "Wanda Ownwait"),
        ("other", other, "Oscar Elsewhere", "Walter Elsewait"),
    ):
        email = f"{patient.split()[0].lower()}@example.com"
        booked, _ = bookings.book(
            bookings.RequestedSlot(consultation, tomorrow, time(10), practitioner),
            patient=bookings.PatientDetails(name=patient, email=email),
        )
        details = bookings.PatientDetails(name=waiting, email=f"{waiting.split()[0].lower()}@example.com")
        entry = line.join(line.Wish(consultation, tomorrow, tomorrow + timedelta(days=1), practitioner), details)
        held = bookings.offer(
            bookings.RequestedSlot(consultation, tomorrow, time(14), practitioner),
            patient=details,
            until=now + timedelta(minutes=30),
        )
        offer = Offer.objects.create(entry=entry, hold=held, offered_at=now, expires_at=now + timedelta(minutes=30))
        away = TimeOff.objects.create(
            practitioner=practitioner, starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=4)
        )
        read = PatientDataRead.objects.create(
            actor_name="earlier", booking=booked, patient=booked.patient, action="viewed", channel="admin"
        )
        owned["booking"][variant], markers["booking"][variant] = booked, patient
        owned["entry"][variant], markers["entry"][variant] = entry, waiting
        owned["offer"][variant], markers["offer"][variant] = offer, waiting
        # Its confirmation: a reminder may be due too, depending on the time of the run.
        owned["message"][variant] = Message.objects.get(booking=booked, kind=Message.Kind.CONFIRMATION)
        markers["message"][variant] = email
        owned["delivery"][variant] = Delivery.objects.get(booking=booked)
        markers["delivery"][variant] = booked.reference
        owned["time off"][variant], markers["time off"][variant] = away, practitioner.name
        owned["practitioner"][variant], markers["practitioner"][variant] = practitioner, practitioner.name
        owned["read"][variant], markers["read"][variant] = read, booked.reference
        owned["patient"][variant] = booked.patient
        markers["patient"][variant] = (patient, booked.patient.reference)  # the admin's, the API's
        # The waiting patient and the booked one: a possible duplicate, both of this practitioner's.
        candidate = MatchCandidate.objects.create(patient=entry.patient, existing=booked.patient, shared="e-mail")
        owned["candidate"][variant], markers["candidate"][variant] = candidate, patient
        asked, _ = privacy_requests.ask(booked, PrivacyRequest.Kind.COPY)
        owned["privacy request"][variant], markers["privacy request"][variant] = asked, patient
        # A course whose one visit is this booking, so the lists count the same bookings as without it.
        course = BookingSeries.objects.create(
            patient=booked.patient,
            appointment_type=consultation,
            practitioner=practitioner,
            weekdays=[tomorrow.isoweekday()],
            start_date=tomorrow,
            start_time=time(10),
            count=2,
        )
        Booking.objects.filter(pk=booked.pk).update(series=course, series_index=1)
        owned["series"][variant], markers["series"][variant] = course, (patient, booked.patient.reference)
    ClinicClosure.objects.create(first_day=today + timedelta(days=9), last_day=today + timedelta(days=9))
    room = Resource.objects.create(slug="room-1", name="Room 1")
    ResourcePool.objects.create(slug="treatment-rooms", name="Treatment rooms").members.add(room)
    GroupSession.objects.create(
        appointment_type=consultation,
        practitioner=other,
        starts_at=now + timedelta(days=5),
        ends_at=now + timedelta(days=5, hours=1),
        capacity=6,
    )
    Clinic.load()
    issue(StaffToken(user=User.objects.create_user("integration", is_staff=True), name="Integration"), days=1)
    AccessFailureLog.objects.create(username="boss", ip_address="203.0.113.9", user_agent="", path_info="/admin/login/")
    AccessAttempt.objects.create(username="boss", ip_address="203.0.113.9", user_agent="", failures_since_start=1)
    AccessLog.objects.create(username="boss", ip_address="203.0.113.9", user_agent="")
    users = {
        role_names.RECEPTIONIST: member_of(role_names.RECEPTIONIST, "reception"),
        role_names.PRACTITIONER: member_of(role_names.PRACTITIONER, "dr-ownwood", own),
        role_names.MANAGER: member_of(role_names.MANAGER, "manager"),
        role_names.PRIVACY_OFFICER: member_of(role_names.PRIVACY_OFFICER, "privacy"),
        "no role": User.objects.create_user("new-desk", is_staff=True),
        "superuser": User.objects.create_superuser("boss"),
    }
    assert set(users) == set(ROLES)
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        sign_in_past_mfa(clients[role], user)
    patients = [*markers["booking"].values(), *markers["entry"].values(), *markers["message"].values()]
    return World(owned, markers, patients, clients, users, tomorrow.isoformat())


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world every cell sees, made once: the module runs inside one transaction, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield make_world()
        transaction.set_rollback(True)


def samples(world: World, route: str, row: Row, variant: str, role: str) -> dict[str, str]:
    """Real values for the route's parameters: the own or other object's reference, pk or slug..."""
    mine = world.owned[row.of][variant] if row.of else None
    booking = mine if isinstance(mine, Booking) else world.owned["booking"]["own" if variant == "any" else variant]
    entry = mine if isinstance(mine, Entry) else world.owned["entry"]["own" if variant == "any" else variant]
    practitioner = (
        mine if isinstance(mine, Practitioner) else world.owned["practitioner"]["own" if variant == "any" else variant]
    )
    patient = mine if isinstance(mine, Patient) else booking.patient
    values = {
        "patient_id": patient.reference,
        "booking_id": booking.reference,
        "waitlist_id": entry.reference,
        "pk": str(Endpoint.objects.get().pk),
        "practitioner": practitioner.slug,
        "app_label": "scheduling",
        "url": "no/such/page/",
        "id": str(world.users[role].pk),
        "content_type_id": str(ContentType.objects.get_for_model(Booking).pk),
        "object_id": str(booking.pk),  # the admin's "view on site" shortcut
        "hours_id": str(practitioner.opening_hours.order_by("pk").first().pk),
        "time_off_id": str((mine if isinstance(mine, TimeOff) else world.owned["time off"]["own"]).pk),
        "closure_id": str(ClinicClosure.objects.order_by("pk").first().pk),
        "resource": "room-1",
        "series_id": (mine if isinstance(mine, BookingSeries) else world.owned["series"]["own"]).reference,
    }
    admin_object = route.startswith("admin/") and "<path:object_id>" in route and "/r/" not in route
    if admin_object:
        app_label, model_name = route.split("/")[1:3]
        model = apps.get_model(app_label, model_name)
        if mine is not None and isinstance(mine, model):
            values["object_id"] = str(mine.pk)
        else:
            first = model._default_manager.order_by("pk").first()
            assert first is not None, f"No {model.__name__} to visit: make one in make_world"
            values["object_id"] = str(first.pk)
    return values


def observed(world: World, row: Row, role: str, variant: str) -> str:
    """The cell's answer as role_matrix.py writes it, from one request."""
    route, view = staff_urls()[row.url]
    url = concrete_url(route, samples(world, route, row, variant, role))
    assert resolve(url).func == view, f"{url} does not lead back to {route}"
    if row.query:
        url += "?" + row.query.format(tomorrow=world.tomorrow)
    client = world.clients[role]
    client.cookies.pop("messages", None)  # a message left by another cell's action
    before = PatientDataRead.objects.count()
    response = client.generic(
        row.method.upper(),
        url,
        b"{}" if row.method == "post" else "",
        content_type="application/json" if url.startswith("/api/") else "application/x-www-form-urlencoded",
    )
    reads = PatientDataRead.objects.count() - before
    status, body = response.status_code, response.content.decode(errors="replace")
    if not reads:  # an answer that names a patient is in the log
        assert [name for name in world.patients if name in body] == [], f"{url} names patients unlogged"
    if status in (301, 302):
        return "302:home" if response["Location"] == "/admin/" else "302:to"
    answer = str(status) + (f":{reads}" if reads else "")
    marker = world.markers[row.of][variant] if row.of else None
    if status == 200 and marker is not None:
        answer += "+" if any(text in body for text in ((marker,) if isinstance(marker, str) else marker)) else "-"
    return answer


def cells() -> list:
    return [
        pytest.param(row, role, variant, id=f"{role}-{row.url}-{variant}")
        for row in ROWS
        for role in ROLES
        for variant in row.variants
    ]


@pytest.mark.parametrize(("row", "role", "variant"), cells())
def test_each_role_gets_its_cell(world, db, row, role, variant):
    expected = row.answer(role, variant)
    got = observed(world, row, role, variant)
    if expected.endswith(("+", "-")) or got[-1:] not in "+-":
        assert got == expected
    else:  # the cell does not say whether the page names the object
        assert got.rstrip("+-") == expected


def test_every_staff_url_has_a_row_and_every_row_a_url():
    urls, rows = set(staff_urls()), [row.url for row in ROWS]
    assert sorted(urls - set(rows)) == [], "URL patterns without a row in role_matrix.py"
    assert sorted(set(rows) - urls) == [], "rows of role_matrix.py naming no URL pattern"
    assert len(rows) == len(set(rows)), "a URL pattern with two rows"


def test_the_matrix_size():
    rows, cells_ = matrix_size()
    print(f"role matrix: {rows} rows x {len(ROLES)} roles x own/other = {cells_} cells")
    assert cells_ >= rows * len(ROLES)
