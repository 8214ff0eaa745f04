"""The failed sign-ins are a record staff with the permission read in the admin, and nobody rewrites."""

import pytest
from axes.models import AccessFailureLog
from django.contrib.auth.models import Permission, User
from django.test import Client

pytestmark = pytest.mark.django_db

HISTORY = "/admin/axes/accessfailurelog/"


@pytest.fixture
def failed_sign_in(settings):
    settings.NUM_PROXIES = 1
    User.objects.create_superuser("boss", password="the-right-password-123")
    Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7").post(
        "/admin/login/", {"username": "boss", "password": "not-the-password"}
    )
    return AccessFailureLog.objects.get()


def staff_member(client, sign_in_past_mfa, *permissions) -> Client:
    user = User.objects.create_user("auditor", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    sign_in_past_mfa(client, user)
    return client


def test_staff_with_the_view_permission_see_who_failed_from_where_and_when(client, sign_in_past_mfa, failed_sign_in):
    auditor = staff_member(client, sign_in_past_mfa, "view_accessfailurelog")
    page = auditor.get(HISTORY)
    assert page.status_code == 200
    text = page.content.decode()
    assert "boss" in text and "203.0.113.7" in text and "password" in text
    assert "not-the-password" not in text
    detail = auditor.get(f"{HISTORY}{failed_sign_in.pk}/change/").content.decode()
    assert "203.0.113.7" in detail and "not-the-password" not in detail


def test_staff_without_the_permission_cannot_see_it(client, sign_in_past_mfa, failed_sign_in):
    desk = staff_member(client, sign_in_past_mfa, "view_booking")
    assert desk.get(HISTORY).status_code == 403


def test_nobody_adds_changes_or_deletes_it_not_even_a_superuser(admin_client, failed_sign_in):
    change = f"{HISTORY}{failed_sign_in.pk}/change/"
    assert admin_client.get(change).status_code == 200  # shown read-only
    assert admin_client.post(change, {"username": "someone-else"}).status_code == 403
    assert admin_client.post(f"{HISTORY}{failed_sign_in.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get(f"{HISTORY}add/").status_code == 403
    bulk = admin_client.post(HISTORY, {"action": "delete_selected", "_selected_action": [failed_sign_in.pk]})
    assert bulk.status_code == 200  # "no action selected": the changelist offers no delete
    failed_sign_in.refresh_from_db()
    assert failed_sign_in.username == "boss"


def test_anonymous_visitors_are_sent_to_sign_in(client, failed_sign_in):
    response = client.get(HISTORY)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
