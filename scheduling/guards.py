"""The database's own guards, installed by migration on each supported engine.

- `booking_no_overlap`: two blocking bookings (held, confirmed, checked in, completed, no-show) of one
  practitioner never overlap, whichever code path writes them. A UNIQUE constraint cannot say "ranges do
  not overlap", so PostgreSQL gets an exclusion constraint over the blocked time range (btree_gist),
  checked by the server for concurrent transactions on every host; SQLite gets triggers that abort the
  write (SQLite lets one writer at a time hold the database, so check and write cannot interleave).
- `booking_event_append_only`: booking history is never rewritten: UPDATE and DELETE of an event are
  refused by triggers on both engines.
  One sanctioned exception: an erasure (scheduling/privacy/erasure.py) blanks the reason and changes of
  its bookings' events, inside its own transaction, under an `ErasurePermit` row for each booking that
  the triggers look for (`install_erasable_events_guard`); every other column, and DELETE, stays refused.
- `hours_no_overlap`: two intervals of one practitioner's weekly hours on one weekday never overlap (the
  lunch break between them would vanish): an exclusion constraint over the times as a range on PostgreSQL,
  BEFORE INSERT/UPDATE triggers on SQLite. Touching intervals (09:00-12:00, 12:00-17:00) are allowed.
- `patient_data_read_append_only`: the log of who read patient data is never rewritten either: the same
  triggers guard it.

Each raises IntegrityError naming the guard.
"""

import hashlib
from collections.abc import Iterable

from django.db import IntegrityError

OVERLAP = "booking_no_overlap"
RESOURCE_OVERLAP = "resource_no_overlap"
SESSION_SEATS = "session_seats"
CLAIMS_FOLLOW = "resource_claims_follow_booking"
BLOCKED_TOO_LONG = "blocked_span_too_long"
HOURS_OVERLAP = "hours_no_overlap"
APPEND_ONLY = "booking_event_append_only"
READ_LOG_APPEND_ONLY = "patient_data_read_append_only"

# Booking.BLOCKING, spelled out: a migration must not change meaning when the model does.
BLOCKING_SQL = "('held', 'confirmed', 'checked_in', 'completed', 'no_show')"

_LEGACY_SQLITE_OVERLAP_EXISTS = f"""
    SELECT RAISE(ABORT, 'booking_no_overlap: the practitioner already has a booking at that time')
    WHERE EXISTS (
        SELECT 1 FROM scheduling_booking AS other
        WHERE other.practitioner_id = NEW.practitioner_id
          AND other.status IN {BLOCKING_SQL}
          AND other.id IS NOT NEW.id
          AND other.blocked_from < NEW.blocked_until
          AND NEW.blocked_from < other.blocked_until
    );
"""

# The guard before group sessions (migration 0023), which the migrations before it install.
_LEGACY_OVERLAP_SQL = {
    "sqlite": (
        [
            f"""CREATE TRIGGER IF NOT EXISTS booking_no_overlap_insert
                BEFORE INSERT ON scheduling_booking WHEN NEW.status IN {BLOCKING_SQL}
                BEGIN {_LEGACY_SQLITE_OVERLAP_EXISTS} END""",
            # Only an update of who, when or the status can make an overlap; any other (a patient's record
            # linked, details corrected) must not scan the practitioner's bookings, row by row.
            f"""CREATE TRIGGER IF NOT EXISTS booking_no_overlap_update
                BEFORE UPDATE OF practitioner_id, status, blocked_from, blocked_until ON scheduling_booking
                WHEN NEW.status IN {BLOCKING_SQL}
                BEGIN {_LEGACY_SQLITE_OVERLAP_EXISTS} END""",
        ],
        [
            "DROP TRIGGER IF EXISTS booking_no_overlap_insert",
            "DROP TRIGGER IF EXISTS booking_no_overlap_update",
        ],
    ),
    "postgresql": (
        [
            "CREATE EXTENSION IF NOT EXISTS btree_gist",
            f"""DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'booking_no_overlap') THEN
                    ALTER TABLE scheduling_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
                        practitioner_id WITH =,
                        tstzrange(blocked_from, blocked_until, '[)') WITH &&
                    ) WHERE (status IN {BLOCKING_SQL});
                END IF;
            END $$""",
        ],
        ["ALTER TABLE scheduling_booking DROP CONSTRAINT IF EXISTS booking_no_overlap"],
    ),
}


# The longest time one booking, or one unit's claim, can block: a day's appointment, both buffers and a
# unit's turnover (models cap each) fit well inside it. Overlap checks read only what starts within this
# much before the end of the time checked, a range bounded on both sides however much is booked; SQLite's
# triggers refuse a longer span, so the bound always holds.
MAX_BLOCKED_DAYS = 2


def _sqlite_overlap_exists(table: str, unit: str, owner: str, message: str) -> str:
    """SQLite: abort if a blocking row of `table` on the same `unit` for another `owner` (booking) overlaps
    NEW's blocked time, unless both are of one group session (its seats share their time).

    (NEW's own id cannot stand in for a session here: SQLite leaves it undefined, -1, before an insert.)"""
    return f"""
    SELECT RAISE(ABORT, '{message}')
    WHERE EXISTS (
        SELECT 1 FROM {table} AS other
        WHERE other.{unit} = NEW.{unit}
          AND other.status IN {BLOCKING_SQL}
          AND other.blocked_from < NEW.blocked_until
          AND other.blocked_from > datetime(NEW.blocked_from, '-{MAX_BLOCKED_DAYS} days')
          AND NEW.blocked_from < other.blocked_until
          AND other.{owner} IS NOT NEW.{owner}
          AND (other.session_id IS NULL OR other.session_id IS NOT NEW.session_id)
    );
    SELECT RAISE(ABORT, '{BLOCKED_TOO_LONG}: a booking blocks at most {MAX_BLOCKED_DAYS} days')
    WHERE julianday(NEW.blocked_until) - julianday(NEW.blocked_from) > {MAX_BLOCKED_DAYS};
"""


def _overlap_sql(guard: str, table: str, unit: str, owner: str, watched: str, message: str) -> dict:
    """The overlap guard `guard` of `table`'s blocking rows per `unit`, on both engines. Rows of one `owner`
    (a booking's id), or of one group session, never conflict with one another."""
    exists = _sqlite_overlap_exists(table, unit, owner, f"{guard}: {message}")
    return {
        "sqlite": (
            [
                f"""CREATE TRIGGER IF NOT EXISTS {guard}_insert
                    BEFORE INSERT ON {table} WHEN NEW.status IN {BLOCKING_SQL}
                    BEGIN {exists} END""",
                # Only an update of who, when or the status can make an overlap; any other (a patient's
                # record linked, details corrected) must not scan the unit's rows.
                f"""CREATE TRIGGER IF NOT EXISTS {guard}_update
                    BEFORE UPDATE OF {watched} ON {table}
                    WHEN NEW.status IN {BLOCKING_SQL}
                    BEGIN {exists} END""",
            ],
            [f"DROP TRIGGER IF EXISTS {guard}_insert", f"DROP TRIGGER IF EXISTS {guard}_update"],
        ),
        "postgresql": (
            [
                "CREATE EXTENSION IF NOT EXISTS btree_gist",
                f"""DO $$ BEGIN
                    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '{guard}') THEN
                        ALTER TABLE {table} ADD CONSTRAINT {guard} EXCLUDE USING gist (
                            {unit} WITH =,
                            tstzrange(blocked_from, blocked_until, '[)') WITH &&,
                            -- A booking's key: its group session, or else itself (negated: no session's id).
                            (coalesce(session_id, -{owner})) WITH <>
                        ) WHERE (status IN {BLOCKING_SQL});
                    END IF;
                    -- The bound the reads rely on (MAX_BLOCKED_DAYS), as SQLite's triggers keep it.
                    IF NOT EXISTS (
                        SELECT 1 FROM pg_constraint
                        WHERE conname = '{BLOCKED_TOO_LONG}' AND conrelid = '{table}'::regclass
                    ) THEN
                        ALTER TABLE {table} ADD CONSTRAINT {BLOCKED_TOO_LONG} CHECK (
                            blocked_until - blocked_from <= interval '{MAX_BLOCKED_DAYS} days'
                        );
                    END IF;
                END $$""",
            ],
            [
                f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {guard}",
                f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {BLOCKED_TOO_LONG}",
            ],
        ),
    }


OVERLAP_SQL = _overlap_sql(
    OVERLAP,
    "scheduling_booking",
    "practitioner_id",
    "id",
    "practitioner_id, status, blocked_from, blocked_until, session_id",
    "the practitioner already has a booking at that time",
)
RESOURCE_OVERLAP_SQL = _overlap_sql(
    RESOURCE_OVERLAP,
    "scheduling_resourceclaim",
    "resource_id",
    "booking_id",
    "resource_id, status, blocked_from, blocked_until, session_id",
    "the room or equipment is already taken at that time",
)

# A claim's status is its booking's, whichever code path changes the booking.
CLAIMS_FOLLOW_SQL = {
    "sqlite": (
        [
            f"""CREATE TRIGGER IF NOT EXISTS {CLAIMS_FOLLOW}
                AFTER UPDATE OF status ON scheduling_booking WHEN NEW.status IS NOT OLD.status
                BEGIN
                    UPDATE scheduling_resourceclaim SET status = NEW.status WHERE booking_id = NEW.id;
                END""",
        ],
        [f"DROP TRIGGER IF EXISTS {CLAIMS_FOLLOW}"],
    ),
    "postgresql": (
        [
            f"""CREATE OR REPLACE FUNCTION {CLAIMS_FOLLOW}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE scheduling_resourceclaim SET status = NEW.status WHERE booking_id = NEW.id;
                    RETURN NULL;
                END $$""",
            f"DROP TRIGGER IF EXISTS {CLAIMS_FOLLOW} ON scheduling_booking",
            f"""CREATE TRIGGER {CLAIMS_FOLLOW} AFTER UPDATE OF status ON scheduling_booking
                FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status) EXECUTE FUNCTION {CLAIMS_FOLLOW}()""",
        ],
        [f"DROP TRIGGER IF EXISTS {CLAIMS_FOLLOW} ON scheduling_booking", f"DROP FUNCTION IF EXISTS {CLAIMS_FOLLOW}()"],
    ),
}

# A seat taken: a booking of a session becoming blocking, or moving into another session.
_SEAT_TAKEN_SQLITE = f"NEW.session_id IS NOT NULL AND NEW.status IN {BLOCKING_SQL}"
_SQLITE_SEATS_LEFT = f"""
    SELECT RAISE(ABORT, '{SESSION_SEATS}: every seat of this session is taken')
    WHERE (
        SELECT count(*) FROM scheduling_booking AS seat
        WHERE seat.session_id = NEW.session_id AND seat.status IN {BLOCKING_SQL} AND seat.id IS NOT NEW.id
    ) >= (SELECT capacity FROM scheduling_groupsession WHERE id = NEW.session_id);
"""

# On PostgreSQL the count is taken under the session row's lock (FOR UPDATE), which every seat taken and
# every change of the capacity takes first: concurrent transactions count one after the other, each seeing
# the seats the one before committed. SQLite has one writer at a time, so its count is already alone.
SESSION_SEATS_SQL = {
    "sqlite": (
        [
            f"""CREATE TRIGGER IF NOT EXISTS {SESSION_SEATS}_insert BEFORE INSERT ON scheduling_booking
                WHEN {_SEAT_TAKEN_SQLITE}
                BEGIN {_SQLITE_SEATS_LEFT} END""",
            f"""CREATE TRIGGER IF NOT EXISTS {SESSION_SEATS}_update
                BEFORE UPDATE OF status, session_id ON scheduling_booking
                WHEN {_SEAT_TAKEN_SQLITE}
                  AND (OLD.status NOT IN {BLOCKING_SQL} OR OLD.session_id IS NOT NEW.session_id)
                BEGIN {_SQLITE_SEATS_LEFT} END""",
            f"""CREATE TRIGGER IF NOT EXISTS {SESSION_SEATS}_capacity
                BEFORE UPDATE OF capacity ON scheduling_groupsession
                BEGIN
                    SELECT RAISE(ABORT, '{SESSION_SEATS}: more seats of this session are taken than that')
                    WHERE (
                        SELECT count(*) FROM scheduling_booking AS seat
                        WHERE seat.session_id = NEW.id AND seat.status IN {BLOCKING_SQL}
                    ) > NEW.capacity;
                END""",
        ],
        [
            f"DROP TRIGGER IF EXISTS {SESSION_SEATS}_insert",
            f"DROP TRIGGER IF EXISTS {SESSION_SEATS}_update",
            f"DROP TRIGGER IF EXISTS {SESSION_SEATS}_capacity",
        ],
    ),
    "postgresql": (
        [
            f"""CREATE OR REPLACE FUNCTION {SESSION_SEATS}() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    seats integer;
                    taken integer;
                BEGIN
                    IF NEW.session_id IS NULL OR NEW.status NOT IN {BLOCKING_SQL} THEN
                        RETURN NEW;
                    END IF;
                    IF TG_OP = 'UPDATE' AND OLD.status IN {BLOCKING_SQL}
                       AND OLD.session_id IS NOT DISTINCT FROM NEW.session_id THEN
                        RETURN NEW;
                    END IF;
                    SELECT capacity INTO seats FROM scheduling_groupsession WHERE id = NEW.session_id FOR UPDATE;
                    SELECT count(*) INTO taken FROM scheduling_booking
                        WHERE session_id = NEW.session_id AND status IN {BLOCKING_SQL} AND id <> NEW.id;
                    IF taken >= seats THEN
                        RAISE EXCEPTION '{SESSION_SEATS}: every seat of this session is taken'
                            USING ERRCODE = 'integrity_constraint_violation';
                    END IF;
                    RETURN NEW;
                END $$""",
            f"DROP TRIGGER IF EXISTS {SESSION_SEATS} ON scheduling_booking",
            f"""CREATE TRIGGER {SESSION_SEATS} BEFORE INSERT OR UPDATE OF status, session_id ON scheduling_booking
                FOR EACH ROW EXECUTE FUNCTION {SESSION_SEATS}()""",
            f"""CREATE OR REPLACE FUNCTION {SESSION_SEATS}_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF (SELECT count(*) FROM scheduling_booking
                        WHERE session_id = NEW.id AND status IN {BLOCKING_SQL}) > NEW.capacity THEN
                        RAISE EXCEPTION '{SESSION_SEATS}: more seats of this session are taken than that'
                            USING ERRCODE = 'integrity_constraint_violation';
                    END IF;
                    RETURN NEW;
                END $$""",
            f"DROP TRIGGER IF EXISTS {SESSION_SEATS}_capacity ON scheduling_groupsession",
            f"""CREATE TRIGGER {SESSION_SEATS}_capacity BEFORE UPDATE OF capacity ON scheduling_groupsession
                FOR EACH ROW EXECUTE FUNCTION {SESSION_SEATS}_capacity()""",
        ],
        [
            f"DROP TRIGGER IF EXISTS {SESSION_SEATS} ON scheduling_booking",
            f"DROP FUNCTION IF EXISTS {SESSION_SEATS}()",
            f"DROP TRIGGER IF EXISTS {SESSION_SEATS}_capacity ON scheduling_groupsession",
            f"DROP FUNCTION IF EXISTS {SESSION_SEATS}_capacity()",
        ],
    ),
}


_SQLITE_HOURS_OVERLAP_EXISTS = f"""
    SELECT RAISE(ABORT, '{HOURS_OVERLAP}: these hours overlap other hours of the practitioner that weekday')
    WHERE EXISTS (
        SELECT 1 FROM scheduling_openinghours AS other
        WHERE other.practitioner_id = NEW.practitioner_id
          AND other.weekday = NEW.weekday
          AND other.id IS NOT NEW.id
          AND other.opens_at < NEW.closes_at
          AND NEW.opens_at < other.closes_at
    );
"""

# A time is a range's bound once put on a fixed day: date + time is a timestamp, and immutable.
HOURS_OVERLAP_SQL = {
    "sqlite": (
        [
            f"""CREATE TRIGGER IF NOT EXISTS {HOURS_OVERLAP}_insert BEFORE INSERT ON scheduling_openinghours
                BEGIN {_SQLITE_HOURS_OVERLAP_EXISTS} END""",
            f"""CREATE TRIGGER IF NOT EXISTS {HOURS_OVERLAP}_update
                BEFORE UPDATE OF practitioner_id, weekday, opens_at, closes_at ON scheduling_openinghours
                BEGIN {_SQLITE_HOURS_OVERLAP_EXISTS} END""",
        ],
        [f"DROP TRIGGER IF EXISTS {HOURS_OVERLAP}_insert", f"DROP TRIGGER IF EXISTS {HOURS_OVERLAP}_update"],
    ),
    "postgresql": (
        [
            "CREATE EXTENSION IF NOT EXISTS btree_gist",
            f"""DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '{HOURS_OVERLAP}') THEN
                    ALTER TABLE scheduling_openinghours ADD CONSTRAINT {HOURS_OVERLAP} EXCLUDE USING gist (
                        practitioner_id WITH =,
                        weekday WITH =,
                        tsrange(DATE '2000-01-03' + opens_at, DATE '2000-01-03' + closes_at, '[)') WITH &&
                    );
                END IF;
            END $$""",
        ],
        [f"ALTER TABLE scheduling_openinghours DROP CONSTRAINT IF EXISTS {HOURS_OVERLAP}"],
    ),
}

# Pairs of existing hours that overlap: the guard cannot be installed over them.
OVERLAPPING_HOURS_SQL = """
    SELECT p.name, one.weekday, one.opens_at, one.closes_at, other.opens_at, other.closes_at
    FROM scheduling_openinghours AS one
    JOIN scheduling_openinghours AS other
      ON other.practitioner_id = one.practitioner_id AND other.weekday = one.weekday AND other.id > one.id
     AND other.opens_at < one.closes_at AND one.opens_at < other.closes_at
    JOIN scheduling_practitioner AS p ON p.id = one.practitioner_id
    ORDER BY p.name, one.weekday, one.opens_at
"""


def _append_only_sql(guard: str, table: str, rows: str, sqlite_prefix: str) -> dict:
    """Triggers refusing UPDATE and DELETE of `table`'s rows on both engines, naming `guard` in the error.

    SQLite's triggers are named `<sqlite_prefix>_no_update` and `_no_delete`, as databases already have them.
    """
    return {
        "sqlite": (
            [
                f"""CREATE TRIGGER IF NOT EXISTS {sqlite_prefix}_no_update BEFORE UPDATE ON {table}
                    BEGIN SELECT RAISE(ABORT, '{guard}: {rows} cannot be changed'); END""",
                f"""CREATE TRIGGER IF NOT EXISTS {sqlite_prefix}_no_delete BEFORE DELETE ON {table}
                    BEGIN SELECT RAISE(ABORT, '{guard}: {rows} cannot be deleted'); END""",
            ],
            [
                f"DROP TRIGGER IF EXISTS {sqlite_prefix}_no_update",
                f"DROP TRIGGER IF EXISTS {sqlite_prefix}_no_delete",
            ],
        ),
        "postgresql": (
            [
                f"""CREATE OR REPLACE FUNCTION {guard}() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        RAISE EXCEPTION '{guard}: {rows} cannot be %', CASE TG_OP
                            WHEN 'UPDATE' THEN 'changed' ELSE 'deleted' END
                            USING ERRCODE = 'integrity_constraint_violation';
                    END $$""",
                f"DROP TRIGGER IF EXISTS {guard} ON {table}",
                f"""CREATE TRIGGER {guard} BEFORE UPDATE OR DELETE ON {table}
                    FOR EACH ROW EXECUTE FUNCTION {guard}()""",
            ],
            [
                f"DROP TRIGGER IF EXISTS {guard} ON {table}",
                f"DROP FUNCTION IF EXISTS {guard}()",
            ],
        ),
    }


APPEND_ONLY_SQL = _append_only_sql(APPEND_ONLY, "scheduling_bookingevent", "booking events", "booking_event")
READ_LOG_SQL = _append_only_sql(
    READ_LOG_APPEND_ONLY, "scheduling_patientdataread", "reads of patient data", "patient_data_read"
)


# The columns an erasure leaves as they were: everything but `reason` and `changes`.
_KEPT_COLUMNS = ("id", "booking_id", "revision", "kind", "occurred_at", "actor", "actor_name", "channel")
_PERMIT = "EXISTS (SELECT 1 FROM scheduling_erasurepermit AS permit WHERE permit.booking_id = OLD.booking_id)"
_SQLITE_KEPT = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in _KEPT_COLUMNS)
_PG_KEPT = " AND ".join(f"NEW.{column} IS NOT DISTINCT FROM OLD.{column}" for column in _KEPT_COLUMNS)

ERASABLE_EVENTS_SQL = {
    "sqlite": (
        [
            "DROP TRIGGER IF EXISTS booking_event_no_update",
            f"""CREATE TRIGGER booking_event_no_update BEFORE UPDATE ON scheduling_bookingevent
                WHEN NOT ({_PERMIT} AND {_SQLITE_KEPT})
                BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: booking events cannot be changed'); END""",
            f"""CREATE TRIGGER IF NOT EXISTS booking_event_no_delete BEFORE DELETE ON scheduling_bookingevent
                BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: booking events cannot be deleted'); END""",
        ],
        APPEND_ONLY_SQL["sqlite"][1],
    ),
    "postgresql": (
        [
            f"""CREATE OR REPLACE FUNCTION {APPEND_ONLY}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'UPDATE' AND {_PERMIT} AND {_PG_KEPT} THEN
                        RETURN NEW;
                    END IF;
                    RAISE EXCEPTION '{APPEND_ONLY}: booking events cannot be %', CASE TG_OP
                        WHEN 'UPDATE' THEN 'changed' ELSE 'deleted' END
                        USING ERRCODE = 'integrity_constraint_violation';
                END $$""",
            f"DROP TRIGGER IF EXISTS {APPEND_ONLY} ON scheduling_bookingevent",
            f"""CREATE TRIGGER {APPEND_ONLY} BEFORE UPDATE OR DELETE ON scheduling_bookingevent
                FOR EACH ROW EXECUTE FUNCTION {APPEND_ONLY}()""",
        ],
        APPEND_ONLY_SQL["postgresql"][1],
    ),
}


def _run(connection, sql: dict, which: int) -> None:
    try:
        statements = sql[connection.vendor][which]
    except KeyError:
        raise NotImplementedError(f"No database guards for {connection.vendor}; use SQLite or PostgreSQL.") from None
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install_overlap_guard(connection) -> None:
    """Create the overlap guard if it is missing (idempotent): the one the table's columns allow, since
    the migrations before group sessions install it too."""
    _run(connection, _overlap_guard_for(connection), 0)


def remove_overlap_guard(connection) -> None:
    _run(connection, _overlap_guard_for(connection), 1)


def _overlap_guard_for(connection) -> dict:
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "scheduling_booking")
    return OVERLAP_SQL if any(column.name == "session_id" for column in columns) else _LEGACY_OVERLAP_SQL


def renew_overlap_guard(connection, *, rebuild_constraint: bool = False) -> None:
    """Replace the overlap guard with the current one: SQLite's triggers, and PostgreSQL's constraint only
    when asked (`rebuild_constraint`), since rebuilding it re-checks every booking."""
    if connection.vendor == "sqlite" or rebuild_constraint:
        remove_overlap_guard(connection)
        install_overlap_guard(connection)


def install_resource_guards(connection) -> None:
    """The claims' overlap guard, their status following their booking's, and the seats' count (idempotent)."""
    for sql in (RESOURCE_OVERLAP_SQL, CLAIMS_FOLLOW_SQL, SESSION_SEATS_SQL):
        _run(connection, sql, 0)


def remove_resource_guards(connection) -> None:
    for sql in (RESOURCE_OVERLAP_SQL, CLAIMS_FOLLOW_SQL, SESSION_SEATS_SQL):
        _run(connection, sql, 1)


def install_hours_guard(connection) -> None:
    """Create the hours-overlap guard if it is missing (idempotent)."""
    _run(connection, HOURS_OVERLAP_SQL, 0)


def remove_hours_guard(connection) -> None:
    _run(connection, HOURS_OVERLAP_SQL, 1)


def overlapping_hours(connection) -> list[tuple]:
    """`(practitioner name, weekday, opens, closes, other opens, other closes)` of hours that overlap."""
    with connection.cursor() as cursor:
        cursor.execute(OVERLAPPING_HOURS_SQL)
        return cursor.fetchall()


def is_hours_overlap(error: Exception) -> bool:
    return HOURS_OVERLAP in str(error)


def install_append_only_guard(connection) -> None:
    _run(connection, APPEND_ONLY_SQL, 0)


def remove_append_only_guard(connection) -> None:
    _run(connection, APPEND_ONLY_SQL, 1)


def install_erasable_events_guard(connection) -> None:
    """The append-only guard of booking events, with the erasure's permit (replaces the plain one)."""
    _run(connection, ERASABLE_EVENTS_SQL, 0)


def install_read_log_guard(connection) -> None:
    _run(connection, READ_LOG_SQL, 0)


def remove_read_log_guard(connection) -> None:
    _run(connection, READ_LOG_SQL, 1)


def install_all(connection) -> None:
    """Put back whatever guards a table rebuild dropped (SQLite drops triggers with the table)."""
    tables = connection.introspection.table_names()
    if "scheduling_booking" in tables:
        install_overlap_guard(connection)
    if {"scheduling_booking", "scheduling_resourceclaim", "scheduling_groupsession"} <= set(tables):
        install_resource_guards(connection)
    if "scheduling_openinghours" in tables:
        install_hours_guard(connection)
    if "scheduling_bookingevent" in tables and "scheduling_erasurepermit" in tables:
        _install_missing_erasable_events_guard(connection)
    elif "scheduling_bookingevent" in tables:
        install_append_only_guard(connection)
    if "scheduling_patientdataread" in tables:
        install_read_log_guard(connection)


def _install_missing_erasable_events_guard(connection) -> None:
    # On SQLite, dropping and recreating a trigger that is there is a write: only when a rebuild dropped it.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'booking_event_no_update'")
            if cursor.fetchone():
                return
    install_erasable_events_guard(connection)


def take_turn(connection, key: str) -> None:
    """Inside a transaction, wait until no other transaction holding the same `key` (hex) is running.

    SQLite needs nothing: its IMMEDIATE transactions take the one write lock up front, so writers already
    take turns. On PostgreSQL, a transaction-scoped advisory lock makes two hosts' transactions for one key
    run one after the other, so a count read inside stays true until the commit.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(key)])


def take_turns(connection, subjects: Iterable[str]) -> None:
    """`take_turn` on each of `subjects` ("practitioner:7", "unit:room-2"), in one order for every caller,
    so two transactions wanting the same ones queue rather than each holding one the other waits for."""
    keys = sorted({_lock_key(hashlib.sha256(subject.encode()).hexdigest()) for subject in subjects})
    if connection.vendor != "postgresql" or not keys:
        return
    with connection.cursor() as cursor:
        # One round trip: a function scan over an array takes its elements in order.
        cursor.execute("SELECT pg_advisory_xact_lock(key) FROM unnest(%s::bigint[]) AS key", [keys])


def _lock_key(key: str) -> int:
    """An advisory lock's number from a hex key: 60 bits, within PostgreSQL's signed bigint."""
    return int(key[:15], 16)


def queue_for_times(connection, practitioner_id: int, units: Iterable[str] = ()) -> None:
    """Inside a write that will give a practitioner (and units) a time, wait for the others doing so.

    PostgreSQL checks an exclusion constraint after adding the new row to its index, so two transactions
    inserting overlapping rows at the same moment each find the other's row uncommitted and wait on it: a
    deadlock, broken only after deadlock_timeout, and a retried write can meet the next contender the same
    way (on a loaded machine, a third of thirty simultaneous requests for one time ran out of retries). Taken
    in turn, the second finds the first's row committed and is refused at once.
    """
    take_turns(connection, [f"practitioner:{practitioner_id}", *(f"unit:{unit}" for unit in units)])


# PostgreSQL's SQLSTATE for "deadlock detected".
DEADLOCK_DETECTED = "40P01"


def is_deadlock(error: Exception) -> bool:
    """Whether PostgreSQL aborted the transaction to break a deadlock.

    The exclusion constraint makes two transactions inserting overlapping bookings at the same moment each
    find the other's row, not yet committed, and wait to see whether it commits: the server aborts one of
    them. Nothing of it was written, so it can be run again, and then the guard decides as usual.
    """
    return getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED


def is_overlap(error: IntegrityError) -> bool:
    """Whether an IntegrityError is the overlap guard refusing a booking."""
    return OVERLAP in str(error)


def is_resource_overlap(error: IntegrityError) -> bool:
    """Whether an IntegrityError is the claims' guard refusing a unit's time."""
    return RESOURCE_OVERLAP in str(error)


def is_session_full(error: IntegrityError) -> bool:
    """Whether an IntegrityError is the seats' count refusing one more seat (or a smaller capacity)."""
    return SESSION_SEATS in str(error)
