"""Staff API tokens in the admin: issue one (its key shown on that page only), list, revoke with a
confirmation; without the permission to manage every token, staff see and issue only their own."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from accounts import tokens
from accounts.models import StaffToken
from accounts.tests.signin import sign_in_past_mfa

pytestmark = pytest.mark.django_db

ADD = reverse("admin:accounts_stafftoken_add")
LIST = reverse("admin:accounts_stafftoken_changelist")


def staff_member(username: str, *permissions: str) -> User:
    user = User.objects.create_user(username, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    return user


@pytest.fixture
def desk(db):
    return staff_member("desk", "add_stafftoken", "view_stafftoken", "delete_stafftoken")


@pytest.fixture
def desk_client(client, desk):
    sign_in_past_mfa(client, desk)
    return client


def issued_key(response) -> str:
    (token,) = StaffToken.objects.filter(name="Front desk tablet")
    start = response.content.decode().index(token.token_key)
    return response.content.decode()[start : start + len("clinic_") + 64]


def test_issuing_a_token_shows_its_key_on_that_page_and_never_again(admin_client, admin_user, api):
    response = admin_client.post(ADD, {"name": "Front desk tablet", "user": admin_user.pk, "days": 30})
    assert response.status_code == 200
    assert "shown only this once" in response.content.decode()
    key = issued_key(response)
    token = StaffToken.objects.get()
    assert (token.user, token.name) == (admin_user, "Front desk tablet")
    assert token.expiry - timezone.now() == pytest.approx(timedelta(days=30), abs=timedelta(minutes=1))
    assert key not in str(response.cookies), "not in a message cookie either"
    for page in (LIST, reverse("admin:accounts_stafftoken_change", args=[token.pk])):
        shown = admin_client.get(page)
        assert shown.status_code == 200
        assert "Front desk tablet" in shown.content.decode()
        assert key not in shown.content.decode()
    assert api.get("/api/calendly/bookings", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_the_list_shows_name_user_expiry_last_use_and_state(admin_client, desk):
    tokens.issue(StaffToken(user=desk, name="Nightly export"), days=7)
    old = StaffToken(user=desk, name="Old laptop")
    tokens.issue(old, days=1, now=timezone.now() - timedelta(days=2))
    page = admin_client.get(LIST).content.decode()
    for text in ("Nightly export", "Old laptop", "desk", "Expires", "Last used", "Key starts with"):
        assert text in page
    assert "Old laptop" in admin_client.get(LIST, {"state": "expired"}).content.decode()
    assert "Old laptop" not in admin_client.get(LIST, {"state": "active"}).content.decode()


def test_a_token_needs_a_name_and_a_sensible_lifetime(admin_client, admin_user):
    response = admin_client.post(ADD, {"name": "", "user": admin_user.pk, "days": 400})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"name", "days"}
    assert not StaffToken.objects.exists()


def test_a_second_token_of_the_same_name_is_refused_so_a_reload_issues_nothing(admin_client, admin_user):
    form = {"name": "Front desk tablet", "user": admin_user.pk, "days": 30}
    admin_client.post(ADD, form)
    again = admin_client.post(ADD, form)
    assert "already has a token with this name" in again.content.decode()
    assert StaffToken.objects.count() == 1


def test_revoking_asks_first_then_the_key_gets_401(admin_client, desk, api):
    key = tokens.issue(StaffToken(user=desk, name="Lost phone"), days=30)
    token = StaffToken.objects.get()
    delete = reverse("admin:accounts_stafftoken_delete", args=[token.pk])
    assert "Are you sure" in admin_client.get(delete).content.decode()
    assert StaffToken.objects.exists()
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    response = api.get("/api/calendly/bookings", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_staff_without_the_permission_see_and_revoke_only_their_own(desk_client, desk):
    tokens.issue(StaffToken(user=desk, name="My script"), days=30)
    manager = User.objects.create_superuser("manager")
    tokens.issue(StaffToken(user=manager, name="Billing integration"), days=30)
    theirs = StaffToken.objects.get(user=manager)

    page = desk_client.get(LIST).content.decode()
    assert "My script" in page
    assert "Billing integration" not in page
    assert "Billing integration" not in desk_client.get(LIST, {"q": "Billing"}).content.decode()
    assert desk_client.get(reverse("admin:accounts_stafftoken_change", args=[theirs.pk])).status_code == 302
    desk_client.post(reverse("admin:accounts_stafftoken_delete", args=[theirs.pk]), {"post": "yes"})
    bulk = {"action": "delete_selected", "_selected_action": [theirs.pk], "post": "yes"}
    desk_client.post(LIST, bulk)
    assert StaffToken.objects.filter(pk=theirs.pk).exists()


def test_staff_without_the_permission_issue_tokens_only_for_themselves(desk_client, desk):
    manager = User.objects.create_superuser("manager")
    form_page = desk_client.get(ADD).content.decode()
    assert "manager" not in form_page
    response = desk_client.post(ADD, {"name": "Sneaky", "user": manager.pk, "days": 30})
    assert "user" in response.context["adminform"].form.errors
    assert not StaffToken.objects.exists()
    desk_client.post(ADD, {"name": "Mine", "user": desk.pk, "days": 30})
    assert StaffToken.objects.get().user == desk


def test_with_the_permission_staff_see_every_token(client, desk):
    tokens.issue(StaffToken(user=desk, name="My script"), days=30)
    auditor = staff_member("auditor", "view_stafftoken", "manage_all_staff_tokens")
    sign_in_past_mfa(client, auditor)
    assert "My script" in client.get(LIST).content.decode()


def test_tokens_are_issued_only_to_active_staff(admin_client):
    patient = User.objects.create_user("not-staff")
    response = admin_client.post(ADD, {"name": "Nope", "user": patient.pk, "days": 30})
    assert "user" in response.context["adminform"].form.errors
    assert not StaffToken.objects.exists()
