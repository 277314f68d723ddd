"""Webhook addresses are checked when sent, not only when saved: the name is resolved at
send time, loopback, private, link-local and metadata answers are refused, and the
connection goes to the address that was checked.

These machines have no DNS, so each test answers name lookups itself by replacing
`notifications.webhook_address.resolve`; everything after the answer is real: a real
HTTP (or HTTPS) server on the loopback that must, or must not, receive the request, and
the real database. No public address is reachable here either, so where a test needs an
address that is allowed, it allows the loopback (WEBHOOK_ALLOWED_NETWORKS, as a developer
would) and shows the request went to the address resolved, under the name.
"""

import http.server
import ssl
import subprocess
import threading

import pytest

from notifications import webhook_address
from notifications.models import Delivery
from notifications.tasks import attempt, failed_for
from notifications.webhook_address import refusal

NAME = "alerts.example.org"


class Receiver(http.server.ThreadingHTTPServer):
    """An agency endpoint on the loopback that records what reaches it."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[dict] = []
        self.server_names: list[str | None] = []
        super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]
        if tls is not None:
            tls.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append({"host": self.headers["Host"], "path": self.path})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args) -> None:  # quiet
        pass


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


class Answers(dict):
    """Addresses by name, and the (name, port) of every lookup made."""

    asked: list


@pytest.fixture
def lookups(monkeypatch) -> Answers:
    """Name lookups answered by the test (`lookups[name] = [addresses]`), each one logged."""
    table = Answers()
    table.asked = []

    def resolve(host: str, port: int) -> list[str]:
        table.asked.append((host, port))
        return list(table[host])

    monkeypatch.setattr(webhook_address, "resolve", resolve)
    return table


def webhook_to(url: str, agency, open_case_for, missing) -> Delivery:
    agency.webhook_url, agency.webhook_secret = url, "s3cret"
    agency.save()
    missing(open_case_for("social.worker"))
    return Delivery.objects.get(notification__agency=agency, channel=Delivery.Channel.WEBHOOK)


def test_a_name_that_resolves_to_the_loopback_is_refused_and_not_connected_to(
    receiver, lookups, agencies, open_case_for, missing
):
    agency = agencies["norfolk_childrens"]
    lookups[NAME] = ["127.0.0.1"]
    delivery = webhook_to(f"http://{NAME}:{receiver.port}/hub", agency, open_case_for, missing)

    assert attempt(delivery.pk) == "failed"

    assert receiver.requests == []  # the server on 127.0.0.1 heard nothing
    assert lookups.asked == [(NAME, receiver.port)]
    delivery.refresh_from_db()
    expected = f"webhook: {NAME} resolves to 127.0.0.1, a loopback address: refused"
    # Configuration, not an outage: failed at once, where the agency admin sees why.
    assert delivery.state == Delivery.State.FAILED
    assert delivery.attempts == 1
    assert delivery.last_error == expected
    assert [(t.succeeded, t.error) for t in delivery.tries.all()] == [(False, expected)]
    assert list(failed_for(agency)) == [delivery]
    assert attempt(delivery.pk) == "skipped"


def test_one_private_answer_among_public_ones_refuses_the_name(
    receiver, lookups, agencies, open_case_for, missing
):
    lookups[NAME] = ["93.184.215.14", "10.0.0.7"]
    agency = agencies["norfolk_childrens"]
    delivery = webhook_to(f"http://{NAME}:{receiver.port}/hub", agency, open_case_for, missing)

    assert attempt(delivery.pk) == "failed"
    delivery.refresh_from_db()
    expected = f"webhook: {NAME} resolves to 10.0.0.7, a private address: refused"
    assert delivery.last_error == expected
    assert receiver.requests == []


def test_a_literal_loopback_address_saved_before_the_check_is_refused_when_sent(
    receiver, agencies, open_case_for, missing
):
    agency = agencies["norfolk_childrens"]
    delivery = webhook_to(f"http://127.0.0.1:{receiver.port}/hub", agency, open_case_for, missing)

    assert attempt(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error == "webhook: 127.0.0.1 is a loopback address: refused"
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.9.9.9", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("64:ff9b::7f00:1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.0.10", "a private address"),
        ("fd12:3456::1", "a private address"),
        ("169.254.10.10", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("169.254.169.254", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("100.64.0.1", "not an internet address"),
        ("0.0.0.0", "a private address"),  # noqa: S104 (an address to refuse)
        ("224.0.0.1", "not an internet address"),
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_which_addresses_are_refused(address, reason):
    assert refusal(address) == reason


def test_metadata_addresses_are_refused_even_in_an_allowed_network(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["169.254.0.0/16", "127.0.0.0/8"]
    assert refusal("169.254.169.254") == "a cloud metadata address"
    assert refusal("169.254.10.10") is None
    assert refusal("127.0.0.1") is None


def test_an_allowed_address_is_connected_to_as_resolved_with_the_name_in_the_host_header(
    receiver, lookups, agencies, open_case_for, missing, settings
):
    # Stands in for a public address (none is reachable here): the name does not resolve
    # on this machine, so reaching the server at all means the resolved address was used.
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    lookups[NAME] = ["127.0.0.1"]
    agency = agencies["norfolk_childrens"]
    url = f"http://{NAME}:{receiver.port}/hub?agency=norfolk"
    delivery = webhook_to(url, agency, open_case_for, missing)

    assert attempt(delivery.pk) == "sent"

    assert receiver.requests == [{"host": f"{NAME}:{receiver.port}", "path": "/hub?agency=norfolk"}]
    assert lookups.asked == [(NAME, receiver.port)]  # once: never looked up again to connect


def test_the_next_address_is_tried_when_one_does_not_answer(
    receiver, lookups, agencies, open_case_for, missing, settings
):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    lookups[NAME] = ["127.0.0.2", "127.0.0.1"]  # nothing listens on 127.0.0.2
    agency = agencies["norfolk_childrens"]
    delivery = webhook_to(f"http://{NAME}:{receiver.port}/hub", agency, open_case_for, missing)

    assert attempt(delivery.pk) == "sent"
    assert len(receiver.requests) == 1


def self_signed(tmp_path, name: str) -> tuple[str, str]:
    """A certificate for `name` (and its key) from the openssl command: its own CA."""
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """An HTTPS endpoint with a certificate for NAME, which this process is told to trust
    (SSL_CERT_FILE, read by OpenSSL when a client context loads the default CAs)."""
    cert, key = self_signed(tmp_path, NAME)
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = Receiver(tls=context)
    yield server
    server.close()


def test_https_goes_to_the_resolved_address_with_the_name_in_sni_and_the_certificate_check(
    tls_receiver, lookups, agencies, open_case_for, missing, settings
):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    lookups[NAME] = ["127.0.0.1"]
    agency = agencies["norfolk_childrens"]
    port = tls_receiver.port
    delivery = webhook_to(f"https://{NAME}:{port}/hub", agency, open_case_for, missing)

    assert attempt(delivery.pk) == "sent"

    assert tls_receiver.server_names == [NAME]
    assert tls_receiver.requests == [{"host": f"{NAME}:{port}", "path": "/hub"}]


def test_https_to_an_address_whose_certificate_is_for_another_name_is_not_sent(
    tls_receiver, lookups, agencies, open_case_for, missing, settings
):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    lookups["other.example.org"] = ["127.0.0.1"]  # the certificate there is for NAME
    agency = agencies["norfolk_childrens"]
    url = f"https://other.example.org:{tls_receiver.port}/hub"
    delivery = webhook_to(url, agency, open_case_for, missing)

    assert attempt(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
    assert tls_receiver.requests == []
