"""Slow clients cannot take the site down: the real server, as gunicorn.conf.py configures it, keeps
answering /healthz and availability while 200 connections trickle their requests a byte at a time."""

import time

import pytest

from scheduling.tests.live import Server, database_of_this_run, manage, server_env
from scheduling.tests.slow_clients import probe, slow_clients

pytestmark = pytest.mark.live_server_process

SLOW_CONNECTIONS = 200
# The slow clients trickle for this long before the probes: long enough that a server which gives each
# one a worker (or a thread) has run out of them, far shorter than the bench's 30 s.
TRICKLE_SECONDS = 3
# A probe that waits this long is counted as unanswered; a server tied up by slow clients never answers.
PROBE_TIMEOUT_SECONDS = 10


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("slow-clients")
    with database_of_this_run(tmp_path) as database_url:
        env = server_env(tmp_path, database_url)
        manage(env, "migrate", "--noinput")
        running = Server(env, workers=None)  # gunicorn.conf.py's worker class and sizing, as `make run`
        try:
            yield running
        finally:
            running.stop()


def answers(server, tomorrow) -> list[int | None]:
    """The status of three probes of each, one after another (None: no answer)."""
    paths = ["/healthz", f"/api/calendly/availability?appointment_type=consultation&date={tomorrow}"] * 3
    return [probe(server.url + path, timeout=PROBE_TIMEOUT_SECONDS)[0] for path in paths]


@pytest.mark.parametrize("kind", ["trickle_headers", "trickle_body"])
def test_healthz_and_availability_answer_while_200_clients_trickle_their_requests(server, tomorrow, kind):
    with slow_clients(server.url, SLOW_CONNECTIONS, kind) as clients:
        time.sleep(TRICKLE_SECONDS)
        assert answers(server, tomorrow) == [200] * 6
        assert clients.open == SLOW_CONNECTIONS  # the slow clients were still connected meanwhile
    assert answers(server, tomorrow) == [200] * 6  # and the server is none the worse after they go
