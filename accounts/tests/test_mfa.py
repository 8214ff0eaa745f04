"""The admin's second step: a code from an authenticator app (TOTP) after the password, set up by the staff
member, with single-use recovery codes; required for every staff member by default (ADMIN_MFA_REQUIRED)."""

import re
from base64 import b32decode
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessFailureLog
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.mfa import recovery
from accounts.tests.signin import app_code

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-desk-password"
BOOKINGS_API = "/api/calendly/bookings"


@pytest.fixture
def clock():
    """Codes change every 30 seconds and each is accepted once: tests move the clock on between them."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(db):
    user = User.objects.create_user("desk", password=PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_booking"))
    return user


@pytest.fixture
def desk_with_app(desk):
    TOTPDevice.objects.create(user=desk, name="Authenticator app", confirmed=True)
    return desk


def device_of(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


def password_step(client, username="desk", password=PASSWORD, next_page="/admin/"):
    response = client.post("/admin/login/", {"username": username, "password": password, "next": next_page})
    assert response.status_code == 302, "the password is right"
    return client.get(response["Location"])


def code_from_page_key(page: str) -> str:
    """What an app shows after the staff member types the key the set-up page shows."""
    key = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    totp = TOTP(b32decode(key))
    totp.time = timezone.now().timestamp()
    return f"{totp.token():06d}"


def recovery_codes_on(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]+)</code></li>", page)


def test_an_operator_from_createsuperuser_sets_up_an_app_and_gets_into_the_admin(client, clock, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, username="operator", email="op@example.com", verbosity=0)
    sent_on = password_step(client, username="operator")
    assert sent_on.status_code == 302 and sent_on["Location"].startswith("/admin/mfa/set-up/")
    set_up = client.get(sent_on["Location"])
    page = set_up.content.decode()
    assert set_up.status_code == 200 and "<svg" in page and "Cache-Control" in set_up.headers
    assert "no-store" in set_up["Cache-Control"]

    confirmed = client.post(sent_on["Location"], {"code": code_from_page_key(page), "next": "/admin/"})
    codes = recovery_codes_on(confirmed.content.decode())
    assert confirmed.status_code == 200 and len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.get(user__username="operator").confirmed


def test_a_wrong_code_does_not_set_up_the_app(client, desk, clock):
    set_up = password_step(client)
    set_up = client.get(set_up["Location"])
    wrong = f"{(int(code_from_page_key(set_up.content.decode())) + 1) % 1_000_000:06d}"
    response = client.post("/admin/mfa/set-up/", {"code": wrong})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=desk, confirmed=True).exists()
    assert client.get("/admin/").status_code == 302


def test_staff_without_an_app_reach_no_admin_page_and_no_staff_api_before_setting_one_up(client, desk):
    password_step(client)
    for page in ("/admin/", "/admin/scheduling/booking/", "/admin/login/"):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith("/admin/mfa/set-up/")
    assert client.get(BOOKINGS_API).status_code in (401, 403)


def test_signing_in_takes_the_apps_code_after_the_password(client, desk_with_app, clock):
    asked = password_step(client, next_page="/admin/scheduling/booking/")
    assert asked.status_code == 302 and asked["Location"].startswith("/admin/mfa/verify/")
    assert client.get("/admin/").status_code == 302
    assert client.get(BOOKINGS_API).status_code in (401, 403)

    wrong = client.post("/admin/mfa/verify/", {"code": "12345x"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302

    clock.shift(timedelta(seconds=30))  # past django-otp's pause after a wrong code
    verified = client.post(
        "/admin/mfa/verify/", {"code": app_code(device_of(desk_with_app)), "next": "/admin/scheduling/booking/"}
    )
    assert (verified.status_code, verified["Location"]) == (302, "/admin/scheduling/booking/")
    assert client.get("/admin/scheduling/booking/").status_code == 200
    assert client.get(BOOKINGS_API).status_code == 200


def test_a_code_is_accepted_once(client, desk_with_app, clock):
    code = app_code(device_of(desk_with_app))
    password_step(client)
    assert client.post("/admin/mfa/verify/", {"code": code}).status_code == 302
    client.post("/admin/logout/")
    password_step(client)
    assert client.post("/admin/mfa/verify/", {"code": code}).status_code == 200  # replayed: refused


def test_after_verify_the_next_page_stays_on_this_site(client, desk_with_app):
    password_step(client)
    response = client.post(
        "/admin/mfa/verify/", {"code": app_code(device_of(desk_with_app)), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/admin/"


def test_a_recovery_code_signs_in_once(client, desk_with_app, clock):
    first, second, *_ = recovery.new_codes(desk_with_app)
    password_step(client)
    used = client.post("/admin/mfa/verify/", {"code": first.upper()}, follow=True)
    assert used.status_code == 200 and "9 left" in used.content.decode()
    client.post("/admin/logout/")

    password_step(client)
    assert client.post("/admin/mfa/verify/", {"code": first}).status_code == 200
    clock.shift(timedelta(minutes=1))
    assert client.post("/admin/mfa/verify/", {"code": second}).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, desk_with_app, sign_in_past_mfa, clock):
    old = recovery.new_codes(desk_with_app)
    staff = Client()
    sign_in_past_mfa(staff, desk_with_app)
    assert "10 unused recovery codes" in staff.get("/admin/mfa/recovery-codes/").content.decode()
    new = recovery_codes_on(staff.post("/admin/mfa/recovery-codes/").content.decode())
    assert len(new) == 10 and not set(new) & set(old)

    password_step(client)
    assert client.post("/admin/mfa/verify/", {"code": old[0]}).status_code == 200
    clock.shift(timedelta(minutes=1))
    assert client.post("/admin/mfa/verify/", {"code": new[0]}).status_code == 302


def test_a_password_alone_cannot_replace_the_app(client, desk_with_app):
    password_step(client)
    response = client.get("/admin/mfa/set-up/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/mfa/verify/")
    client.post("/admin/mfa/set-up/", {"code": "123456"})
    assert list(TOTPDevice.objects.filter(user=desk_with_app).values_list("confirmed", flat=True)) == [True]


def test_wrong_codes_are_failed_sign_ins_in_the_history_and_lock_out(client, desk_with_app, settings, clock):
    settings.ADMIN_LOGIN_ATTEMPTS = 3
    password_step(client)
    statuses = []
    for _ in range(3):
        statuses.append(client.post("/admin/mfa/verify/", {"code": "000000"}).status_code)
        clock.shift(timedelta(seconds=10))
    assert statuses == [200, 200, 429]
    assert "_auth_user_id" not in client.session
    assert AccessFailureLog.objects.filter(username="desk", path_info="/admin/mfa/verify/").count() == 3
    assert client.post("/admin/login/", {"username": "desk", "password": PASSWORD}).status_code == 429


def test_without_the_requirement_staff_without_an_app_sign_in_with_the_password(client, desk_with_app, settings):
    settings.ADMIN_MFA_REQUIRED = False
    User.objects.create_user("front", password=PASSWORD, is_staff=True)
    assert password_step(client, username="front").status_code == 200
    client.post("/admin/logout/")
    assert password_step(client).status_code == 302  # desk has an app: its code is still asked


def test_a_superuser_resets_a_staff_members_app_and_recovery_codes(admin_client, client, desk_with_app):
    recovery.new_codes(desk_with_app)
    users = "/admin/auth/user/"
    assert "authenticator app" in admin_client.get(users).content.decode().lower()
    admin_client.post(users, {"action": "reset_two_step_sign_in", "_selected_action": [desk_with_app.pk]})
    assert not TOTPDevice.objects.filter(user=desk_with_app).exists()
    assert not StaticDevice.objects.filter(user=desk_with_app).exists()
    sent_on = password_step(client)
    assert sent_on["Location"].startswith("/admin/mfa/set-up/")


def test_staff_who_may_edit_users_but_are_not_superusers_cannot_reset(client, desk_with_app, sign_in_past_mfa):
    manager = User.objects.create_user("manager", is_staff=True)
    manager.user_permissions.set(Permission.objects.filter(codename__in=["view_user", "change_user"]))
    sign_in_past_mfa(client, manager)
    client.post("/admin/auth/user/", {"action": "reset_two_step_sign_in", "_selected_action": [desk_with_app.pk]})
    assert TOTPDevice.objects.filter(user=desk_with_app).exists()
