"""Where a webhook may be sent: the address checked at the moment of sending, and the
connection made to exactly that address.

Checking the host name when an agency admin saves the address is not enough: a name is
looked up again at every send and may by then point anywhere (a record changed later, or
DNS rebinding, where a name answers with a public address once and 127.0.0.1 the next
time). So each send resolves the name itself, refuses the whole address if any answer is
loopback, private, link-local, a cloud metadata address or otherwise not on the internet,
and connects to an address it checked, never resolving again. The name still goes in the
Host header, in the TLS server name (SNI) and in the certificate check, so the receiver
and its certificate are those of the address the admin set.
"""

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings

# Refused even inside WEBHOOK_ALLOWED_NETWORKS: whoever reaches them gets the host's
# cloud credentials (AWS, GCP, Azure and OpenStack; AWS over IPv6; Alibaba).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
# IPv6 that carries an IPv4 address a gateway connects to (NAT64's well-known prefix).
NAT64 = ipaddress.ip_network("64:ff9b::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The webhook's host is, or resolves to, an address the Hub must not connect to."""


def resolve(host: str, port: int) -> list[str]:
    """The host's addresses, from the system resolver, in its order, once each.

    Module-level so a test (these machines have no DNS) can answer with addresses it
    chooses; everything after the answer is the real code.
    """
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


def _effective(address: Address) -> Address:
    """The IPv4 address an IPv6 one stands for, if it stands for one (::ffff:127.0.0.1)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def refusal(address: str) -> str | None:
    """Why the Hub must not connect to `address` ("a loopback address"...), or None."""
    ip = _effective(ipaddress.ip_address(address.split("%", 1)[0]))
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    allowed = settings.WEBHOOK_ALLOWED_NETWORKS
    if any(ip in ipaddress.ip_network(net, strict=False) for net in allowed):
        return None
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private address"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or not ip.is_global:
        return "not an internet address"
    return None


def checked_addresses(host: str, port: int) -> list[str]:
    """The addresses to connect to, every one checked; AddressRefused if any is refused
    (a name that answers with a private address as well as public ones is not trusted)."""
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = resolve(host, port)  # socket.gaierror if it does not resolve
    if not addresses:
        raise OSError(f"{host} has no address")
    for address in addresses:
        reason = refusal(address)
        if reason is not None:
            shown = f"{host} is" if host == address else f"{host} resolves to {address},"
            raise AddressRefused(f"{shown} {reason}: refused")
    return addresses


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to the checked address; the Host header names the host as given."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(_PinnedHTTP):
    """HTTPS to the checked address, with the host's name in SNI and the certificate check."""

    default_port = http.client.HTTPS_PORT

    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST `body` to `url` at a checked address; the reply's status.

    Each checked address is tried in turn until one connects. Never follows a redirect
    (a redirect is an answer, not a delivery) and never goes through a proxy.
    AddressRefused if the address must not be used; OSError if none could be reached.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused("not an http(s) address")
    kind: Callable[..., _PinnedHTTP] = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    port = parts.port or kind.default_port
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    failure: OSError | None = None
    for address in checked_addresses(parts.hostname, port):
        connection = kind(parts.hostname, port, address, timeout)
        try:
            try:
                connection.connect()
            except OSError as error:  # refused, unreachable, TLS: the next address may do
                failure = error
                continue
            connection.request("POST", path, body=body, headers=headers)
            with connection.getresponse() as reply:
                return reply.status
        finally:
            connection.close()
    assert failure is not None
    raise failure
