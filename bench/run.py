#!/usr/bin/env python
"""Benchmark the real server in the `make run` configuration with wrk, and print a table.

    make bench                      # empty clinic, 10 s per scenario
    make bench ARGS="--large"       # also a generated clinic of 500,000+ bookings, with the ratio to empty
    make bench ARGS="--rooms"       # also the empty clinic with follow-ups needing one of 6 rooms, and a class
    make bench ARGS="--soak 300"    # also 5 minutes of load, sampling each worker's memory
    make bench ARGS="--slow-clients"                       # 200 slow clients against the configured server
    make bench ARGS="--slow-clients --serving sync,asgi"   # ... against each serving setup, side by side
    make bench ARGS="--reports-only --years 0.5"           # only the reports' time, on a clinic of half a year

Every figure comes from one run on this machine, side by side, so compare ratios rather than absolutes.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from scheduling.tests.live import Server, manage, server_env  # noqa: E402
from scheduling.tests.slow_clients import probe, slow_clients  # noqa: E402

PRACTITIONERS = 20

# Serving setups to compare (`--serving`): gunicorn command-line options on top of gunicorn.conf.py
# ("configured": gthread, 256 threads per process).
SERVING = {
    "configured": (),
    "sync": ("--worker-class", "sync", "--threads", "1", "clinic_project.wsgi"),
    "gthread-64": ("--worker-class", "gthread", "--threads", "64", "clinic_project.wsgi"),
    # These need packages requirements.txt leaves out: pip install gevent / uvicorn-worker first.
    "gevent": ("--worker-class", "gevent", "--worker-connections", "1000", "clinic_project.wsgi"),
    "asgi": ("--worker-class", "asgi", "clinic_project.asgi"),
    "uvicorn": ("--worker-class", "uvicorn_worker.UvicornWorker", "clinic_project.asgi"),
}


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing; installing Debian's package", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk")


def parse_wrk(output: str) -> dict:
    def latency_ms(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency_ms("50"),
        "p95": int(re.search(r"^p95 (\d+) us$", output, re.M).group(1)) / 1000,
        "p99": latency_ms("99"),
        "requests": requests,
        "errors": (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket.groups())) if socket else 0),
    }


def wrk(binary, url, seconds, connections, script=None, script_args=()) -> dict:
    command = [binary, f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    command += ["-s", str(script or Path(__file__).with_name("p95.lua")), url, "--", *map(str, script_args)]
    return parse_wrk(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def prepare(data_dir: Path, large: bool, years: float | None = None) -> dict[str, str]:
    env = server_env(data_dir, f"sqlite:///{data_dir / 'db.sqlite3'}", LOG_LEVEL="WARNING")
    # Bookings and holds come from many client addresses (bench/book.lua), behind one proxy: the per-client
    # throttles keep their real rates, as they would for patients.
    env.update(DJANGO_NUM_PROXIES="1")
    for scope in ("BOOKING", "MANAGE", "HOLD", "WAITLIST"):
        env.pop(f"THROTTLE_{scope}_RATE", None)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")  # the booking page's CSS and scripts
    history = years if years is not None else (3 if large else 0)
    args = ["generate_clinic", "--practitioners", str(PRACTITIONERS), "--years", str(history)]
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, env=env, capture_output=True, text=True, check=True
    )
    print(result.stdout.strip(), file=sys.stderr)
    return env


# The "rooms" clinic: the empty one, with every follow-up needing one of six rooms (twenty practitioners
# share them, so rooms run out first), and a group class of eight seats needing one too.
ROOMS = """
from scheduling.models import AppointmentType, Practitioner, Resource, ResourcePool, ResourceRequirement
pool = ResourcePool.objects.create(slug="rooms", name="Rooms")
pool.members.set([Resource.objects.create(slug=f"room-{n}", name=f"Room {n}") for n in range(6)])
group = AppointmentType.objects.create(slug="class", name="Class", duration_minutes=60, capacity=8)
for kind in (AppointmentType.objects.get(slug="follow-up"), group):
    ResourceRequirement.objects.create(appointment_type=kind, pool=pool)
for practitioner in Practitioner.objects.all():
    practitioner.appointment_types.add(group)
"""


def worker_memory_mib(master_pid: int) -> dict[int, tuple[float, float]]:
    """Each worker's resident memory and, of it, the anonymous part (its heap). The rest is files mapped
    into it, SQLite's database pages among them, shared with the other workers and the page cache."""
    children = subprocess.run(["ps", "--ppid", str(master_pid), "-o", "pid="], capture_output=True, text=True)
    memory = {}
    for pid in map(int, children.stdout.split()):
        status = Path(f"/proc/{pid}/status").read_text()
        kib = {key: int(re.search(rf"^{key}:\s+(\d+) kB", status, re.M).group(1)) for key in ("VmRSS", "RssAnon")}
        memory[pid] = (kib["VmRSS"] / 1024, kib["RssAnon"] / 1024)
    return memory


def server_cpu_seconds(master_pid: int) -> float:
    """CPU time the server's processes (master and workers, every thread) have used so far. On a shared
    machine this moves far less than req/s, so it compares serving setups fairly: CPU per request."""
    children = subprocess.run(["ps", "--ppid", str(master_pid), "-o", "pid="], capture_output=True, text=True)
    ticks = 0
    for pid in [master_pid, *map(int, children.stdout.split())]:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def scenarios(first_day: dt.date) -> list[tuple[str, str]]:
    def last(days: int) -> str:
        return (first_day + dt.timedelta(days=days - 1)).isoformat()

    availability = f"/api/calendly/availability?appointment_type=follow-up&start_date={first_day}"
    return [
        ("/healthz", "/healthz"),
        ("availability, 1 day", f"/api/calendly/availability?appointment_type=follow-up&date={first_day}"),
        ("availability, 7 days", f"{availability}&end_date={last(7)}"),
        ("availability, 31 days", f"{availability}&end_date={last(31)}"),
        ("booking page, month", f"/book/follow-up/calendar/?month={first_day:%Y-%m}"),
        (
            "class availability, 7 days",
            f"/api/calendly/availability?appointment_type=class&start_date={first_day}&end_date={last(7)}",
        ),
    ]


def measure(env, wrk_binary, seconds, connections, label, soak, only=None) -> list[dict]:
    today = dt.datetime.now(dt.UTC).date()  # the benchmark clinic runs in UTC
    first_free_day = today + dt.timedelta(days=1)
    server = Server(env, workers=int(os.environ.get("WEB_CONCURRENCY", "0")) or None)
    rows = []
    try:
        # Warm up every worker (imports, connections, caches) before measuring.
        wrk(
            wrk_binary, f"{server.url}/api/calendly/availability?appointment_type=follow-up&date={first_free_day}", 2, 8
        )
        for name, path in scenarios(first_free_day):
            if only and only not in name and name != "/healthz":
                continue
            if name.startswith("class") and label != "rooms":
                continue
            if name == "availability, 31 days":  # the first run computes the days the 7-day one left out
                first = wrk(wrk_binary, server.url + path, seconds, connections)
                rows.append({"db": label, "scenario": f"{name} (first run)", **first})
            rows.append({"db": label, "scenario": name, **wrk(wrk_binary, server.url + path, seconds, connections)})
            if name == "booking page, month":  # one connection: no queueing, so latency is the server's time
                single = wrk(wrk_binary, server.url + path, seconds, 1)
                rows.append({"db": label, "scenario": "booking page, month (1 conn.)", **single})
        # Bookings and holds go to days the generator left empty (from 30 days ahead), each request a different
        # slot, all within the 90 days the types may be booked ahead.
        script = Path(__file__).with_name("book.lua")
        for name, path, days_ahead in [("booking", "/api/calendly/book", 31), ("hold", "/api/calendly/holds", 60)]:
            if only and only not in name:
                continue
            first_day = today + dt.timedelta(days=days_ahead)
            epoch = int(dt.datetime.combine(first_day, dt.time(), tzinfo=dt.UTC).timestamp())
            result = wrk(wrk_binary, server.url, seconds, connections, script, (2, epoch, PRACTITIONERS, path))
            rows.append({"db": label, "scenario": f"{name} (distinct slots)", **result})
        if soak:
            rows.append(soak_memory(server, wrk_binary, soak, connections, first_free_day, label))
    finally:
        server.stop()
    return rows


def slow_client_rows(env, wrk_binary, seconds, connections, serving, slow, slow_seconds) -> list[dict]:
    """Per serving setup: /healthz and one day's availability under wrk (with the server's CPU time per
    request), then each probed in turn while `slow` clients trickle their headers, and again while they
    trickle a booking's body after complete headers."""
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    paths = {
        "/healthz": "/healthz",
        "availability": f"/api/calendly/availability?appointment_type=follow-up&date={day}",
    }
    rows = []
    for name in serving:
        server = Server(env, workers=int(os.environ.get("WEB_CONCURRENCY", "0")) or None, options=SERVING[name])
        try:
            wrk(wrk_binary, server.url + paths["availability"], 2, 8)  # warm up every worker
            for probe_name, path in paths.items():
                cpu_before = server_cpu_seconds(server.process.pid)
                result = wrk(wrk_binary, server.url + path, seconds, connections)
                result["cpu_ms"] = (server_cpu_seconds(server.process.pid) - cpu_before) * 1000 / result["requests"]
                rows.append({"serving": name, "load": "none", "probe": probe_name, **result})
            for kind in ("trickle_headers", "trickle_body"):
                rows += probed_under_slow_clients(server, name, paths, slow, kind, slow_seconds)
        finally:
            server.stop()
    return rows


def probed_under_slow_clients(server, name, paths, slow, kind, slow_seconds) -> list[dict]:
    """Probes one after another (2 s timeout each) for as long as the slow clients trickle."""
    answers = {probe_name: [] for probe_name in paths}
    with slow_clients(server.url, slow, kind) as clients:
        ends = time.monotonic() + slow_seconds
        while time.monotonic() < ends:
            for probe_name, path in paths.items():
                answers[probe_name].append(probe(server.url + path))
        still_open = clients.open
    rows = []
    for probe_name, probes in answers.items():
        took = sorted(seconds * 1000 for status, seconds in probes if status == 200)
        rows.append(
            {
                "serving": name,
                "load": f"{slow} {kind.replace('_', ' ')} ({still_open} open at the end)",
                "probe": probe_name,
                "answered": f"{len(took)}/{len(probes)}",
                "p50": took[len(took) // 2] if took else None,
                "max": took[-1] if took else None,
            }
        )
    return rows


def print_slow_client_table(rows: list[dict]) -> None:
    healthz = {row["serving"]: row["rps"] for row in rows if row["load"] == "none" and row["probe"] == "/healthz"}
    header = (
        f"{'serving':<12} {'slow clients':<42} {'probe':<13} {'req/s':>7} {'vs /healthz':>11} {'CPU ms/req':>10} "
        f"{'answered':>9} {'p50 ms':>8} {'p99/max':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        if row["load"] == "none":
            share = row["rps"] / healthz[row["serving"]]
            figures = f"{row['rps']:>7.0f} {share:>11.0%} {row['cpu_ms']:>10.2f} {'':>9} "
            figures += f"{row['p50']:>8.1f} {row['p99']:>8.1f}"
        else:
            p50, worst = (f"{row[key]:.1f}" if row[key] is not None else "-" for key in ("p50", "max"))
            figures = f"{'':>7} {'':>11} {'':>10} {row['answered']:>9} {p50:>8} {worst:>8}"
        load = "none (wrk)" if row["load"] == "none" else row["load"]
        print(f"{row['serving']:<12} {load:<42} {row['probe']:<13} {figures}")
    print(
        "With no slow clients: wrk's req/s, p50 and p99, and the server's CPU time per request (steadier than req/s "
        "on a shared machine). With them: probes one at a time, answered within 2 s, p50 and max."
    )


def soak_memory(server, wrk_binary, seconds, connections, day, label) -> dict:
    """Load for `seconds`, sampling each worker's memory every 30 s. The first minute is settling: the
    cached answers are computed again (the scenarios before changed bookings; entries last a minute), so
    growth is counted from the sample at one minute to the last."""
    url = f"{server.url}/api/calendly/availability?appointment_type=follow-up&date={day}"
    samples = []
    with ThreadPoolExecutor(max_workers=1) as background:
        load = background.submit(wrk, wrk_binary, url, seconds, connections)
        started = time.monotonic()
        result = None
        while result is None:
            samples.append((time.monotonic() - started, worker_memory_mib(server.process.pid)))
            with contextlib.suppress(FutureTimeout):
                result = load.result(timeout=30)
        samples.append((time.monotonic() - started, worker_memory_mib(server.process.pid)))
    settled = next((memory for at, memory in samples if at >= 60), samples[0][1])
    last = samples[-1][1]
    for name, part in (("resident", 0), ("anonymous (heap)", 1)):
        series = [round(max(v[part] for v in memory.values()), 1) for _, memory in samples]
        print(f"{label}: largest worker's {name} memory every 30 s: {series} MiB", file=sys.stderr)
    growth = max(last[pid][1] - settled[pid][1] for pid in settled if pid in last)
    return {"db": label, "scenario": f"soak {seconds}s (heap {growth:+.1f} MiB)", **result}


def report_timings(env: dict[str, str], label: str) -> list[dict]:
    """The reports' time for 4 weeks and a year, every practitioner, in a Django shell on the bench's database."""
    code = "from bench.report_timing import main; main()"
    printed = manage(env, "shell", "-c", code)
    return [{"db": label, **json.loads(line)} for line in printed.splitlines() if line.startswith("{")]


def print_report_table(rows: list[dict]) -> None:
    header = f"{'database':<8} {'report':<26} {'bookings in range':>17} {'ms':>9} {'queries':>8} {'utilisation':>12}"
    print(header)
    print("-" * len(header))
    for row in rows:
        scope = f"{row['range']}, {row['practitioners']} practitioners"
        used = "-" if row["utilisation"] is None else f"{row['utilisation']:.1%}"
        print(
            f"{row['db']:<8} {scope:<26} {row['bookings_in_range']:>17} {row['ms']:>9.1f} {row['queries']:>8} "
            f"{used:>12}"
        )
    print(
        "report: the reports' figures (scheduling/reports/) in-process, warm; "
        "bookings in range: those that took the time."
    )


def print_table(rows: list[dict]) -> None:
    floor = {row["db"]: row["rps"] for row in rows if row["scenario"] == "/healthz"}
    empty = {row["scenario"]: row for row in rows if row["db"] == "empty"}
    header = (
        f"{'database':<8} {'scenario':<34} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'vs /healthz':>11} {'vs empty':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        versus_empty = ""
        if row["db"] != "empty" and row["scenario"] in empty and row["rps"]:
            versus_empty = f"{empty[row['scenario']]['rps'] / row['rps']:.2f}x"
        share = row["rps"] / floor[row["db"]] if floor[row["db"]] else 0
        print(
            f"{row['db']:<8} {row['scenario']:<34} {row['rps']:>9.0f} {row['p50']:>8.2f} {row['p95']:>8.2f} "
            f"{row['p99']:>8.2f} {row['errors']:>7} {share:>10.0%} {versus_empty:>9}"
        )
    print(
        "vs /healthz: throughput as a share of /healthz in the same run; vs empty: empty req/s over this clinic's "
        "(rooms: follow-ups need one of 6 rooms; its bookings' errors are 409s once rooms run out)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="duration of each scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--large", action="store_true", help="also measure a clinic with 500,000+ bookings")
    parser.add_argument("--rooms", action="store_true", help="also measure the empty clinic with rooms and a class")
    parser.add_argument("--soak", type=int, default=0, help="seconds of load while sampling worker memory")
    parser.add_argument("--only", help="measure only scenarios whose name contains this (and /healthz)")
    parser.add_argument("--slow-clients", type=int, nargs="?", const=200, default=0, help="slow connections (200)")
    parser.add_argument("--slow-seconds", type=int, default=30, help="how long the slow clients trickle")
    parser.add_argument("--reports-only", action="store_true", help="only the reports' time, on a generated clinic")
    parser.add_argument("--years", type=float, default=None, help="with --reports-only: history to generate (3)")
    parser.add_argument(
        "--serving", default="configured", help=f"with --slow-clients, comma-separated: {', '.join(SERVING)}"
    )
    args = parser.parse_args()
    if args.reports_only:
        with tempfile.TemporaryDirectory(prefix="clinic-bench-") as tmp:
            started = time.monotonic()
            env = prepare(Path(tmp), large=True, years=3 if args.years is None else args.years)
            print(f"prepared in {time.monotonic() - started:.0f}s", file=sys.stderr)
            print_report_table(report_timings(env, f"{args.years or 3:g}y"))
            return
    wrk_binary = ensure_wrk()
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, {args.connections} connections",
        file=sys.stderr,
    )
    rows, report_rows = [], []
    with tempfile.TemporaryDirectory(prefix="clinic-bench-") as tmp:
        if args.slow_clients:
            env = prepare(Path(tmp), large=False)
            serving = args.serving.split(",")
            slow = slow_client_rows(
                env, wrk_binary, args.seconds, args.connections, serving, args.slow_clients, args.slow_seconds
            )
            print_slow_client_table(slow)
            return
        labels = ["empty", *(["rooms"] if args.rooms else []), *(["large"] if args.large else [])]
        for label in labels:
            data_dir = Path(tmp) / label
            data_dir.mkdir()
            started = time.monotonic()
            env = prepare(data_dir, large=label == "large")
            if label == "rooms":
                manage(env, "shell", "-c", ROOMS)
            print(f"{label}: prepared in {time.monotonic() - started:.0f}s", file=sys.stderr)
            rows += measure(env, wrk_binary, args.seconds, args.connections, label, args.soak, args.only)
            report_rows += report_timings(env, label)
    print_table(rows)
    print()
    print_report_table(report_rows)


if __name__ == "__main__":
    main()
