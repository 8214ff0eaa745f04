"""The clinic's opening hours as patients read them: runs of days with the same hours on one line, in the
patient's language, and nothing at all when staff set none."""

from __future__ import annotations

from datetime import time

from django.utils import translation

from scheduling.clinic_hours import DaysOpen, hours_lines, runs_of_days

MORNING, AFTERNOON = (time(8), time(12, 30)), (time(13, 30), time(18))


def week(days, *intervals):
    return [(day, opens, closes) for day in days for opens, closes in intervals]


def test_consecutive_days_with_the_same_hours_are_one_run():
    rows = week(range(5), (time(8), time(18))) + week([5], (time(9), time(12)))
    assert runs_of_days(rows) == [
        DaysOpen(0, 4, ((time(8), time(18)),)),
        DaysOpen(5, 5, ((time(9), time(12)),)),
    ]


def test_a_closed_day_breaks_a_run_and_is_not_listed():
    rows = week([0, 1, 3, 4], (time(8), time(18)))
    assert [(run.first_day, run.last_day) for run in runs_of_days(rows)] == [(0, 1), (3, 4)]


def test_a_lunch_break_is_part_of_the_days_hours_whatever_order_staff_typed_them():
    rows = week([0], AFTERNOON, MORNING) + week([1], MORNING, AFTERNOON) + week([2], MORNING)
    assert runs_of_days(rows) == [DaysOpen(0, 1, (MORNING, AFTERNOON)), DaysOpen(2, 2, (MORNING,))]


def test_no_hours_give_no_lines():
    assert hours_lines([]) == []


def test_the_lines_read_in_english():
    rows = week(range(5), MORNING, AFTERNOON) + week([5], (time(9), time(12)))
    with translation.override("en"):
        lines = [(line.days, line.hours) for line in hours_lines(rows)]
    assert lines == [
        ("Monday\N{EN DASH}Friday", "08:00\N{EN DASH}12:30, 13:30\N{EN DASH}18:00"),
        ("Saturday", "09:00\N{EN DASH}12:00"),
    ]


def test_weekday_names_are_the_active_languages():
    with translation.override("de"):
        [line] = hours_lines(week(range(5), (time(8), time(18))))
    assert line.days == "Montag\N{EN DASH}Freitag"
    assert line.hours == "08:00\N{EN DASH}18:00"
