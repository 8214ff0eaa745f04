"""The database's own guards, installed by migration on each supported engine.

- `booking_no_overlap`: two blocking bookings (held, confirmed, checked in, completed, no-show) of one
  practitioner never overlap, whichever code path writes them. A UNIQUE constraint cannot say "ranges do
  not overlap", so PostgreSQL gets an exclusion constraint over the blocked time range (btree_gist),
  checked by the server for concurrent transactions on every host; SQLite gets triggers that abort the
  write (SQLite lets one writer at a time hold the database, so check and write cannot interleave).
- `booking_event_append_only`: booking history is never rewritten: UPDATE and DELETE of an event are
  refused by triggers on both engines.
- `patient_data_read_append_only`: the log of who read patient data is never rewritten either: the same
  triggers guard it.

Each raises IntegrityError naming the guard.
"""

from django.db import IntegrityError

OVERLAP = "booking_no_overlap"
APPEND_ONLY = "booking_event_append_only"
READ_LOG_APPEND_ONLY = "patient_data_read_append_only"

# Booking.BLOCKING, spelled out: a migration must not change meaning when the model does.
BLOCKING_SQL = "('held', 'confirmed', 'checked_in', 'completed', 'no_show')"

_SQLITE_OVERLAP_EXISTS = f"""
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

OVERLAP_SQL = {
    "sqlite": (
        [
            f"""CREATE TRIGGER IF NOT EXISTS booking_no_overlap_insert
                BEFORE INSERT ON scheduling_booking WHEN NEW.status IN {BLOCKING_SQL}
                BEGIN {_SQLITE_OVERLAP_EXISTS} END""",
            f"""CREATE TRIGGER IF NOT EXISTS booking_no_overlap_update
                BEFORE UPDATE ON scheduling_booking WHEN NEW.status IN {BLOCKING_SQL}
                BEGIN {_SQLITE_OVERLAP_EXISTS} END""",
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


def _run(connection, sql: dict, which: int) -> None:
    try:
        statements = sql[connection.vendor][which]
    except KeyError:
        raise NotImplementedError(f"No database guards for {connection.vendor}; use SQLite or PostgreSQL.") from None
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install_overlap_guard(connection) -> None:
    """Create the overlap guard if it is missing (idempotent)."""
    _run(connection, OVERLAP_SQL, 0)


def remove_overlap_guard(connection) -> None:
    _run(connection, OVERLAP_SQL, 1)


def install_append_only_guard(connection) -> None:
    _run(connection, APPEND_ONLY_SQL, 0)


def remove_append_only_guard(connection) -> None:
    _run(connection, APPEND_ONLY_SQL, 1)


def install_read_log_guard(connection) -> None:
    _run(connection, READ_LOG_SQL, 0)


def remove_read_log_guard(connection) -> None:
    _run(connection, READ_LOG_SQL, 1)


def install_all(connection) -> None:
    """Put back whatever guards a table rebuild dropped (SQLite drops triggers with the table)."""
    tables = connection.introspection.table_names()
    if "scheduling_booking" in tables:
        install_overlap_guard(connection)
    if "scheduling_bookingevent" in tables:
        install_append_only_guard(connection)
    if "scheduling_patientdataread" in tables:
        install_read_log_guard(connection)


def take_turn(connection, key: str) -> None:
    """Inside a transaction, wait until no other transaction holding the same `key` (hex) is running.

    SQLite needs nothing: its IMMEDIATE transactions take the one write lock up front, so writers already
    take turns. On PostgreSQL, a transaction-scoped advisory lock makes two hosts' transactions for one key
    run one after the other, so a count read inside stays true until the commit.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(key[:15], 16)])


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
