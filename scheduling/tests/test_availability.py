"""The slot arithmetic on its own: plain values in and out, no database."""

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from scheduling.calendars import Calendars
from scheduling.rules import BookingWindow
from scheduling.slots import (
    SlotRules,
    Span,
    candidate_slots,
    free_slots,
    merged,
    open_spans,
    subtract,
    wall_time_exists,
)
from scheduling.tests.clock_changes import next_clock_change

UTC_ZONE = ZoneInfo("UTC")
DAY = date.today() + timedelta(days=7)  # noqa: DTZ011 - pure arithmetic on a calendar day
MIDNIGHT = datetime.combine(DAY, time(0), tzinfo=UTC)


def at(hh_mm: str, day: date = DAY) -> datetime:
    hours, minutes = map(int, hh_mm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=UTC)


def rules(minutes: int, step: int | None = None, before: int = 0, after: int = 0) -> SlotRules:
    return SlotRules(
        duration=timedelta(minutes=minutes),
        step=timedelta(minutes=step or minutes),
        buffer_before=timedelta(minutes=before),
        buffer_after=timedelta(minutes=after),
    )


def starts_of(slots) -> list[str]:
    return [f"{slot.start:%H:%M}" for slot in slots]


def test_slots_step_by_the_duration_from_opening_time():
    spans = open_spans(DAY, [(time(9), time(11))], UTC_ZONE)
    assert starts_of(candidate_slots(spans, rules(30), UTC_ZONE)) == ["09:00", "09:30", "10:00", "10:30"]


def test_a_slot_must_end_by_closing_time():
    spans = open_spans(DAY, [(time(9), time(10, 30))], UTC_ZONE)
    assert starts_of(candidate_slots(spans, rules(60), UTC_ZONE)) == ["09:00"]


def test_a_lunch_break_splits_the_day_and_each_interval_has_its_own_grid():
    spans = open_spans(DAY, [(time(9), time(12)), (time(13, 15), time(15))], UTC_ZONE)
    assert starts_of(candidate_slots(spans, rules(60), UTC_ZONE)) == ["09:00", "10:00", "11:00", "13:15"]


def test_slot_interval_shorter_than_duration_overlaps_candidates():
    spans = open_spans(DAY, [(time(9), time(10))], UTC_ZONE)
    assert starts_of(candidate_slots(spans, rules(30, step=15), UTC_ZONE)) == ["09:00", "09:15", "09:30"]


def test_a_booking_of_another_length_blocks_every_slot_it_touches():
    candidates = candidate_slots(open_spans(DAY, [(time(9), time(12))], UTC_ZONE), rules(15), UTC_ZONE)
    therapy = Span(at("10:00"), at("11:00"))
    free = free_slots(candidates=candidates, rules=rules(15), busy=[therapy], not_before=MIDNIGHT)
    assert "10:45" not in starts_of(free)
    assert starts_of(free)[3:5] == ["09:45", "11:00"]


def test_buffers_keep_neighbouring_time_free_without_being_offered():
    candidates = candidate_slots(open_spans(DAY, [(time(9), time(12))], UTC_ZONE), rules(30), UTC_ZONE)
    booked = Span(at("10:00"), at("10:30")).widened(timedelta(0), timedelta(minutes=15))
    free = free_slots(candidates=candidates, rules=rules(30, after=15), busy=[booked], not_before=MIDNIGHT)
    # 09:30 would end at 10:00 but its own 15-minute buffer runs into the booking; 10:30 starts in its buffer.
    assert starts_of(free) == ["09:00", "11:00", "11:30"]


def test_closed_time_removes_slots_but_a_buffer_may_reach_into_it():
    candidates = candidate_slots(open_spans(DAY, [(time(9), time(11))], UTC_ZONE), rules(30), UTC_ZONE)
    away = Span(at("10:00"), at("11:00"))
    free = free_slots(candidates=candidates, rules=rules(30, after=10), closed=[away], not_before=MIDNIGHT)
    assert starts_of(free) == ["09:00", "09:30"]


def test_not_before_and_not_after_bound_the_start():
    candidates = candidate_slots(open_spans(DAY, [(time(9), time(12))], UTC_ZONE), rules(60), UTC_ZONE)
    free = free_slots(candidates=candidates, rules=rules(60), not_before=at("09:01"), not_after=at("10:00"))
    assert starts_of(free) == ["10:00"]


def test_subtract_leaves_what_is_not_covered():
    day = [Span(at("09:00"), at("17:00"))]
    assert subtract(day, [Span(at("10:00"), at("11:00")), Span(at("10:30"), at("12:00"))]) == [
        Span(at("09:00"), at("10:00")),
        Span(at("12:00"), at("17:00")),
    ]


def test_new_york_spring_forward_offers_no_skipped_time_and_keeps_real_durations():
    new_york = ZoneInfo("America/New_York")
    spring = next_clock_change(new_york, forward=True)  # 02:00 jumps to 03:00
    assert not wall_time_exists(spring, time(2, 30), new_york)
    slots = candidate_slots(open_spans(spring, [(time(1), time(4))], new_york), rules(30), new_york)
    local = [slot.start.astimezone(new_york).strftime("%H:%M") for slot in slots]
    assert local == ["01:00", "01:30", "03:00", "03:30"]
    assert all(slot.end - slot.start == timedelta(minutes=30) for slot in slots)


def test_london_fall_back_offers_each_wall_clock_time_once():
    london = ZoneInfo("Europe/London")
    autumn = next_clock_change(london, forward=False)  # 02:00 BST goes back to 01:00 GMT
    slots = candidate_slots(open_spans(autumn, [(time(0), time(3))], london), rules(30), london)
    local = [slot.start.astimezone(london).strftime("%H:%M") for slot in slots]
    assert local == ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30"]
    assert len(set(local)) == len(local)


# Property-based: whatever the hours, bookings, buffers and closures, offered slots obey the rules.
minutes_of_day = st.integers(min_value=0, max_value=24 * 60 - 5).map(lambda m: m - m % 5)


@st.composite
def spans_in_day(draw, max_size=6):
    spans = []
    for _ in range(draw(st.integers(0, max_size))):
        start = draw(minutes_of_day)
        length = draw(st.integers(5, 240).map(lambda m: m - m % 5))
        spans.append(Span(MIDNIGHT + timedelta(minutes=start), MIDNIGHT + timedelta(minutes=start + length)))
    return spans


@st.composite
def opening_hours(draw):
    hours = []
    for _ in range(draw(st.integers(1, 3))):
        opens = draw(st.integers(0, 22 * 60).map(lambda m: m - m % 5))
        closes = draw(st.integers(opens + 5, 24 * 60 - 1))
        hours.append((time(opens // 60, opens % 60), time(closes // 60, closes % 60)))
    return hours


slot_rules = st.builds(
    rules,
    minutes=st.sampled_from([5, 10, 15, 20, 30, 45, 60, 90]),
    step=st.sampled_from([None, 5, 10, 15, 30]),
    before=st.sampled_from([0, 5, 10, 15]),
    after=st.sampled_from([0, 5, 10, 30]),
)


@given(hours=opening_hours(), busy=spans_in_day(), closed=spans_in_day(max_size=2), rules=slot_rules)
def test_offered_slots_obey_every_rule(hours, busy, closed, rules):
    spans = open_spans(DAY, hours, UTC_ZONE)
    not_before = MIDNIGHT + timedelta(hours=6)
    free = free_slots(
        candidates=candidate_slots(spans, rules, UTC_ZONE),
        rules=rules,
        busy=busy,
        closed=closed,
        not_before=not_before,
    )
    assert free == sorted(set(free)), "sorted and unique"
    for slot in free:
        assert slot.end - slot.start == rules.duration
        assert slot.start >= not_before
        assert any(span.start <= slot.start and slot.end <= span.end for span in spans), "inside hours"
        assert not any(rules.blocked(slot).overlaps(b) for b in busy), "buffered slot overlaps a booking"
        assert not any(slot.overlaps(c) for c in closed), "slot overlaps closed time"


@given(hours=opening_hours(), busy=spans_in_day(), rules=slot_rules)
def test_every_candidate_that_is_not_offered_has_a_reason(hours, busy, rules):
    candidates = candidate_slots(open_spans(DAY, hours, UTC_ZONE), rules, UTC_ZONE)
    free = set(free_slots(candidates=candidates, rules=rules, busy=busy, not_before=MIDNIGHT))
    for slot in candidates:
        if slot not in free:
            assert any(rules.blocked(slot).overlaps(b) for b in busy)


@given(spans=spans_in_day(), removed=spans_in_day())
def test_subtract_and_merge_agree_minute_by_minute(spans, removed):
    left = subtract(spans, removed)
    assert left == merged(left)

    def covers(group, moment):
        return any(s.start <= moment < s.end for s in group)

    for minute in range(0, 30 * 60, 5):
        moment = MIDNIGHT + timedelta(minutes=minute)
        assert covers(left, moment) == (covers(spans, moment) and not covers(removed, moment))


@st.composite
def practitioners_calendars(draw):
    """Up to four practitioners, each with their own hours, bookings and time off."""
    count = draw(st.integers(1, 4))
    people = [SimpleNamespace(pk=n, slug=f"p{n}") for n in range(count)]
    hours = {p.pk: {DAY.weekday(): draw(opening_hours())} for p in people}
    busy = {p.pk: draw(spans_in_day()) for p in people}
    closed = {p.pk: draw(spans_in_day(max_size=2)) for p in people}
    return Calendars(tz=UTC_ZONE, practitioners=people, hours=hours, closed=closed, busy=busy)


@given(calendars=practitioners_calendars(), rules=slot_rules)
def test_any_available_offers_a_slot_exactly_when_someone_is_free_for_it(calendars, rules):
    window = BookingWindow(opens=MIDNIGHT, closes=None)
    offered = {open_slot.span: open_slot.practitioners for open_slot in calendars.open_slots([DAY], rules, window)[DAY]}
    for person in calendars.practitioners:
        for slot in calendars.free(person, [DAY], rules, window):
            assert person in offered[slot], "a free practitioner is missing from an offered slot"
    for slot, people in offered.items():
        assert people, "a slot is offered with nobody free"
        for person in people:
            assert calendars.is_free(person, slot, rules, window)
            assert not any(rules.blocked(slot).overlaps(b) for b in calendars.busy[person.pk])
    assert list(offered) == sorted(offered)
