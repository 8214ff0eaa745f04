"""Failed sign-ins slow an attacker down without locking the real user out from elsewhere."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # the clinic's own proxy: every request's peer
RIGHT = "the-right-password-123"


@pytest.fixture
def behind_one_proxy(settings):
    settings.NUM_PROXIES = 1


@pytest.fixture
def boss(db):
    return User.objects.create_superuser("boss", password=RIGHT)


def client_at(address: str) -> Client:
    """A browser at `address`, reaching the service through the clinic's proxy."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


def sign_in(client, username="boss", password=RIGHT):
    return client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})


def test_five_wrong_passwords_from_one_client_do_not_lock_the_real_user_out_from_another(behind_one_proxy, boss):
    attacker, real_user = client_at("203.0.113.7"), client_at("198.51.100.9")
    statuses = [sign_in(attacker, password=f"guess-{n}").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]

    assert sign_in(real_user).status_code == 302
    assert real_user.get("/admin/").status_code == 302  # on to the second step: the password was accepted
    assert "_auth_user_id" in real_user.session

    refused = sign_in(attacker)  # even the right password, from the attacker's address
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 900
    assert "_auth_user_id" not in attacker.session


def test_one_address_trying_many_usernames_is_locked_out_whole(behind_one_proxy, boss, settings):
    settings.ADMIN_LOGIN_ADDRESS_ATTEMPTS = 20
    sprayer = client_at("203.0.113.7")
    statuses = [sign_in(sprayer, username=f"user{n}", password="Summer2026!").status_code for n in range(20)]
    assert statuses[:19] == [200] * 19  # never more than one try per username
    assert statuses[19] == 429
    assert sign_in(sprayer, username="boss", password="Summer2026!").status_code == 429
    assert sign_in(client_at("198.51.100.9")).status_code == 302


def test_a_lockout_ends_a_window_after_the_last_failure(behind_one_proxy, boss):
    attacker = client_at("203.0.113.7")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(5):
            sign_in(attacker, password=f"guess-{n}")
        clock.shift(timedelta(minutes=10))
        refused = sign_in(attacker)
        assert (refused.status_code, refused["Retry-After"]) == (429, "300")
        clock.shift(timedelta(minutes=5, seconds=1))
        assert sign_in(attacker).status_code == 302


def test_a_successful_sign_in_clears_the_count(boss, settings):
    settings.ADMIN_LOGIN_ATTEMPTS = 2
    client = Client()
    assert sign_in(client, password="wrong").status_code == 200
    assert sign_in(client).status_code == 302
    client.logout()
    assert sign_in(client, password="wrong").status_code == 200


def test_a_forged_forwarding_header_does_not_buy_new_tries(boss):
    """With no proxy configured, X-Forwarded-For is the client's own claim and is ignored."""
    statuses = [
        Client(HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        .post("/admin/login/", {"username": "boss", "password": f"guess-{n}"})
        .status_code
        for n in range(6)
    ]
    assert statuses == [200, 200, 200, 200, 429, 429]
