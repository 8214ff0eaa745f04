"""A client generated from the published schema by a standard generator (openapi-python-client), used with
no hand edits against a real server: every answer parses into the generated models. If the schema said
an object was an array, or an e-mail was always an e-mail, parsing here would fail."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from scheduling import clinic_time
from scheduling.tests.live import database_of_this_run, manage, server_env, servers

pytestmark = pytest.mark.live_server_process

PACKAGE = "clinic_client"


def generate_client(schema_url: str, into: Path) -> None:
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert generator, "openapi-python-client is in requirements-dev.txt"
    schema = into / "schema.json"
    with urllib.request.urlopen(f"{schema_url}?format=json", timeout=30) as response:
        schema.write_bytes(response.read())
    json.loads(schema.read_text())  # it is JSON
    subprocess.run(
        [generator, "generate", "--path", str(schema), "--meta", "none", "--output-path", str(into / PACKAGE)],
        cwd=into,
        check=True,
        capture_output=True,
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},  # its post-hooks run ruff
    )


@pytest.fixture
def generated(tmp_path):
    """(the generated package's modules, a server URL), the package imported fresh from tmp_path."""
    with database_of_this_run(tmp_path) as database_url:
        env = server_env(tmp_path, database_url)
        manage(env, "migrate", "--noinput")
        with servers(env, workers=2) as (server,):
            generate_client(f"{server.url}/api/schema/", tmp_path)
            sys.path.insert(0, str(tmp_path))
            try:
                yield importlib.import_module(PACKAGE), server.url
            finally:
                sys.path.remove(str(tmp_path))
                for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
                    del sys.modules[name]


def test_the_generated_client_holds_books_looks_up_moves_and_cancels(generated):
    package, url = generated
    models = importlib.import_module(f"{PACKAGE}.models")

    def operation(name: str):
        """The generator writes one module per operation, named after its operationId."""
        return importlib.import_module(f"{PACKAGE}.api.calendly.calendly_{name}")

    client = package.Client(base_url=url, raise_on_unexpected_status=True)
    tomorrow = clinic_time.today() + timedelta(days=1)

    free = operation("availability_list").sync(client=client, appointment_type="consultation", date=tomorrow)
    assert isinstance(free, models.Availability)
    assert free.available_slots[0].start == "09:00"
    week = operation("availability_list").sync(
        client=client, appointment_type="consultation", start_date=tomorrow, end_date=tomorrow + timedelta(days=6)
    )
    assert isinstance(week, models.AvailabilityRange) and len(week.days) == 7

    held = operation("holds_create").sync(
        client=client,
        body=models.HoldRequestRequest(appointment_type="consultation", date=tomorrow, start_time="10:00"),
    )
    assert isinstance(held, models.Hold) and held.start_time == "10:00"
    free_now = operation("availability_list").sync(client=client, appointment_type="consultation", date=tomorrow)
    assert "10:00" not in [slot.start for slot in free_now.available_slots]

    confirmed = operation("book_create").sync(
        client=client, body=models.HeldBookingRequestRequest(hold_id=held.hold_id, patient_name="Ada Lovelace")
    )
    assert isinstance(confirmed, models.BookingConfirmation)
    assert confirmed.status == models.StatusEnum.CONFIRMED

    let_go = operation("holds_create").sync(
        client=client,
        body=models.HoldRequestRequest(appointment_type="consultation", date=tomorrow, start_time="12:00"),
    )
    released = operation("holds_release_create").sync_detailed(
        client=client, body=models.HoldReleaseRequest(hold_id=let_go.hold_id)
    )
    assert released.status_code == 204

    direct = operation("book_create").sync(
        client=client,
        body=models.BookingRequestRequest(
            patient_name="Rahul Sharma", appointment_type="consultation", date=tomorrow, start_time="11:00"
        ),
    )
    assert isinstance(direct, models.BookingConfirmation) and direct.start_time == "11:00"

    seen = operation("bookings_retrieve").sync(confirmed.booking_id, client=client, token=confirmed.manage_token)
    assert isinstance(seen, models.BookingDetail)
    assert (seen.patient_name, seen.patient_email, seen.revision) == ("Ada Lovelace", "", 2)

    moved = operation("bookings_reschedule_create").sync(
        confirmed.booking_id,
        client=client,
        token=confirmed.manage_token,
        body=models.RescheduleRequestRequest(date=tomorrow, start_time="14:00"),
    )
    assert isinstance(moved, models.BookingDetail) and moved.start_time == "14:00"

    cancelled = operation("bookings_cancel_create").sync(
        confirmed.booking_id,
        client=client,
        token=confirmed.manage_token,
        body=models.CancelRequestRequest(reason="Feeling better"),
    )
    assert isinstance(cancelled, models.BookingDetail)
    assert cancelled.status == models.StatusEnum.CANCELLED
    # Once cancelled, the patient's answer withholds who booked and why: the schema's nulls, as a client reads them.
    assert (cancelled.patient_name, cancelled.cancellation_reason) == (None, None)

    taken = operation("book_create").sync(
        client=client,
        body=models.BookingRequestRequest(
            patient_name="Late", appointment_type="consultation", date=tomorrow, start_time="11:00"
        ),
    )
    assert isinstance(taken, models.ErrorResponse) and taken.code == "slot_unavailable"
