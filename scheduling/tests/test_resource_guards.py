"""The database itself keeps a room's or machine's time, and a group session's seats, whatever writes them.

Every write here is raw SQL through a cursor, past the booking engine and the ORM's checks, and each refusal
must name its guard (scheduling/guards.py) on both engines. On PostgreSQL, concurrent transactions on
connections of their own race for the last seat and the one unit.
"""

import re
import threading
import time as clock
from contextlib import contextmanager
from datetime import time, timedelta

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from scheduling import clinic_time, guards
from scheduling.models import (
    AppointmentType,
    Booking,
    GroupSession,
    Resource,
    ResourceClaim,
    ResourcePool,
)

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer at a time: its writers queue, never race"
)


def insert_sql(row) -> tuple[str, list]:
    """The INSERT of an unsaved model instance, as the ORM would write it, but to run as plain SQL."""
    fields = [field for field in row._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
    table = connection.ops.quote_name(row._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(values))}) RETURNING id", values


def insert(row) -> int:
    """Write `row` with one raw INSERT; its new id."""
    sql, values = insert_sql(row)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchone()[0]


def update(table: str, pk: int, **values) -> None:
    """One raw UPDATE of row `pk` of `table`; instants as the engine stores them."""
    adapted = [connection.ops.adapt_datetimefield_value(v) if hasattr(v, "tzinfo") else v for v in values.values()]
    assignments = ", ".join(f"{column} = %s" for column in values)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*adapted, pk])


@contextmanager
def refused(guard: str):
    """Expect the IntegrityError of `guard`, inside a savepoint so that the test's transaction goes on."""
    with pytest.raises(IntegrityError, match=guard), transaction.atomic():
        yield


def a_booking(practitioner, appointment_type, start, minutes=30, **fields) -> Booking:
    end = start + timedelta(minutes=minutes)
    values = {"blocked_from": start, "blocked_until": end, "status": "confirmed", **fields}
    return Booking(
        practitioner=practitioner,
        appointment_type=appointment_type,
        patient_name="Direct",
        starts_at=start,
        ends_at=end,
        **values,
    )


def book(practitioner, appointment_type, start, minutes=30, **fields) -> int:
    return insert(a_booking(practitioner, appointment_type, start, minutes, **fields))


def a_claim(booking_id, resource, pool, start, minutes=30, status="confirmed", session=None) -> ResourceClaim:
    return ResourceClaim(
        booking_id=booking_id,
        resource=resource,
        pool=pool,
        session=session,
        blocked_from=start,
        blocked_until=start + timedelta(minutes=minutes),
        status=status,
    )


def claim(booking_id, resource, pool, start, minutes=30, **fields) -> int:
    return insert(a_claim(booking_id, resource, pool, start, minutes, **fields))


def seat(session, **fields) -> int:
    minutes = (session.ends_at - session.starts_at) // timedelta(minutes=1)
    return book(session.practitioner, session.appointment_type, session.starts_at, minutes, session=session, **fields)


def blocking_seats(session) -> int:
    return Booking.objects.filter(session=session, status__in=Booking.BLOCKING).count()


@pytest.fixture
def at(tomorrow):
    return lambda hh, mm=0: clinic_time.at(tomorrow, time(hh, mm))


@pytest.fixture
def rooms(db):
    pool = ResourcePool.objects.create(slug="rooms", name="Treatment rooms")
    made = [Resource.objects.create(slug=f"room-{n}", name=f"Room {n}") for n in (1, 2)]
    pool.members.set(made)
    return pool, made


@pytest.fixture
def classes(db, clinic):
    """A group type the clinic's practitioner gives, and a way to open one of its sessions."""
    group = AppointmentType.objects.create(slug="pilates", name="Pilates", duration_minutes=60, capacity=3)
    clinic.appointment_types.add(group)

    def session(start, capacity=3, minutes=60) -> GroupSession:
        return GroupSession.objects.create(
            appointment_type=group,
            practitioner=clinic,
            starts_at=start,
            ends_at=start + timedelta(minutes=minutes),
            capacity=capacity,
        )

    return session


@pytest.fixture
def others(make_practitioner, consultation):
    """Three more practitioners: claims of one unit by different practitioners' bookings."""
    return [make_practitioner(f"dr-{n}", types=[consultation]) for n in ("ash", "bea", "cal")]


# --- resource_no_overlap -------------------------------------------------------------------------------


def test_two_bookings_claiming_one_unit_at_overlapping_times_are_refused(clinic, others, consultation, rooms, at):
    pool, (room, _) = rooms
    claim(book(clinic, consultation, at(9)), room, pool, at(9))
    later = book(others[0], consultation, at(9, 15))
    with refused(guards.RESOURCE_OVERLAP):
        claim(later, room, pool, at(9, 15))
    assert ResourceClaim.objects.count() == 1


def test_moving_a_claim_onto_another_is_refused_by_time_by_unit_and_by_status(clinic, others, consultation, rooms, at):
    pool, (room_1, room_2) = rooms
    claim(book(clinic, consultation, at(9)), room_1, pool, at(9))
    moving = claim(book(others[0], consultation, at(11)), room_1, pool, at(11))
    elsewhere = claim(book(others[1], consultation, at(9)), room_2, pool, at(9))
    cancelled = claim(book(others[2], consultation, at(9)), room_1, pool, at(9), status="cancelled")
    with refused(guards.RESOURCE_OVERLAP):
        update("scheduling_resourceclaim", moving, blocked_from=at(9, 15), blocked_until=at(9, 45))
    with refused(guards.RESOURCE_OVERLAP):
        update("scheduling_resourceclaim", elsewhere, resource_id=room_1.pk)
    with refused(guards.RESOURCE_OVERLAP):
        update("scheduling_resourceclaim", cancelled, status="confirmed")
    assert sorted(ResourceClaim.objects.values_list("resource__slug", "status")) == [
        ("room-1", "cancelled"),
        ("room-1", "confirmed"),
        ("room-1", "confirmed"),
        ("room-2", "confirmed"),
    ]
    assert ResourceClaim.objects.get(pk=moving).blocked_from == at(11)


def test_touching_claims_of_one_unit_are_allowed(clinic, others, consultation, rooms, at):
    pool, (room, _) = rooms
    claim(book(clinic, consultation, at(9)), room, pool, at(9))
    claim(book(others[0], consultation, at(9, 30)), room, pool, at(9, 30))
    claim(book(others[1], consultation, at(8, 30)), room, pool, at(8, 30))
    assert ResourceClaim.objects.filter(resource=room).count() == 3


def test_a_cancelled_claim_blocks_nothing(clinic, others, consultation, rooms, at):
    pool, (room, _) = rooms
    claim(book(clinic, consultation, at(9), status="cancelled"), room, pool, at(9), status="cancelled")
    claim(book(others[0], consultation, at(9)), room, pool, at(9))
    assert ResourceClaim.objects.filter(resource=room, status="confirmed").count() == 1


def test_a_units_turnover_is_part_of_its_claims_guarded_time(clinic, others, consultation, rooms, at):
    pool, (room, _) = rooms
    claim(book(clinic, consultation, at(9)), room, pool, at(9), minutes=45)  # 30 minutes and 15 of turnover
    with refused(guards.RESOURCE_OVERLAP):
        claim(book(others[0], consultation, at(9, 30)), room, pool, at(9, 30))


def test_seats_of_one_session_share_a_unit_and_of_two_sessions_do_not(clinic, others, rooms, classes, at):
    pool, (room, _) = rooms
    morning = classes(at(9))
    first, second = seat(morning), seat(morning)
    claim(first, room, pool, at(9), minutes=60, session=morning)
    claim(second, room, pool, at(9), minutes=60, session=morning)
    other_session = GroupSession.objects.create(
        appointment_type=morning.appointment_type,
        practitioner=others[0],
        starts_at=at(9, 30),
        ends_at=at(10, 30),
        capacity=3,
    )
    with refused(guards.RESOURCE_OVERLAP):
        claim(seat(other_session), room, pool, at(9, 30), minutes=60, session=other_session)
    assert ResourceClaim.objects.filter(resource=room).count() == 2


def test_a_seats_claim_and_a_plain_bookings_claim_do_not_share_a_unit(clinic, others, consultation, rooms, classes, at):
    pool, (room, _) = rooms
    morning = classes(at(9))
    claim(seat(morning), room, pool, at(9), minutes=60, session=morning)
    with refused(guards.RESOURCE_OVERLAP):
        claim(book(others[0], consultation, at(9, 30)), room, pool, at(9, 30))


def test_a_claim_longer_than_the_longest_a_booking_blocks_is_refused(clinic, consultation, rooms, at):
    # The reads of both engines look back MAX_BLOCKED_DAYS: a longer claim would be missed by them.
    pool, (room, _) = rooms
    long_enough = guards.MAX_BLOCKED_DAYS * 24 * 60
    claim(book(clinic, consultation, at(9)), room, pool, at(9), minutes=long_enough)
    with refused(guards.BLOCKED_TOO_LONG):
        claim(book(clinic, consultation, at(10)), room, pool, at(10) + timedelta(days=3), minutes=long_enough + 1)


# --- booking_no_overlap with group sessions ------------------------------------------------------------


def test_seats_of_one_session_share_the_practitioners_time(clinic, classes, at):
    morning = classes(at(9))
    seat(morning)
    seat(morning)
    assert blocking_seats(morning) == 2


def test_a_plain_booking_over_a_session_is_refused_and_a_seat_over_a_plain_booking_too(
    clinic, consultation, classes, at
):
    morning = classes(at(9))
    seat(morning)
    with refused(guards.OVERLAP):
        book(clinic, consultation, at(9, 30))
    book(clinic, consultation, at(11))
    late = classes(at(11, 15))
    with refused(guards.OVERLAP):
        seat(late)
    assert blocking_seats(late) == 0


def test_seats_of_two_overlapping_sessions_of_one_practitioner_are_refused(clinic, classes, at):
    seat(classes(at(9)))
    overlapping = classes(at(9, 30))
    with refused(guards.OVERLAP):
        seat(overlapping)
    assert blocking_seats(overlapping) == 0


def test_moving_a_seat_out_of_its_session_onto_the_sessions_time_is_refused(clinic, classes, at):
    morning = classes(at(9))
    seat(morning)
    leaving = seat(morning)
    with refused(guards.OVERLAP):
        update("scheduling_booking", leaving, session_id=None)


def test_a_booking_that_blocked_almost_the_longest_still_blocks_near_its_end(clinic, consultation, at):
    """The guard reads only what starts within MAX_BLOCKED_DAYS before the time checked: a booking that long
    (the limit, less a minute) is still in range at its last minute."""
    longest = guards.MAX_BLOCKED_DAYS * 24 * 60 - 1
    book(clinic, consultation, at(9), minutes=longest)
    with refused(guards.OVERLAP):
        book(clinic, consultation, at(9) + timedelta(minutes=longest - 1), minutes=30)


def test_a_plain_booking_blocking_longer_than_the_limit_is_refused(clinic, consultation, at):
    with refused(guards.BLOCKED_TOO_LONG):
        book(clinic, consultation, at(9), minutes=guards.MAX_BLOCKED_DAYS * 24 * 60 + 1)
    exactly = book(clinic, consultation, at(9), minutes=guards.MAX_BLOCKED_DAYS * 24 * 60)
    with refused(guards.BLOCKED_TOO_LONG):
        update("scheduling_booking", exactly, blocked_until=at(9) + timedelta(days=guards.MAX_BLOCKED_DAYS, minutes=1))
    assert Booking.objects.count() == 1


# --- session_seats -------------------------------------------------------------------------------------


def test_a_seat_beyond_the_sessions_capacity_is_refused(clinic, classes, at):
    morning = classes(at(9), capacity=3)
    for _ in range(3):
        seat(morning)
    with refused(guards.SESSION_SEATS):
        seat(morning)
    assert blocking_seats(morning) == 3


def test_reconfirming_a_cancelled_seat_of_a_full_session_is_refused(clinic, classes, at):
    morning = classes(at(9), capacity=2)
    gone = seat(morning, status="cancelled")
    seat(morning)
    seat(morning)
    with refused(guards.SESSION_SEATS):
        update("scheduling_booking", gone, status="confirmed")
    assert Booking.objects.get(pk=gone).status == "cancelled"


def test_moving_a_seat_into_a_full_session_is_refused(clinic, classes, at):
    full = classes(at(9), capacity=2)
    seat(full)
    seat(full)
    moving = seat(classes(at(14)))
    with refused(guards.SESSION_SEATS):
        update(
            "scheduling_booking",
            moving,
            session_id=full.pk,
            starts_at=at(9),
            ends_at=at(10),
            blocked_from=at(9),
            blocked_until=at(10),
        )
    assert blocking_seats(full) == 2


def test_a_cancelled_seat_frees_its_seat(clinic, classes, at):
    morning = classes(at(9), capacity=2)
    leaving = seat(morning)
    seat(morning)
    update("scheduling_booking", leaving, status="cancelled")
    seat(morning)
    assert blocking_seats(morning) == 2


def test_a_capacity_below_the_seats_taken_is_refused_and_exactly_the_seats_taken_is_allowed(clinic, classes, at):
    morning = classes(at(9), capacity=3)
    seat(morning)
    seat(morning)
    with refused(guards.SESSION_SEATS):
        update("scheduling_groupsession", morning.pk, capacity=1)
    update("scheduling_groupsession", morning.pk, capacity=2)
    morning.refresh_from_db()
    assert morning.capacity == 2
    with refused(guards.SESSION_SEATS):
        seat(morning)


# --- resource_claims_follow_booking --------------------------------------------------------------------


def test_a_bookings_status_changed_by_raw_sql_reaches_its_claims_and_no_others(clinic, others, consultation, rooms, at):
    pool, (room_1, room_2) = rooms
    changing = book(clinic, consultation, at(9))
    claim(changing, room_1, pool, at(9))
    claim(changing, room_2, pool, at(9))
    other = book(others[0], consultation, at(10))
    claim(other, room_1, pool, at(10))
    update("scheduling_booking", changing, status="cancelled")
    assert sorted(ResourceClaim.objects.values_list("booking_id", "status")) == [
        (changing, "cancelled"),
        (changing, "cancelled"),
        (other, "confirmed"),
    ]
    update("scheduling_booking", changing, status="confirmed")
    assert set(ResourceClaim.objects.filter(booking_id=changing).values_list("status", flat=True)) == {"confirmed"}


def test_a_booking_reconfirmed_onto_a_taken_unit_is_refused_by_its_claim(clinic, others, consultation, rooms, at):
    """The copied status is guarded as any other: the booking's own update fails, naming the unit's guard."""
    pool, (room, _) = rooms
    gone = book(clinic, consultation, at(9), status="cancelled")
    claim(gone, room, pool, at(9), status="cancelled")
    claim(book(others[0], consultation, at(9)), room, pool, at(9))
    with refused(guards.RESOURCE_OVERLAP):
        update("scheduling_booking", gone, status="confirmed")
    assert Booking.objects.get(pk=gone).status == "cancelled"


# --- PostgreSQL: concurrent transactions -----------------------------------------------------------------


def postgresql_connection() -> psycopg.Connection:
    """A connection of its own to the test database, not Django's: each contender's transaction is separate."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )


def race(writes: list[tuple[str, list]]) -> list[str]:
    """Run each `(sql, params)` in a transaction of its own, all at once (each begun before any writes, and
    committing a moment after its write, so that every transaction is open while the others write).

    Each outcome is "committed", "deadlock" (PostgreSQL's 40P01: the write path runs it again; a raw write
    counts it a loss) or the IntegrityError's message."""
    started = threading.Barrier(len(writes))
    outcomes = ["not run"] * len(writes)

    def contend(n: int, sql: str, params: list) -> None:
        with postgresql_connection() as own:
            try:
                own.execute("SELECT 1")  # the transaction begins here, before the barrier
                started.wait(timeout=30)
                own.execute(sql, params)
                clock.sleep(0.05)
                own.commit()
                outcomes[n] = "committed"
            except psycopg.errors.DeadlockDetected:
                own.rollback()
                outcomes[n] = "deadlock"
            except psycopg.errors.IntegrityError as error:
                own.rollback()
                outcomes[n] = str(error)

    threads = [threading.Thread(target=contend, args=(n, *write)) for n, write in enumerate(writes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def losses(outcomes: list[str], guard: str) -> list[str]:
    """The outcomes other than commits and refusals naming `guard` (and deadlocks): none is expected."""
    return [outcome for outcome in outcomes if outcome not in ("committed", "deadlock") and guard not in outcome]


@postgresql_only
@pytest.mark.usefixtures("committing")
def test_thirty_transactions_racing_for_eight_seats_commit_exactly_eight(make_practitioner, at):
    group = AppointmentType.objects.create(slug="yoga", name="Yoga", duration_minutes=60, capacity=8)
    teacher = make_practitioner("teacher", types=[group])
    session = GroupSession.objects.create(
        appointment_type=group, practitioner=teacher, starts_at=at(9), ends_at=at(10), capacity=8
    )
    seats = [a_booking(teacher, group, at(9), 60, session=session) for _ in range(30)]
    outcomes = race([insert_sql(row) for row in seats])
    assert outcomes.count("committed") == 8, outcomes
    assert losses(outcomes, guards.SESSION_SEATS) == []
    assert blocking_seats(session) == 8


@postgresql_only
@pytest.mark.usefixtures("committing")
def test_twenty_transactions_claiming_one_unit_at_one_time_commit_exactly_one(make_practitioner, consultation, at):
    practitioners = [make_practitioner(f"dr-{n}", types=[consultation]) for n in range(20)]
    pool = ResourcePool.objects.create(slug="scanners", name="Scanners")
    scanner = Resource.objects.create(slug="scanner", name="Scanner", kind="equipment")
    pool.members.add(scanner)
    claimants = [book(who, consultation, at(10)) for who in practitioners]
    outcomes = race([insert_sql(a_claim(booking, scanner, pool, at(10))) for booking in claimants])
    assert outcomes.count("committed") == 1, outcomes
    assert losses(outcomes, guards.RESOURCE_OVERLAP) == []
    assert ResourceClaim.objects.filter(resource=scanner).count() == 1


# --- The guards' reads are bounded on both sides of the slot ---------------------------------------------
#
# Each check reads only what starts within guards.MAX_BLOCKED_DAYS before the slot's end: whatever is booked
# before or after, its cost stays the same. SQLite shows it in its plan (a SEARCH on the index with a range
# on blocked_from bounded on both sides) and in the virtual machine's steps (its progress handler, called
# once a step); PostgreSQL in the GiST index of its exclusion constraint and the buffers a check reads.

DAYS_BOOKED = 250
PER_DAY = 20  # 5,000 bookings for one practitioner
# The year starts where no other test books: every test before this one inserted rows near tomorrow and rolled them
# back, and PostgreSQL's index keeps those dead entries until a vacuum, so a check near tomorrow read 15 times the
# buffers of one at the end of the year (CI's PostgreSQL lane).
FIRST_DAY_BOOKED = 5 * 365


@pytest.fixture
def busy_year(clinic, consultation, tomorrow):
    """5,000 bookings of the clinic's practitioner, 20 a day from 08:00 (five years on); nothing before 08:00."""
    first_day = tomorrow + timedelta(days=FIRST_DAY_BOOKED)
    rows = [
        a_booking(
            clinic,
            consultation,
            clinic_time.at(first_day + timedelta(days=day), time(8)) + timedelta(minutes=30 * n),
            25,
        )
        for day in range(DAYS_BOOKED)
        for n in range(PER_DAY)
    ]
    Booking.objects.bulk_create(rows, batch_size=500)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE scheduling_booking")
    near_start = clinic_time.at(first_day + timedelta(days=3), time(6))  # 4,940 bookings after it
    near_end = clinic_time.at(first_day + timedelta(days=DAYS_BOOKED - 4), time(6))  # 4,920 before it
    return near_start, near_end


def trigger_select(trigger: str, new: dict) -> tuple[str, list]:
    """The EXISTS query of an installed SQLite trigger, NEW's columns put as parameters: what it runs."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [trigger])
        (body,) = cursor.fetchone()
    select = re.search(r"EXISTS \(\s*(SELECT 1 FROM .*?)\s*\);", body, re.DOTALL).group(1)
    return _with_new(select, new)


def _with_new(sql: str, new: dict) -> tuple[str, list]:
    params = [new[column] for column in re.findall(r"NEW\.(\w+)", sql)]
    return re.sub(r"NEW\.\w+", "%s", sql), params


def sqlite_plan(sql: str, params: list) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[3] for row in cursor.fetchall()]


def sqlite_steps(sql: str, params: list) -> int:
    """How many steps SQLite's virtual machine takes to run `sql` (triggers it fires included)."""
    steps = 0

    def step() -> int:
        nonlocal steps
        steps += 1
        return 0

    raw = connection.connection
    raw.set_progress_handler(step, 1)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()
    finally:
        raw.set_progress_handler(None, 1)
    return steps


def new_booking(practitioner, start, minutes=30) -> dict:
    instant = connection.ops.adapt_datetimefield_value
    end = start + timedelta(minutes=minutes)
    return {
        "practitioner_id": practitioner.pk,
        "blocked_from": instant(start),
        "blocked_until": instant(end),
        "id": None,
        "session_id": None,
    }


BOUNDED_RANGE = "(practitioner_id=? AND status=? AND blocked_from>? AND blocked_from<?)"


def test_sqlite_plans_the_practitioner_guard_as_a_bounded_range_of_its_index(busy_year, clinic):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's triggers; PostgreSQL's constraint reads its GiST index")
    for trigger in ("booking_no_overlap_insert", "booking_no_overlap_update"):
        plan = sqlite_plan(*trigger_select(trigger, new_booking(clinic, busy_year[0])))
        assert plan == [f"SEARCH other USING INDEX booking_practitioner_from_idx {BOUNDED_RANGE}"], (trigger, plan)


def test_sqlite_plans_the_units_guard_as_a_bounded_range_of_its_index(rooms, at):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's triggers; PostgreSQL's constraint reads its GiST index")
    _, (room, _) = rooms
    new = {**new_booking(room, at(9)), "resource_id": room.pk, "booking_id": None}
    for trigger in ("resource_no_overlap_insert", "resource_no_overlap_update"):
        plan = sqlite_plan(*trigger_select(trigger, new))
        expected = "(resource_id=? AND status=? AND blocked_from>? AND blocked_from<?)"
        assert plan == [f"SEARCH other USING INDEX claim_resource_from_idx {expected}"], (trigger, plan)


def captured_blocked_times(practitioner, start, end) -> tuple[str, list]:
    """The SQL and parameters Booking.objects.blocked_times runs."""
    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, list(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        Booking.objects.blocked_times([practitioner.pk], start, end, clinic_time.now())
    [query] = captured
    return query


def test_the_availability_read_is_a_bounded_range_of_the_practitioners_index(busy_year, clinic):
    start = busy_year[0]
    sql, params = captured_blocked_times(clinic, start, start + timedelta(hours=12))
    if connection.vendor == "sqlite":
        assert sqlite_plan(sql, params) == [
            f"SEARCH scheduling_booking USING INDEX booking_practitioner_from_idx {BOUNDED_RANGE}"
        ]
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0][0]["Plan"]
        scan = _index_scan(plan)
        assert scan["Index Name"] == "booking_practitioner_from_idx", plan
        assert "blocked_from > " in scan["Index Cond"] and "blocked_from < " in scan["Index Cond"], scan


def _index_scan(plan: dict) -> dict:
    """The first node of `plan` that reads an index."""
    if "Index Name" in plan:
        return plan
    for child in plan.get("Plans", []):
        found = _index_scan(child)
        if found:
            return found
    return {}


def test_sqlite_checks_cost_the_same_near_the_start_and_the_end_of_5000_bookings(busy_year, clinic, consultation):
    """A booking checked with 4,940 bookings after it and one with 4,920 before it take the same steps; the
    guard before 0023, bounded on one side only, takes over ten times as many near the end."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's virtual machine")
    near_start, near_end = busy_year

    def insert_steps(start) -> int:
        sql, params = insert_sql(a_booking(clinic, consultation, start))
        with transaction.atomic():
            steps = sqlite_steps(sql, params)
            transaction.set_rollback(True)
        return steps

    def select_steps(select: str, start) -> int:
        return sqlite_steps(*_with_new(select, new_booking(clinic, start)))

    current = re.search(r"EXISTS \(\s*(SELECT 1 FROM .*?)\s*\);", guards.OVERLAP_SQL["sqlite"][0][0], re.DOTALL)
    legacy = re.search(r"EXISTS \(\s*(SELECT 1 FROM .*?)\s*\);", guards._LEGACY_SQLITE_OVERLAP_EXISTS, re.DOTALL)
    inserts = insert_steps(near_start), insert_steps(near_end)
    checks = select_steps(current.group(1), near_start), select_steps(current.group(1), near_end)
    unbounded = select_steps(legacy.group(1), near_start), select_steps(legacy.group(1), near_end)
    print(f"SQLite VM steps near start/end: insert {inserts}, guard's read {checks}, one-sided read {unbounded}")
    assert abs(inserts[0] - inserts[1]) <= 0.1 * max(inserts), inserts
    assert abs(checks[0] - checks[1]) <= 0.1 * max(checks), checks
    assert unbounded[1] > 10 * unbounded[0], unbounded
    assert Booking.objects.count() == DAYS_BOOKED * PER_DAY


def postgresql_plan(sql: str, params: list, *, analyze: bool) -> dict:
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}", params)
        plan = cursor.fetchone()[0][0]["Plan"]
        transaction.set_rollback(True)  # EXPLAIN ANALYZE of an INSERT writes it
    return plan


def buffers(plan: dict) -> int:
    return plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]


# What the exclusion constraint asks its index for a new booking: the same practitioner, an overlapping range
# and another booking's key, among the blocking ones (the index's own predicate).
POSTGRESQL_OVERLAP = f"""
    SELECT 1 FROM scheduling_booking AS other
    WHERE other.practitioner_id = %s
      AND tstzrange(other.blocked_from, other.blocked_until, '[)') && tstzrange(%s, %s, '[)')
      AND coalesce(other.session_id, -other.id) <> %s
      AND other.status IN {guards.BLOCKING_SQL}
"""


def test_postgresql_checks_read_the_constraints_gist_index_as_much_near_the_start_as_the_end(
    busy_year, clinic, consultation
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's exclusion constraint")
    near_start, near_end = busy_year

    def check(start) -> dict:
        return postgresql_plan(POSTGRESQL_OVERLAP, [clinic.pk, start, start + timedelta(minutes=30), 0], analyze=True)

    def insert(start) -> dict:
        return postgresql_plan(*insert_sql(a_booking(clinic, consultation, start)), analyze=True)

    # At 06:00 the time is free; at 08:10 the check finds the two bookings it overlaps.
    taken = timedelta(hours=2, minutes=10)
    starts = near_start, near_end, near_start + taken, near_end + taken
    for start in starts:  # warm: the first read of new rows also sets their hint bits, whichever comes first
        check(start)
    checks = [check(start) for start in starts]
    assert [_index_scan(plan).get("Index Name") for plan in checks] == ["booking_no_overlap"] * 4, checks
    assert [plan["Actual Rows"] for plan in checks] == [0, 0, 2, 2], checks
    read = [buffers(plan) for plan in checks]
    insert(near_start - timedelta(hours=1))  # the first insert also reads the catalogue and plans the FK checks
    written = [buffers(insert(start)) for start in busy_year]
    print(f"PostgreSQL buffers near start/end: guard's read {read}, insert with its constraint {written}")
    assert abs(read[0] - read[1]) <= 2 and abs(read[2] - read[3]) <= 2, read
    assert abs(written[0] - written[1]) <= 0.2 * max(written), written
    assert Booking.objects.count() == DAYS_BOOKED * PER_DAY


def test_postgresql_reads_the_units_claims_through_their_constraints_gist_index(clinic, consultation, rooms, at):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's exclusion constraint")
    pool, (room, _) = rooms
    claims = ResourceClaim.objects.bulk_create(
        a_claim(book(clinic, consultation, at(9) + timedelta(days=day)), room, pool, at(9) + timedelta(days=day))
        for day in range(200)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE scheduling_resourceclaim")
    sql = (
        POSTGRESQL_OVERLAP.replace("scheduling_booking", "scheduling_resourceclaim")
        .replace("practitioner_id", "resource_id")
        .replace("-other.id", "-other.booking_id")
    )
    plan = postgresql_plan(sql, [room.pk, at(9), at(9, 30), 0], analyze=False)
    assert _index_scan(plan).get("Index Name") == "resource_no_overlap", plan
    assert len(claims) == 200


# --- Reinstalled after a table rebuild -----------------------------------------------------------------

SQLITE_TRIGGERS = {
    "scheduling_booking": {
        "booking_no_overlap_insert",
        "booking_no_overlap_update",
        "resource_claims_follow_booking",
        "session_seats_insert",
        "session_seats_update",
    },
    "scheduling_resourceclaim": {"resource_no_overlap_insert", "resource_no_overlap_update"},
    "scheduling_groupsession": {"session_seats_capacity"},
}
POSTGRESQL_GUARDS = {
    "constraints": {"booking_no_overlap", "resource_no_overlap"},
    "triggers": {"resource_claims_follow_booking", "session_seats", "session_seats_capacity"},
}


def installed_guards() -> dict:
    """The resource and overlap guards the database has: SQLite's triggers by table, PostgreSQL's constraints
    and triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
            found = cursor.fetchall()
            return {
                table: {name for tbl, name in found if tbl == table} & names for table, names in SQLITE_TRIGGERS.items()
            }
        cursor.execute("SELECT conname FROM pg_constraint")
        constraints = {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        triggers = {name for (name,) in cursor.fetchall()}
    return {
        "constraints": constraints & POSTGRESQL_GUARDS["constraints"],
        "triggers": triggers & POSTGRESQL_GUARDS["triggers"],
    }


def every_guard() -> dict:
    return SQLITE_TRIGGERS if connection.vendor == "sqlite" else POSTGRESQL_GUARDS


def test_install_all_puts_back_the_resource_and_overlap_guards_once_removed(clinic, others, consultation, rooms, at):
    assert installed_guards() == every_guard()
    guards.remove_resource_guards(connection)
    guards.remove_overlap_guard(connection)
    assert all(not names for names in installed_guards().values()), installed_guards()
    guards.install_all(connection)
    guards.install_all(connection)  # idempotent
    assert installed_guards() == every_guard()
    pool, (room, _) = rooms
    claim(book(clinic, consultation, at(9)), room, pool, at(9))
    with refused(guards.RESOURCE_OVERLAP):
        claim(book(others[0], consultation, at(9)), room, pool, at(9))


@pytest.mark.parametrize(
    ("model", "field_name"),
    [(ResourceClaim, "status"), (GroupSession, "capacity"), (Booking, "cancellation_reason")],
)
@pytest.mark.usefixtures("committing")
def test_a_sqlite_table_rebuild_drops_the_guards_and_install_all_puts_them_back(model, field_name):
    """What a migration altering a column does to SQLite's table (it copies it to a new one, dropping its
    triggers), and what the post-migrate handler then does (scheduling.apps.reinstall_guards)."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL alters a table in place: its triggers and constraints stay")
    table = model._meta.db_table
    old_field = model._meta.get_field(field_name)
    new_field = old_field.clone()
    new_field.set_attributes_from_name(field_name)
    new_field.model = model
    if field_name == "capacity":
        new_field.help_text = "Rebuilt."  # SQLite rebuilds the table for any change but a few
        new_field.db_comment = "rebuilt"
    else:
        new_field.max_length = old_field.max_length + 1
    try:
        with connection.schema_editor() as editor:
            editor.alter_field(model, old_field, new_field)
        assert installed_guards()[table] == set()
        guards.install_all(connection)
        assert installed_guards() == SQLITE_TRIGGERS
    finally:
        with connection.schema_editor() as editor:
            editor.alter_field(model, new_field, old_field)
        guards.install_all(connection)
    assert installed_guards() == SQLITE_TRIGGERS
