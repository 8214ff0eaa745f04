"""The database's own guard against double booking, installed by migration on each supported engine.

Two confirmed bookings of one practitioner must never overlap, whichever code path writes them. A UNIQUE
constraint cannot say "ranges do not overlap", so each engine gets its native tool:

- PostgreSQL: an exclusion constraint over the blocked time range (btree_gist), checked by the server
  for concurrent transactions on every host.
- SQLite: triggers that abort the write. SQLite lets one writer at a time hold the database, so the
  check and the write inside one statement cannot interleave with another writer's.

Both raise IntegrityError naming `booking_no_overlap`.
"""

from django.db import IntegrityError

GUARD_NAME = "booking_no_overlap"

_SQLITE_OVERLAP_EXISTS = """
    SELECT RAISE(ABORT, 'booking_no_overlap: the practitioner already has a booking at that time')
    WHERE EXISTS (
        SELECT 1 FROM scheduling_booking AS other
        WHERE other.practitioner_id = NEW.practitioner_id
          AND other.status = 'confirmed'
          AND other.id IS NOT NEW.id
          AND other.blocked_from < NEW.blocked_until
          AND NEW.blocked_from < other.blocked_until
    );
"""

SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS booking_no_overlap_insert
        BEFORE INSERT ON scheduling_booking WHEN NEW.status = 'confirmed'
        BEGIN {_SQLITE_OVERLAP_EXISTS} END""",
    f"""CREATE TRIGGER IF NOT EXISTS booking_no_overlap_update
        BEFORE UPDATE ON scheduling_booking WHEN NEW.status = 'confirmed'
        BEGIN {_SQLITE_OVERLAP_EXISTS} END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS booking_no_overlap_insert",
    "DROP TRIGGER IF EXISTS booking_no_overlap_update",
]

POSTGRESQL_INSTALL = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'booking_no_overlap') THEN
            ALTER TABLE scheduling_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
                practitioner_id WITH =,
                tstzrange(blocked_from, blocked_until, '[)') WITH &&
            ) WHERE (status = 'confirmed');
        END IF;
    END $$""",
]
POSTGRESQL_REMOVE = ["ALTER TABLE scheduling_booking DROP CONSTRAINT IF EXISTS booking_no_overlap"]

_STATEMENTS = {
    "sqlite": (SQLITE_INSTALL, SQLITE_REMOVE),
    "postgresql": (POSTGRESQL_INSTALL, POSTGRESQL_REMOVE),
}


def _statements(connection, which: int) -> list[str]:
    try:
        return _STATEMENTS[connection.vendor][which]
    except KeyError:
        raise NotImplementedError(
            f"No double-booking guard for {connection.vendor}; use SQLite or PostgreSQL."
        ) from None


def install(connection) -> None:
    """Create the guard if it is missing (idempotent)."""
    with connection.cursor() as cursor:
        for statement in _statements(connection, 0):
            cursor.execute(statement)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, 1):
            cursor.execute(statement)


def is_overlap(error: IntegrityError) -> bool:
    """Whether an IntegrityError is this guard refusing an overlapping booking."""
    return GUARD_NAME in str(error)
