"""deploy/output_by_program.py, the supervisord listener that prints `make run`'s output: every line is led
by its program's name, and a line that arrives in two pieces is printed once, whole."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LISTENER = Path(__file__).resolve().parents[2] / "deploy" / "output_by_program.py"


def event(serial: int, program: str, data: str) -> str:
    """A PROCESS_LOG_STDOUT event as supervisord sends it: a header line, then `len` characters."""
    payload = f"processname:{program} groupname:{program} pid:42 channel:stdout\n{data}"
    return (
        f"ver:3.0 server:supervisor serial:{serial} pool:output poolserial:{serial} "
        f"eventname:PROCESS_LOG_STDOUT len:{len(payload)}\n{payload}"
    )


def test_each_line_is_led_by_its_programs_name_and_printed_whole():
    events = [
        event(1, "web", "Listening at: http://127.0.0.1:8000\nBooting wor"),
        event(2, "worker", "Starting worker for Zoë Brontë\n"),
        event(3, "web", "ker with pid: 7\n"),
    ]
    result = subprocess.run(
        [sys.executable, str(LISTENER)], input="".join(events).encode(), capture_output=True, timeout=30
    )
    assert result.stderr.decode().splitlines() == [
        "web     | Listening at: http://127.0.0.1:8000",
        "worker  | Starting worker for Zoë Brontë",
        "web     | Booting worker with pid: 7",
    ]
    # Each event was answered, so supervisord sends the next.
    assert result.stdout.decode().count("RESULT 2\nOK") == len(events)
    assert result.returncode == 0
