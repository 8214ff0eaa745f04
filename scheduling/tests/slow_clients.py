"""Slow clients (slowloris): connections that send their request a byte at a time and so never finish it.

One thread drives all the connections, so hundreds cost the test or the bench nothing. Each connection
sends what a real client would start with, then one more byte every `interval` seconds:

- `trickle_headers`: `GET /healthz HTTP/1.1` and its headers, never reaching the blank line that ends them;
- `trickle_body`: a complete POST to the booking endpoint announcing a body, which then comes a byte at a
  time (a server that waits for the whole body before the view holds a worker meanwhile).
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

BODY_BYTES = 4000


def trickled_headers(host: str) -> tuple[bytes, bytes]:
    """What is sent at once, and what then comes a byte at a time (headers with no end)."""
    return f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n".encode(), b"X-Slow: " + b"a" * 10_000


def trickled_body(host: str) -> tuple[bytes, bytes]:
    head = (
        f"POST /api/calendly/book HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {BODY_BYTES}\r\n\r\n"
    )
    return head.encode(), b" " * BODY_BYTES


KINDS = {"trickle_headers": trickled_headers, "trickle_body": trickled_body}


class SlowClients:
    """`count` connections to `url`, each sending one more byte every `interval` seconds until stopped."""

    def __init__(self, url: str, count: int, kind: str = "trickle_headers", interval: float = 1.0):
        address = urlsplit(url)
        self.address = (address.hostname, address.port)
        self.head, self.tail = KINDS[kind](address.netloc)
        self.count = count
        self.interval = interval
        self.sockets: dict[socket.socket, int] = {}  # each connection: how much of the tail it has sent
        self.closed_by_server = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def start(self) -> None:
        for _ in range(self.count):
            connection = socket.create_connection(self.address, timeout=5)
            connection.sendall(self.head)
            connection.setblocking(False)
            self.sockets[connection] = 0
        self._thread.start()

    @property
    def open(self) -> int:
        return len(self.sockets)

    def _trickle(self) -> None:
        with selectors.DefaultSelector() as closing:
            for connection in self.sockets:
                closing.register(connection, selectors.EVENT_READ)
            while not self._stop.wait(self.interval):
                # A server that answers or closes a slow connection frees it: count those, stop sending.
                for key, _ in closing.select(timeout=0):
                    self._drop(key.fileobj, closing)
                for connection, sent in list(self.sockets.items()):
                    try:
                        connection.send(self.tail[sent % len(self.tail) : sent % len(self.tail) + 1])
                        self.sockets[connection] = sent + 1
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        self._drop(connection, closing)

    def _drop(self, connection: socket.socket, selector: selectors.BaseSelector) -> None:
        selector.unregister(connection)
        connection.close()
        del self.sockets[connection]
        self.closed_by_server += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        for connection in self.sockets:
            connection.close()


@contextlib.contextmanager
def slow_clients(url: str, count: int, kind: str = "trickle_headers", interval: float = 1.0) -> Iterator[SlowClients]:
    clients = SlowClients(url, count, kind, interval)
    try:
        clients.start()
        yield clients
    finally:
        clients.stop()


def probe(url: str, timeout: float = 2.0) -> tuple[int | None, float]:
    """One GET with its own connection: the status (None when it failed or timed out) and the seconds taken."""
    import urllib.error
    import urllib.request

    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = None
    return status, time.monotonic() - started
