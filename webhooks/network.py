"""Where webhooks may go, and the POST itself.

Addresses are checked after DNS resolution, at send time, and the request goes to the address that was
checked: a name that resolves somewhere else later (DNS rebinding) is caught. Link-local and cloud
metadata addresses are never allowed; loopback and private ranges only with
WEBHOOK_ALLOW_PRIVATE_NETWORKS=true, for clinics whose systems live on a closed network. Redirects are
not followed: a 3xx is an answer like any other non-2xx.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

# Cloud metadata services: AWS, GCP, Azure and OpenStack at 169.254.169.254 (inside link-local), AWS's
# IPv6 one, Alibaba's; plus "this host" addresses.
ALWAYS_REFUSED = [
    ipaddress.ip_network(net)
    for net in ("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32", "0.0.0.0/8", "::/128")
]
PRIVATE_UNLESS_ALLOWED = [ipaddress.ip_network(net) for net in ("100.64.0.0/10",)]  # carrier-grade NAT
RESPONSE_BYTES_KEPT = 64 * 1024


class Refused(Exception):
    """The address is not one webhooks may reach."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]


def check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address, host: str) -> None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_link_local or address.is_multicast or any(address in net for net in ALWAYS_REFUSED):
        raise Refused(f"{host} is {address}, a link-local or cloud metadata address: webhooks never go there.")
    private = address.is_private or address.is_loopback or any(address in n for n in PRIVATE_UNLESS_ALLOWED)
    if (private or address.is_reserved) and not settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        raise Refused(
            f"{host} is {address}, a private or loopback address: allowed only with "
            "WEBHOOK_ALLOW_PRIVATE_NETWORKS=true."
        )


def resolve(host: str, port: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address to connect to, once every address the name has is allowed (a name with one bad
    address among good ones is refused: which one a client picks is not ours to guess)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise Refused(f"{host} does not resolve: {error.strerror}.") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    for address in addresses:
        check_address(address, host)
    return addresses[0]


def check_url(url: str) -> None:
    """What can be known without DNS: the scheme, a host, and a literal address's range."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("Webhook URLs are http:// or https:// with a host.")
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        if parts.hostname.lower() == "localhost" or parts.hostname.lower().endswith(".localhost"):
            check_address(ipaddress.ip_address("127.0.0.1"), parts.hostname)
        return
    check_address(address, parts.hostname)


class PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = str(address)

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, verifying the certificate for the URL's host name."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = str(address)

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    check_url(url)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve(parts.hostname, port)
    connection_class = PinnedHTTPSConnection if parts.scheme == "https" else PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, address=address, timeout=timeout)
    try:
        path = parts.path or "/"
        connection.request("POST", f"{path}?{parts.query}" if parts.query else path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_BYTES_KEPT)
        return Answer(response.status, {name.lower(): value for name, value in response.getheaders()})
    finally:
        connection.close()
