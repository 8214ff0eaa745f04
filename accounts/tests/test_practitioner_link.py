"""A staff account is linked to at most one practitioner, on the practitioner's admin page (an autocomplete
of accounts); the account's own page and the users list show which."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError
from django.urls import reverse

from scheduling.models import Practitioner

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(db) -> User:
    account = User.objects.create_user("dr-rao", is_staff=True)
    Practitioner.objects.filter(slug="clinic").update(user=account)
    return account


def test_the_practitioners_page_links_an_account_through_an_autocomplete(admin_client):
    clinic = Practitioner.objects.get(slug="clinic")
    page = admin_client.get(reverse("admin:scheduling_practitioner_change", args=[clinic.pk])).content.decode()
    assert 'name="user"' in page and "admin-autocomplete" in page


def test_the_users_page_and_list_show_the_linked_practitioner(admin_client, linked):
    clinic = Practitioner.objects.get(slug="clinic")
    page = admin_client.get(reverse("admin:auth_user_change", args=[linked.pk])).content.decode()
    assert reverse("admin:scheduling_practitioner_change", args=[clinic.pk]) in page
    assert clinic.name in page
    listed = admin_client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert listed.count(reverse("admin:scheduling_practitioner_change", args=[clinic.pk])) == 1


def test_an_account_is_linked_to_one_practitioner_at_most(linked):
    other = Practitioner.objects.create(slug="dr-two", name="Dr Two")
    other.user = linked
    with pytest.raises(IntegrityError):
        other.save()
