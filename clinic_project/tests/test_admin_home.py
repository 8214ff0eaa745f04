"""The admin home is arranged for a receptionist: today's pages first, then bookings and patients, the
schedule's set-up, integrations and the system; every registered model stays reachable from it."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from scheduling.tests.staff import member_of

pytestmark = pytest.mark.django_db


def sections(page: str) -> list[str]:
    return [part.split("</span>")[0] for part in page.split('<caption><span class="section">')[1:]]


def test_a_receptionist_sees_today_first_and_no_token_up_front(client, sign_in_past_mfa):
    sign_in_past_mfa(client, member_of("receptionist", "desk"))
    page = client.get(reverse("admin:index")).content.decode()
    assert sections(page) == ["Today", "Bookings and patients", "Schedule set-up", "Integrations"]
    today = page.split('<caption><span class="section">')[1]
    for link in ("Day schedule", "Week calendar", "Check in", "Print today"):
        assert link in today
    assert page.index("Week calendar") < page.index("Bookings") < page.index("Practitioners")


def test_a_superuser_reaches_every_registered_model_from_home(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert sections(page)[0] == "Today" and sections(page)[-1] == "System"
    assert page.index("Bookings and patients") < page.index("Staff API tokens") < page.index("Users")
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert f'href="{url}"' in page, model
