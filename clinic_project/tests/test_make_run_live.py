"""`make run` itself, on its own port, data folder and SMTP server: a job worker or sweeper killed with
SIGKILL in the middle of a booking burst comes back by itself, the web server answers every request
meanwhile, no confirmed booking or confirmation e-mail is lost, each program's output reaches the terminal
under its name, and one Ctrl-C stops every process."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pytest

from outbox.tests.mail import Inbox, text_of
from scheduling import clinic_time
from scheduling.tests.live import (
    PROJECT,
    database_of_this_run,
    free_port,
    request,
    server_env,
    wait_until,
)

pytestmark = pytest.mark.live_server_process


def children_of(pid: int) -> list[int]:
    """Every process below `pid`, read from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # The command name (2nd field) may hold spaces; what follows its closing parenthesis does not.
            parents[int(stat.parent.name)] = int(stat.read_text().rpartition(")")[2].split()[1])
    below, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        found = [child for child, its_parent in parents.items() if its_parent == parent]
        below += found
        frontier += found
    return below


def arguments_of(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:  # gone meanwhile
        return []


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


class MakeRun:
    """`make run` in a session of its own, as a terminal would run it; `interrupt` is its Ctrl-C."""

    def __init__(self, env: dict[str, str], log: Path):
        self.port = int(env["PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "run"],
                cwd=PROJECT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self.serving, seconds=120)

    def serving(self) -> bool:
        assert self.process.poll() is None, f"make run exited:\n{self.output()[-3000:]}"
        with contextlib.suppress(OSError):
            return request("GET", f"{self.url}/healthz", timeout=5)[0] == 200
        return False

    def wait_for(self, condition, what, seconds: float = 30) -> None:
        """`what` names the awaited state; a callable is asked only on a time-out, for the state then."""
        try:
            wait_until(condition, seconds)
        except AssertionError:
            what = what() if callable(what) else what
            raise AssertionError(f"{what} timed out; make run said:\n{self.output()[-6000:]}") from None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pid_of(self, *command: str) -> int | None:
        """The one process `make run` started whose arguments include `command` in order."""
        found = [
            pid for pid in children_of(self.process.pid) if _contains(arguments_of(pid), list(command)) and alive(pid)
        ]
        assert len(found) <= 1, found
        return found[0] if found else None

    def interrupt(self) -> list[int]:
        """Ctrl-C: SIGINT to the terminal's foreground process group. Returns the processes left running."""
        everything = children_of(self.process.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=60)
        with contextlib.suppress(AssertionError):
            wait_until(lambda: not any(alive(pid) for pid in everything), seconds=30)
        return [pid for pid in everything if alive(pid)]

    def kill(self) -> None:
        for pid in [self.process.pid, *children_of(self.process.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def _contains(arguments: list[str], command: list[str]) -> bool:
    return any(arguments[i : i + len(command)] == command for i in range(len(arguments)))


@contextlib.contextmanager
def make_run(env: dict[str, str], log: Path):
    service = MakeRun(env, log)
    try:
        yield service
    finally:
        if service.process.poll() is None:
            service.kill()


def slots(count: int, first: int = 0) -> list[dict]:
    """Consultations from three days ahead, so that only their confirmations fall due now; the `first`th on."""
    first_day = clinic_time.today() + timedelta(days=3)
    return [
        {
            "appointment_type": "consultation",
            "date": (first_day + timedelta(days=n // 16)).isoformat(),
            "start_time": f"{9 + n % 16 // 2:02d}:{30 * (n % 2):02d}",
            "patient_name": f"Patient {n}",
            "patient_email": f"patient{n}@example.com",
        }
        for n in range(first, first + count)
    ]


class Load:
    """Clients booking distinct slots, and one probing /healthz, until stopped; every answer is kept."""

    def __init__(self, url: str, clients: int = 3, count: int = 400, first: int = 0):
        self.url = url
        self.bookings: list[tuple[dict, int | str, dict]] = []  # (request, status or error, answer)
        self.probes: list[int | str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        requests = slots(count, first)
        self._threads = [
            threading.Thread(target=self._book, args=(requests[i::clients],), daemon=True) for i in range(clients)
        ]
        self._threads.append(threading.Thread(target=self._probe, daemon=True))
        for thread in self._threads:
            thread.start()

    def _book(self, requests: list[dict]) -> None:
        for body in requests:
            if self._stop.is_set():
                return
            try:
                status, answer = request("POST", f"{self.url}/api/calendly/book", body, timeout=30)
            except OSError as error:  # refused, reset, timed out: no answer at all
                status, answer = type(error).__name__, {}
            with self._lock:
                self.bookings.append((body, status, answer))

    def _probe(self) -> None:
        while not self._stop.wait(0.05):
            try:
                status = request("GET", f"{self.url}/healthz", timeout=10)[0]
            except OSError as error:
                status = type(error).__name__
            with self._lock:
                self.probes.append(status)

    def confirmed(self) -> dict[str, str]:
        """{booking_id: patient e-mail} of every booking the API confirmed."""
        with self._lock:
            return {
                answer["booking_id"]: body["patient_email"] for body, status, answer in self.bookings if status == 200
            }

    def summary(self) -> str:
        """How the answers so far went, for a timed-out wait's message."""
        with self._lock:
            statuses = [str(status) for _, status, _ in self.bookings]
        return ", ".join(f"{s}: {statuses.count(s)}" for s in sorted(set(statuses))) or "no answers yet"

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def stored(env: dict) -> dict:
    """The confirmed bookings and the confirmations' outbox, read by a separate process as an operator would."""
    code = (
        "import json; from django.db.models import Count; from notifications.models import Message; "
        "from scheduling.models import Booking; "
        "rows = Message.objects.filter(kind='confirmation').order_by().values('status').annotate(n=Count('pk')); "
        "print(json.dumps({'bookings': sorted(Booking.objects.filter(status='confirmed')"
        ".values_list('reference', flat=True)), 'outbox': {r['status']: r['n'] for r in rows}}))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def recipient(message: EmailMessage) -> str:
    return parseaddr(message["To"])[1]


@pytest.fixture
def inbox():
    server = Inbox(free_port(), delay=0.1).start()
    yield server
    server.stop()


def test_a_worker_and_a_sweeper_killed_mid_load_come_back_and_nothing_is_lost(tmp_path, inbox):
    port = free_port()
    with database_of_this_run(tmp_path) as database_url:
        env = server_env(
            tmp_path,
            database_url,
            PORT=str(port),
            EMAIL_URL=f"smtp://127.0.0.1:{inbox.port}",
            # The killed worker's message in flight is the sweeper's again 2 s later, not 5 min.
            OUTBOX_LEASE_SECONDS="2",
            OUTBOX_SWEEP_GRACE_SECONDS="1",
        )
        for variable in ("SITE_URL", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"):  # as from a fresh terminal
            env.pop(variable, None)
        with make_run(env, tmp_path / "make-run.log") as service:
            worker = service.pid_of("manage.py", "db_worker")
            sweeper = service.pid_of("manage.py", "sweep_outbox")
            assert worker and sweeper, service.output()[-3000:]

            load = Load(service.url)
            service.wait_for(
                lambda: len(load.confirmed()) >= 10 and len(inbox.messages) >= 2,
                lambda: f"10 bookings and 2 e-mails ({load.summary()}; {len(inbox.messages)} e-mails)",
                seconds=120,
            )
            os.kill(worker, signal.SIGKILL)  # mid-batch: confirmations are still waiting to be sent
            sent_at_kill = len(inbox.messages)
            confirmed_at_kill = len(load.confirmed())
            service.wait_for(lambda: service.pid_of("manage.py", "db_worker") not in (None, worker), "worker back")
            os.kill(sweeper, signal.SIGKILL)
            service.wait_for(lambda: service.pid_of("manage.py", "sweep_outbox") not in (None, sweeper), "sweeper back")
            load.stop()
            # Bookings go on being made, and answered, after both came back: new ones, since on a fast machine
            # the first load may have booked all its slots before the worker sent its second e-mail.
            after = Load(service.url, count=20, first=400)
            service.wait_for(
                lambda: len(after.confirmed()) >= 20,
                lambda: f"20 bookings after the kills ({confirmed_at_kill} before; now {after.summary()})",
                seconds=120,
            )
            after.stop()

            confirmed = {**load.confirmed(), **after.confirmed()}
            service.wait_for(
                lambda: {recipient(m) for m in inbox.messages} >= set(confirmed.values()),
                f"{len(confirmed)} confirmations",
                seconds=120,
            )
            state = stored(env)
            left_running = service.interrupt()
            output = service.output()

    assert sent_at_kill < confirmed_at_kill  # the kill came while confirmations were waiting
    answers = [*load.bookings, *after.bookings]
    no_answer = [(body["start_time"], status) for body, status, _ in answers if status != 200]
    assert not no_answer, f"{len(no_answer)} bookings without a 200: {no_answer[:10]}"
    probes = [*load.probes, *after.probes]
    assert set(probes) == {200}, f"/healthz answers: {sorted(set(map(str, probes)))}"
    assert set(confirmed) <= set(state["bookings"])
    assert state["outbox"] == {"sent": len(confirmed)}
    # One confirmation per booking. The one in flight at the kill may arrive twice (SMTP accepted it,
    # the worker died before recording so); the copy carries the same Message-ID, so mail systems drop it.
    ids_by_patient: dict[str, set[str]] = {}
    for message in inbox.messages:
        ids_by_patient.setdefault(recipient(message), set()).add(message["Message-ID"])
    assert set(ids_by_patient) == set(confirmed.values())
    assert all(len(ids) == 1 for ids in ids_by_patient.values())
    assert len(inbox.messages) - len(confirmed) <= 1
    assert f"http://127.0.0.1:{port}/" in text_of(inbox.messages[0])  # SITE_URL follows PORT
    assert not left_running, f"still running after Ctrl-C: {[arguments_of(pid) for pid in left_running]}"
    # Each program's output reaches the terminal led by its name.
    assert re.search(rf"^web +\| .*Listening at: http://127\.0\.0\.1:{port}\b", output, re.MULTILINE), output[-3000:]
