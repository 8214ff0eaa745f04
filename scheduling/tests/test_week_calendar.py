"""The desk's week calendar: its layout arithmetic, what staff see on it (and only what they reach, each read
logged), booking from it with the valid start times listed, moving a booking through a confirmation, the
printable day list, and the permission to book off the slot grid."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
import time_machine
from django.urls import reverse

from scheduling import bookings, cache, clinic_time
from scheduling.admin.calendar_layout import Placement, Scale, cells, clock, minute_of_day, scale_around
from scheduling.models import Booking, BookingEvent, PatientDataRead, TimeOff
from scheduling.rules import BookingRuleBroken
from scheduling.tests.staff import member_of

CALENDAR = "admin:scheduling_booking_calendar"


# The layout: plain arithmetic, no database.


def test_a_span_covers_the_rows_of_its_minutes():
    scale = Scale(8 * 60, 18 * 60, row_minutes=5)
    assert scale.rows == 120
    assert scale.place(8 * 60, 8 * 60 + 30) == Placement(row=1, rows=6)
    assert scale.place(10 * 60 + 30, 11 * 60) == Placement(row=31, rows=6)
    assert scale.place(10 * 60 + 2, 10 * 60 + 3) == Placement(row=25, rows=1)  # too short to see: one row


def test_spans_are_clipped_to_the_scale_or_left_off_it():
    scale = Scale(9 * 60, 17 * 60)
    assert scale.place(8 * 60, 9 * 60 + 15) == Placement(row=1, rows=3)
    assert scale.place(16 * 60 + 45, 18 * 60) == Placement(row=94, rows=3)
    assert scale.place(7 * 60, 8 * 60) is None


def test_the_scale_widens_to_whole_hours_around_every_span():
    assert scale_around([], default=(480, 1080)) == Scale(480, 1080)
    assert scale_around([(7 * 60 + 20, 8 * 60), (18 * 60, 19 * 60 + 10)], default=(480, 1080)) == Scale(420, 1200)
    assert scale_around([(-30, 60), (1400, 1500)], default=(480, 1080)) == Scale(0, 1440)


def test_hour_labels_sit_on_their_rows():
    assert Scale(8 * 60, 10 * 60).hours() == [(480, Placement(1, 12)), (540, Placement(13, 12))]


def test_free_time_is_cut_into_cells_on_quarter_hours_none_too_small_to_click():
    assert cells(600, 660, 15) == [(600, 615), (615, 630), (630, 645), (645, 660)]
    assert cells(610, 650, 15) == [(610, 630), (630, 650)]  # the 5-minute edges join their neighbours
    assert cells(601, 604, 15) == [(601, 604)]
    assert cells(600, 620, 15) == [(600, 620)]


def test_minutes_of_a_day_count_across_midnight(tomorrow):
    at = clinic_time.local(clinic_time.at(tomorrow, time(10, 30)))
    assert minute_of_day(at, tomorrow) == 630
    assert minute_of_day(at + timedelta(hours=14), tomorrow) == 1470
    assert minute_of_day(at - timedelta(hours=11, minutes=30), tomorrow) == -60
    assert clock(630) == "10:30"


# The pages.


def booked(appointment_type, day, at, name="Ann Lee", practitioner=None) -> Booking:
    booking, _ = bookings.book(
        bookings.RequestedSlot(appointment_type, day, at, practitioner), patient=bookings.PatientDetails(name=name)
    )
    return booking


@pytest.mark.django_db
def test_the_week_shows_each_booking_with_its_patient_and_type_and_logs_the_reads(admin_client, consultation, tomorrow):
    ann = booked(consultation, tomorrow, time(10))
    page = admin_client.get(reverse(CALENDAR), {"date": tomorrow.isoformat()}).content.decode()
    assert "Ann Lee" in page and "Consultation, 10:00\u201310:30" in page
    assert "status-confirmed" in page and "draggable" in page
    assert reverse("admin:scheduling_booking_move", args=[ann.pk]) in page
    add = reverse("admin:scheduling_booking_add")
    assert f"{add}?practitioner={ann.practitioner_id}&amp;date={tomorrow.isoformat()}&amp;start_time=11:00" in page
    monday = tomorrow - timedelta(days=tomorrow.weekday())
    assert f"{monday:%a %d %b}" in page and f"{monday + timedelta(days=6):%a %d %b}" in page
    assert list(PatientDataRead.objects.values_list("booking", "action")) == [(ann.pk, "listed")]


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["week", "day"])
def test_a_group_session_is_one_block_with_its_seats_taken_linking_to_the_day_schedule(
    admin_client, consultation, clinic, tomorrow, view
):
    from scheduling.tests.resources import seats

    seats(consultation, clinic, clinic_time.at(tomorrow, time(10)), ["Ann Lee", "Bob Ray"], capacity=12)
    page = admin_client.get(reverse(CALENDAR), {"date": tomorrow.isoformat(), "view": view}).content.decode()
    grid = page[page.index('<div class="cal"') :]
    assert grid.count("Consultation: 2 of 12 seats</strong>") == 1
    assert f"{reverse('admin:scheduling_booking_day')}?date={tomorrow.isoformat()}" in grid
    assert "10:00\u201310:30" in grid
    assert "Ann Lee" not in grid and "Buffer" not in grid
    assert f"date={tomorrow.isoformat()}&amp;start_time=10:00" not in grid  # the session's time is not free


@pytest.mark.django_db
def test_a_week_leaves_out_a_practitioners_day_off_unless_something_is_booked(admin_client, clinic, tomorrow):
    monday = tomorrow - timedelta(days=tomorrow.weekday())
    saturday, sunday = monday + timedelta(days=5), monday + timedelta(days=6)
    clinic.opening_hours.filter(weekday__in=[5, 6]).delete()
    cache.changed(cache.REFERENCE)
    page = admin_client.get(reverse(CALENDAR), {"date": monday.isoformat()}).content.decode()
    heads = re.findall(r'<div class="cal-head[^"]*">([^<]+)<span>', page)
    assert heads == [f"{monday + timedelta(days=n):%a %d %b}" for n in range(5)]
    assert f"nothing is booked: {saturday:%a %d %b}, {sunday:%a %d %b}." in page
    day = admin_client.get(reverse(CALENDAR), {"date": saturday.isoformat(), "view": "day"}).content.decode()
    assert re.findall(r'<div class="cal-head[^"]*">([^<]+)<span>', day) == [f"{saturday:%a %d %b}"]


@pytest.mark.django_db
def test_the_day_view_marks_now_and_shades_time_off(client, admin_user, sign_in_past_mfa, clinic, tomorrow):
    TimeOff.objects.create(
        practitioner=clinic, starts_at=clinic_time.at(tomorrow, time(14)), ends_at=clinic_time.at(tomorrow, time(16))
    )
    with time_machine.travel(clinic_time.at(tomorrow, time(9, 40)), tick=False):
        admin_client = client
        sign_in_past_mfa(admin_client, admin_user)  # on the day: yesterday's session would be past its 12 hours
        page = admin_client.get(reverse(CALENDAR), {"date": tomorrow.isoformat(), "view": "day"}).content.decode()
    assert 'class="now"' in page
    assert "Time off / closed" in page
    assert "start_time=09:30" not in page  # the past cannot be booked
    assert "start_time=09:45" in page and "start_time=14:00" not in page


@pytest.mark.django_db
def test_a_practitioner_sees_only_their_own_column(
    client, sign_in_past_mfa, make_practitioner, consultation, clinic, tomorrow
):
    own = make_practitioner("dr-rao", types=[consultation], name="Dr Rao")
    mine = booked(consultation, tomorrow, time(10), "Olive Own", own)
    booked(consultation, tomorrow, time(10), "Oscar Other", clinic)
    sign_in_past_mfa(client, member_of("practitioner", "rao", own))
    page = client.get(reverse(CALENDAR), {"date": tomorrow.isoformat()}).content.decode()
    assert "Olive Own" in page and "Dr Rao" in page
    assert "Oscar Other" not in page
    assert page.count('class="cal-col') == 7  # one column a day: theirs
    assert list(PatientDataRead.objects.values_list("booking", flat=True)) == [mine.pk]


@pytest.mark.django_db
def test_the_week_costs_the_same_queries_however_many_bookings(
    admin_client, consultation, tomorrow, django_assert_max_num_queries
):
    booked(consultation, tomorrow, time(10))
    with django_assert_max_num_queries(40) as one:
        admin_client.get(reverse(CALENDAR), {"date": tomorrow.isoformat()})
    for hour in range(11, 17):
        booked(consultation, tomorrow, time(hour), f"Pat {hour}")
        booked(consultation, tomorrow + timedelta(days=1), time(hour), f"Pat {hour}b")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = admin_client.get(reverse(CALENDAR), {"date": tomorrow.isoformat(), "view": "week"})
    assert page.content.decode().count("status-confirmed") >= 7


@pytest.mark.django_db
def test_the_desk_form_opens_prefilled_with_the_valid_start_times(admin_client, consultation, clinic, tomorrow):
    booked(consultation, tomorrow, time(10))
    add = reverse("admin:scheduling_booking_add")
    query = {"practitioner": clinic.pk, "date": tomorrow.isoformat(), "start_time": "11:00"}
    page = admin_client.get(add, {**query, "appointment_type": consultation.pk}).content.decode()
    assert 'value="11:00"' in page and f'value="{tomorrow.isoformat()}"' in page
    assert 'data-start-time="09:00"' in page and 'data-start-time="10:00"' not in page  # 10:00 is taken
    partial = admin_client.get(
        reverse("admin:scheduling_booking_start_times"), {**query, "appointment_type": consultation.pk}
    ).content.decode()
    assert 'data-start-time="10:30"' in partial and 'data-start-time="10:00"' not in partial
    nothing = admin_client.get(reverse("admin:scheduling_booking_start_times")).content.decode()
    assert "Choose a type and a day" in nothing


@pytest.mark.django_db
def test_without_javascript_show_times_returns_the_form_with_them_listed(admin_client, consultation, tomorrow):
    form = {"appointment_type": consultation.pk, "date": tomorrow.isoformat(), "patient_name": "Walk In"}
    page = admin_client.post(reverse("admin:scheduling_booking_add"), {**form, "_show_times": "1"})
    assert page.status_code == 200 and not Booking.objects.exists()
    assert 'data-start-time="09:00"' in page.content.decode()
    assert "Choose one of the start times listed." in page.content.decode()
    assert 'value="Walk In"' in page.content.decode()


def desk_booking(client, consultation, day, at: str, practitioner=None, **more):
    form = {"appointment_type": consultation.pk, "date": day.isoformat(), "start_time": at, "patient_name": "Walk In"}
    form.update(more)
    if practitioner is not None:
        form["practitioner"] = practitioner.pk
    return client.post(reverse("admin:scheduling_booking_add"), form)


@pytest.mark.django_db
def test_off_the_grid_is_refused_without_the_permission_naming_the_start_time(
    client, sign_in_past_mfa, consultation, tomorrow
):
    sign_in_past_mfa(client, member_of("receptionist", "desk"))
    response = desk_booking(client, consultation, tomorrow, "10:10", off_grid="on")  # the box is not theirs
    assert response.status_code == 200 and not Booking.objects.exists()
    assert "off_grid" not in response.context["adminform"].form.fields
    assert response.context["adminform"].form.errors["start_time"][0].startswith("10:10 is not a Consultation slot")


@pytest.mark.django_db
def test_a_manager_books_off_the_grid_only_when_asking_for_it(client, sign_in_past_mfa, consultation, tomorrow):
    sign_in_past_mfa(client, member_of("manager", "boss"))
    assert "Book off the slot grid" in client.get(reverse("admin:scheduling_booking_add")).content.decode()
    response = desk_booking(client, consultation, tomorrow, "10:10")
    assert response.context["adminform"].form.errors["start_time"][0].startswith("10:10 is not a Consultation slot")
    assert not Booking.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("at", ["10:10", "18:30"], ids=["off the grid", "outside hours"])
def test_a_manager_books_off_the_grid_and_the_history_says_so(client, sign_in_past_mfa, consultation, tomorrow, at):
    sign_in_past_mfa(client, member_of("manager", "boss"))
    response = desk_booking(client, consultation, tomorrow, at, off_grid="on")
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert f"{clinic_time.local(booking.starts_at):%H:%M}" == at
    assert BookingEvent.objects.get(booking=booking).reason == "booked off the slot grid"
    history = client.get(reverse("admin:scheduling_booking_change", args=[booking.pk])).content.decode()
    assert "booked off the slot grid" in history


@pytest.mark.django_db
def test_off_the_grid_never_overlaps(client, sign_in_past_mfa, consultation, tomorrow):
    booked(consultation, tomorrow, time(10))
    sign_in_past_mfa(client, member_of("manager", "boss"))
    response = desk_booking(client, consultation, tomorrow, "10:10", off_grid="on")
    assert response.status_code == 200 and Booking.objects.count() == 1
    assert "no longer available" in str(response.context["adminform"].form.errors)


@pytest.mark.django_db
def test_a_patient_cannot_ask_for_off_the_grid(consultation, tomorrow):
    with pytest.raises(BookingRuleBroken, match="Only staff"):
        bookings.book(
            bookings.RequestedSlot(consultation, tomorrow, time(10, 10)),
            patient=bookings.PatientDetails(name="Pat"),
            off_grid=True,
        )


@pytest.mark.django_db
def test_moving_lists_free_times_then_asks_then_moves(admin_client, consultation, clinic, tomorrow):
    ann = booked(consultation, tomorrow, time(10))
    times = admin_client.get(reverse("admin:scheduling_booking_move", args=[ann.pk])).content.decode()
    confirm = reverse("admin:scheduling_booking_move_confirm", args=[ann.pk])
    assert f"{confirm}?date={tomorrow.isoformat()}&amp;start_time=11%3A30&amp;practitioner={clinic.pk}" in times
    assert ">10:00 with" not in times  # its own time is no move
    query = {"date": tomorrow.isoformat(), "start_time": "11:30", "practitioner": clinic.pk}
    question = admin_client.get(confirm, query).content.decode()
    assert f"Move Ann Lee\u2019s Consultation to {tomorrow:%a %d %b} 11:30 with {clinic.name}?" in question
    assert Booking.objects.get(pk=ann.pk).starts_at == ann.starts_at  # asking changes nothing
    done = admin_client.post(confirm, {**query, "revision": ann.revision}, follow=True)
    moved = Booking.objects.get(pk=ann.pk)
    assert f"{clinic_time.local(moved.starts_at):%H:%M}" == "11:30"
    assert f"Moved {ann.reference} to" in done.content.decode()
    event = moved.events.order_by("-revision").first()
    assert (event.kind, event.channel, event.reason) == ("rescheduled", "admin", "")


@pytest.mark.django_db
def test_a_time_taken_meanwhile_says_so_and_changes_nothing(admin_client, consultation, clinic, tomorrow):
    ann = booked(consultation, tomorrow, time(10))
    confirm = reverse("admin:scheduling_booking_move_confirm", args=[ann.pk])
    query = {"date": tomorrow.isoformat(), "start_time": "11:30", "practitioner": clinic.pk}
    assert "Move Ann Lee" in admin_client.get(confirm, query).content.decode()
    booked(consultation, tomorrow, time(11, 30), "Quick Other")
    done = admin_client.post(confirm, {**query, "revision": ann.revision}, follow=True)
    assert "Not moved: This time is no longer available" in done.content.decode()
    assert Booking.objects.get(pk=ann.pk).starts_at == ann.starts_at


@pytest.mark.django_db
def test_a_move_confirmation_refuses_bad_input_with_a_message(admin_client, consultation, tomorrow):
    ann = booked(consultation, tomorrow, time(10))
    confirm = reverse("admin:scheduling_booking_move_confirm", args=[ann.pk])
    for query in [{}, {"date": "2026-02-30"}, {"date": tomorrow.isoformat(), "start_time": "25:00"}]:
        page = admin_client.get(confirm, {"practitioner": "x", **query})
        assert page.status_code == 200 and 'role="alert"' in page.content.decode()
    assert admin_client.get(reverse("admin:scheduling_booking_move", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_a_practitioner_cannot_move_anothers_booking(
    client, sign_in_past_mfa, make_practitioner, consultation, clinic, tomorrow
):
    own = make_practitioner("dr-rao", types=[consultation], name="Dr Rao")
    other = booked(consultation, tomorrow, time(10), "Oscar Other", clinic)
    sign_in_past_mfa(client, member_of("practitioner", "rao", own))
    assert client.get(reverse("admin:scheduling_booking_move", args=[other.pk])).status_code == 404


@pytest.mark.django_db
def test_the_printable_day_list_has_one_line_per_booking_with_a_check_in_box(admin_client, consultation, tomorrow):
    booked(consultation, tomorrow, time(10))
    booked(consultation, tomorrow, time(11), "Bob Brown")
    page = admin_client.get(reverse("admin:scheduling_booking_print_day"), {"date": tomorrow.isoformat()})
    text = page.content.decode()
    assert text.count('class="check-box"') == 2
    assert text.index("Ann Lee") < text.index("Bob Brown")
    assert "@media print" in text


@pytest.mark.django_db
def test_a_move_off_the_grid_needs_the_permission_and_is_recorded(
    client, sign_in_past_mfa, consultation, clinic, tomorrow
):
    ann = booked(consultation, tomorrow, time(10))
    confirm = reverse("admin:scheduling_booking_move_confirm", args=[ann.pk])
    query = {"date": tomorrow.isoformat(), "start_time": "11:10", "practitioner": clinic.pk}
    sign_in_past_mfa(client, member_of("receptionist", "desk"))
    assert "is not a Consultation slot" in client.get(confirm, query).content.decode()
    client.post(confirm, {**query, "revision": ann.revision})
    assert Booking.objects.get(pk=ann.pk).starts_at == ann.starts_at
    sign_in_past_mfa(client, member_of("manager", "boss"))
    assert "off the slot grid" in client.get(confirm, query).content.decode()
    client.post(confirm, {**query, "revision": ann.revision})
    moved = Booking.objects.get(pk=ann.pk)
    assert f"{clinic_time.local(moved.starts_at):%H:%M}" == "11:10"
    assert moved.events.order_by("-revision").first().reason == "booked off the slot grid"


@pytest.mark.django_db
def test_a_lunch_break_on_a_closed_day_is_part_of_the_closure(clinic, tomorrow):
    from scheduling.admin.day_schedule import timeline
    from scheduling.calendars import Calendars
    from scheduling.models import ClinicClosure, OpeningHours

    OpeningHours.objects.filter(practitioner=clinic, weekday=tomorrow.weekday()).update(closes_at=time(12))
    OpeningHours.objects.create(practitioner=clinic, weekday=tomorrow.weekday(), opens_at=time(13), closes_at=time(17))
    cache.changed(cache.REFERENCE)

    def kinds() -> list[str]:
        calendars = Calendars.load(tomorrow, tomorrow, [clinic], now=clinic_time.now())
        return [entry.kind for entry in timeline(calendars, clinic, tomorrow, [])]

    assert kinds() == ["free", "closed", "free"]
    ClinicClosure.objects.create(name="Flood", first_day=tomorrow, last_day=tomorrow)
    cache.changed(cache.REFERENCE)
    assert kinds() == ["away", "away", "away"]


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["week", "day"])
def test_a_booking_made_from_the_calendar_returns_to_it_on_its_day(admin_client, consultation, clinic, tomorrow, view):
    grid = admin_client.get(reverse(CALENDAR), {"date": tomorrow.isoformat(), "view": view}).content.decode()
    add = reverse("admin:scheduling_booking_add")
    link = f"{add}?practitioner={clinic.pk}&amp;date={tomorrow.isoformat()}&amp;start_time=11:00&amp;calendar={view}"
    assert link in grid
    form = {
        "appointment_type": consultation.pk,
        "practitioner": clinic.pk,
        "date": tomorrow.isoformat(),
        "start_time": "11:00",
        "patient_name": "Walk In",
    }
    made = admin_client.post(link.replace("&amp;", "&"), form)
    assert made.status_code == 302
    assert made["Location"] == f"{reverse(CALENDAR)}?view={view}&date={tomorrow.isoformat()}"
    assert Booking.objects.get().patient_name == "Walk In"
    another = admin_client.post(link.replace("&amp;", "&"), {**form, "start_time": "12:00", "_addanother": "1"})
    assert another["Location"].startswith(add)  # "Save and add another" keeps its meaning


@pytest.mark.django_db
def test_the_week_of_one_practitioner_keeps_them_chosen_on_every_link(
    admin_client, make_practitioner, consultation, tomorrow
):
    rao = make_practitioner("dr-rao", types=[consultation], name="Dr Rao")
    make_practitioner("dr-okafor", types=[consultation], name="Dr Okafor")
    booked(consultation, tomorrow, time(10), "Ann Lee", practitioner=rao)
    cache.changed(cache.REFERENCE)
    page = admin_client.get(reverse(CALENDAR), {"date": tomorrow.isoformat(), "practitioner": "dr-rao"})
    text = page.content.decode()
    heads = re.findall(r'<div class="cal-head[^"]*">[^<]+<span>([^<]+)</span>', text)
    assert set(heads) == {"Dr Rao"} and len(heads) == 7
    assert '<option value="dr-rao" selected>Dr Rao</option>' in text and "Ann Lee" in text
    assert text.count("&amp;practitioner=dr-rao") == 4  # previous, today, next, the day view
    everyone = admin_client.get(reverse(CALENDAR), {"date": tomorrow.isoformat(), "practitioner": "dr-who"})
    shown = set(re.findall(r'<div class="cal-head[^"]*">[^<]+<span>([^<]+)</span>', everyone.content.decode()))
    assert {"Dr Rao", "Dr Okafor"} <= shown
    assert "No practitioner &#x27;dr-who&#x27; to show; showing everyone." in everyone.content.decode()


@pytest.mark.django_db
def test_digits_that_are_not_ascii_are_no_choice_rather_than_a_500(admin_client, consultation, tomorrow):
    """ "²".isdigit() is true, and no database takes it for a key."""
    ann = booked(consultation, tomorrow, time(10))
    times = admin_client.get(
        reverse("admin:scheduling_booking_start_times"),
        {"appointment_type": "²", "practitioner": "²", "date": tomorrow.isoformat()},
    )
    assert times.status_code == 200
    confirm = reverse("admin:scheduling_booking_move_confirm", args=[ann.pk])
    asked = {"date": tomorrow.isoformat(), "start_time": "11:00", "practitioner": "²"}
    refused = admin_client.get(confirm, asked)
    assert refused.status_code == 200 and "Choose a practitioner you may book for." in refused.content.decode()
