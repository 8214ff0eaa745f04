"""The desk's booking list fits its screen: a long name is cut short in its cell and kept whole in its title."""

from datetime import time

import pytest
from django.urls import reverse

from scheduling import bookings

pytestmark = pytest.mark.django_db


def test_a_long_name_is_cut_short_in_the_booking_list_and_whole_in_its_title(admin_client, consultation, tomorrow):
    long_name = ("Maximiliana Wilhelmina Konstantinopoulou-Featherstonehaugh " * 3)[:120].strip()
    bookings.book(
        bookings.RequestedSlot(consultation, tomorrow, time(10)), patient=bookings.PatientDetails(name=long_name)
    )

    page = admin_client.get(reverse("admin:scheduling_booking_changelist")).content.decode()

    assert f'<td class="field-listed_name"><span title="{long_name}">{long_name}</span></td>' in page
    assert "text-overflow: ellipsis" in page


def test_the_name_column_sorts_by_name(admin_client, consultation, tomorrow):
    for hour, name in [(10, "Zed Last"), (11, "Ada First")]:
        bookings.book(
            bookings.RequestedSlot(consultation, tomorrow, time(hour)), patient=bookings.PatientDetails(name=name)
        )

    page = admin_client.get(reverse("admin:scheduling_booking_changelist"), {"o": "3"}).content.decode()

    assert page.index("Ada First") < page.index("Zed Last")
