"""Every admin page and staff API URL asks for the model permission it shows: a staff login with none is
refused everywhere, and sees no patient.

The walk visits every URL pattern the project serves (included ones too), so a view added later without a
permission check fails here until it has one."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django_tasks_db.models import DBTaskResult

from accounts.models import StaffToken
from accounts.tokens import issue
from scheduling import bookings, clinic_time
from scheduling.models import Booking, Clinic, ClinicClosure, PatientDataRead, TimeOff
from scheduling.tests.staff import staff_member
from waitlist import line
from waitlist.models import Entry, Offer
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

PATIENT = "Ada Lovelace"

# The admin pages any staff login may open: they show nothing of anyone else. Logging in and out are not
# visited (logging out would end the walk's session). Besides the home, they are the staff member's own
# account: the password, and the second step of signing in (its page sends a session past it home).
OPEN_TO_ANY_STAFF = {
    "admin:index",
    "admin:password_change",
    "admin:password_change_done",
    "admin:jsi18n",
    "admin:mfa_verify",
    "admin:mfa_enrol",
    "admin:mfa_recovery_codes",
}
NOT_VISITED = {"admin:login", "admin:logout"}

# The API's public operations (availability, booking, holds, reference data, joining the waitlist). Every
# other `api/calendly/` URL is staff's, or the patient's with a manage token.
PUBLIC_API = {
    "availability-list",
    "book-list",
    "hold-list",
    "hold-release",
    "hold-id-in-path",  # the old address: 410 whatever the id
    "appointment-type-list",
    "appointment-type-detail",
    "practitioner-list",
    "practitioner-detail",
    "waitlist-list",
}

# What a refusal is: 401/403, or 404 where the URL names a booking or entry that opens only with its token
# (a wrong token looks like no booking at all), an app the user sees nothing of, or no page at all.
REFUSED = {401, 403, 404}


def url_patterns(patterns=None, prefix="", namespace=""):
    """(route, name, callback) of every URL pattern, included ones too, routes joined as Django joins them."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield prefix + str(pattern.pattern), name, pattern.callback


def concrete_url(route: str, samples: dict[str, str]) -> str:
    """The route with each converter (`<path:object_id>`) and named group (`(?P<pk>...)`) filled in."""
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: samples[m[1]], route)
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: samples[m[1]], url)
    return "/" + url.replace("^", "").replace("$", "")


@pytest.fixture
def one_of_each(consultation, clinic, tomorrow):
    """A row of every model the admin lists, so that each object URL names one that exists."""
    Endpoint.objects.create(url="https://example.com/hook", events=["booking.created"])  # a delivery per booking
    booked, _ = bookings.book(
        bookings.RequestedSlot(consultation, tomorrow, time(10)),
        patient=bookings.Patient(name=PATIENT, email="ada@example.com", reason_for_visit="Chest pain"),
    )
    patient = bookings.Patient(name="Grace Hopper", email="grace@example.com")
    entry = line.join(line.Wish(consultation, tomorrow, tomorrow + timedelta(days=1)), patient)
    now = clinic_time.now()
    held = bookings.offer(
        bookings.RequestedSlot(consultation, tomorrow, time(14)), patient=patient, until=now + timedelta(minutes=30)
    )
    Offer.objects.create(entry=entry, hold=held, offered_at=now, expires_at=now + timedelta(minutes=30))
    TimeOff.objects.create(practitioner=clinic, starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=4))
    ClinicClosure.objects.create(first_day=tomorrow + timedelta(days=9), last_day=tomorrow + timedelta(days=9))
    Group.objects.create(name="Front desk")
    Clinic.load()
    issue(StaffToken(user=User.objects.create_user("integration", is_staff=True), name="Integration"), days=1)
    PatientDataRead.objects.create(actor_name="reception", booking=booked, action="viewed", channel="admin")
    AccessFailureLog.objects.create(username="boss", ip_address="203.0.113.9", user_agent="", path_info="/admin/login/")
    AccessAttempt.objects.create(username="boss", ip_address="203.0.113.9", user_agent="", failures_since_start=1)
    AccessLog.objects.create(username="boss", ip_address="203.0.113.9", user_agent="")
    assert Delivery.objects.exists() and DBTaskResult.objects.exists() and Entry.objects.exists()
    return booked


def samples_for(route: str, booked: Booking, user: User) -> dict[str, str]:
    """Real values for the route's parameters: a booking's reference, an existing object's pk..."""
    samples = {
        "booking_id": booked.reference,
        "waitlist_id": Entry.objects.get().reference,
        "hold_id": "hold_unknown",
        "pk": str(Endpoint.objects.get().pk),
        "slug": "consultation",
        "practitioner": "clinic",
        "app_label": "scheduling",
        "url": "no/such/page/",
        "id": str(user.pk),
        "content_type_id": str(ContentType.objects.get_for_model(Booking).pk),
    }
    admin_model = re.match(r"admin/(\w+)/(\w+)/<path:object_id>/", route)
    if admin_model:
        model = apps.get_model(*admin_model.groups())
        first = model._default_manager.order_by("pk").first()
        assert first is not None, f"No {model.__name__} to visit: make one in one_of_each"
        samples["object_id"] = str(first.pk)  # a token's admin names it by its user, as its `pk` does
    else:
        samples["object_id"] = str(booked.pk)  # the admin's "view on site" shortcut
    return samples


def guarded_urls(booked: Booking, user: User) -> list[tuple[str, str, str]]:
    """(name, URL, method) of every admin and staff API URL, with real values for its parameters."""
    guarded = []
    for route, name, callback in url_patterns():
        is_admin = route.startswith("admin/")
        is_staff_api = route.startswith("api/calendly/") and name not in PUBLIC_API
        is_feed = route.startswith("calendars/")
        if not (is_admin or is_staff_api or is_feed) or name in NOT_VISITED:
            continue
        url = concrete_url(route, samples_for(route, booked, user))
        assert resolve(url).func == callback, f"{url} does not lead back to {route}"
        guarded.append((name or route, url, "get"))
    return guarded


def visit(client, url: str):
    response = client.get(url)
    if response.status_code == 405:  # a POST-only action (check in, rotate a secret...): try that
        response = client.post(url, {}, content_type="application/json")
    if response.status_code == 302 and response["Location"] == f"{url}change/":
        # The admin's old object URL (`…/<pk>/`) redirects to `…/<pk>/change/`: what counts is the target.
        response = client.get(response["Location"])
    return response


def test_a_staff_login_without_permissions_is_refused_by_every_admin_and_staff_url(
    client, one_of_each, sign_in_past_mfa
):
    nobody = staff_member("new-desk")
    sign_in_past_mfa(client, nobody)
    answers, leaks = {}, []
    for name, url, _ in guarded_urls(one_of_each, nobody):
        response = visit(client, url)
        status, body = response.status_code, response.content.decode(errors="replace")
        if PATIENT in body or "ada@example.com" in body:
            leaks.append(f"{url} shows the patient ({status})")
        elif name in OPEN_TO_ANY_STAFF:
            if status != 200 and not (status == 302 and response["Location"] == "/admin/"):
                leaks.append(f"{url} answered {status}, not its page")
        elif status in (301, 302):
            # To sign in, or home with "doesn't exist" for an object the login may not see (its own tokens only).
            if not (response["Location"].startswith("/admin/login/") or response["Location"] == "/admin/"):
                leaks.append(f"{url} redirects to {response['Location']}")
        elif status not in REFUSED:
            leaks.append(f"{url} answered {status}")
        answers[url] = status
    assert leaks == [], "\n".join(leaks)
    # The walk covered the admin of every model (six URLs each) and the staff API, and most were refused
    # by a permission check (403), not because the URL found nothing.
    assert len(answers) >= 100
    assert sum(status == 403 for status in answers.values()) >= 70
    assert answers["/admin/scheduling/booking/day/"] == 403
    assert answers["/api/calendly/bookings"] == 403


def test_the_admin_home_says_so_and_offers_no_day_schedule(client, sign_in_past_mfa):
    sign_in_past_mfa(client, staff_member("new-desk"))
    page = client.get("/admin/").content.decode()
    assert "permission to view or edit anything" in page
    assert "Day schedule" not in page


def test_the_walk_reaches_real_pages_for_a_superuser(client, one_of_each, sign_in_past_mfa):
    """The same URLs, for someone who may see everything: they exist, and the walk above is no formality."""
    boss = User.objects.create_superuser("boss")
    sign_in_past_mfa(client, boss)
    statuses = [visit(client, url).status_code for _, url, _ in guarded_urls(one_of_each, boss)]
    assert statuses.count(200) >= 60


def test_the_day_schedule_needs_the_permission_to_view_bookings(client, one_of_each, tomorrow, sign_in_past_mfa):
    url = f"/admin/scheduling/booking/day/?date={tomorrow.isoformat()}"
    sign_in_past_mfa(client, staff_member("new-desk"))
    refused = client.get(url)
    assert refused.status_code == 403
    assert PATIENT not in refused.content.decode()

    sign_in_past_mfa(client, staff_member("reception", "scheduling.view_booking"))
    shown = client.get(url)
    assert shown.status_code == 200
    assert PATIENT in shown.content.decode()


def test_the_day_schedule_buttons_need_the_permission_to_change_bookings(
    client, one_of_each, tomorrow, sign_in_past_mfa
):
    sign_in_past_mfa(client, staff_member("reception", "scheduling.view_booking"))
    url = f"/admin/scheduling/booking/day/?date={tomorrow.isoformat()}"
    answer = client.post(url, {"reference": one_of_each.reference, "action": "cancel"}, follow=True)
    assert "You may not change bookings." in answer.content.decode()
    assert Booking.objects.get(pk=one_of_each.pk).status == Booking.Status.CONFIRMED


@pytest.mark.parametrize(
    ("permissions", "status"), [((), 403), (("scheduling.view_booking",), 200), (("scheduling.change_booking",), 200)]
)
def test_the_staff_list_needs_a_permission_to_view_bookings(api, one_of_each, permissions, status):
    api.force_authenticate(staff_member("desk", *permissions))
    response = api.get("/api/calendly/bookings")
    assert response.status_code == status
    assert (PATIENT in response.content.decode()) == (status == 200)


def test_staff_without_the_permission_open_a_booking_only_with_its_token_and_as_the_patient(api, consultation, today):
    booked, token = bookings.book(
        bookings.RequestedSlot(consultation, today + timedelta(days=2), time(9)),
        patient=bookings.Patient(name=PATIENT),
    )
    api.force_authenticate(staff_member("new-desk"))
    assert api.get(f"/api/calendly/bookings/{booked.reference}").status_code == 404
    assert api.post(f"/api/calendly/bookings/{booked.reference}/check-in").status_code == 403
    assert api.get(f"/api/calendly/bookings/{booked.reference}", {"token": token}).status_code == 200
    cancelled = api.post(f"/api/calendly/bookings/{booked.reference}/cancel?token={token}", {}, format="json")
    assert cancelled.status_code == 200
    assert booked.events.get(kind="cancelled").actor == "patient"


def test_webhook_endpoints_need_the_webhook_permissions(api, db):
    Endpoint.objects.create(url="https://example.com/hook", events=["booking.created"])
    api.force_authenticate(staff_member("new-desk", "scheduling.view_booking"))
    assert api.get("/api/calendly/webhooks").status_code == 403
    api.force_authenticate(staff_member("integrations", "webhooks.view_endpoint"))
    assert api.get("/api/calendly/webhooks").status_code == 200
    created = api.post("/api/calendly/webhooks", {"url": "https://example.com/x", "events": ["booking.created"]})
    assert created.status_code == 403
