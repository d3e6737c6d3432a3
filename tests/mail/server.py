"""A real SMTP server on loopback (aiosmtpd) for tests, and the app configured to send to it.

Registered as a plugin in tests/conftest.py, so every test can ask for `smtp_server`:

    def test_sends(smtp_server, ...):
        ...  # queue an email and commit: with huey in immediate mode it is delivered at once
        [message] = smtp_server.messages          # email.message.EmailMessage, parsed
        assert smtp_server.envelopes[0].rcpt_tos == ["customer@example.com"]
"""
from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

MAIL_FROM = "books@shopledger.test"
BASE_URL = "https://books.shopledger.test"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class MailServer:
    """What the loopback server received, and switches to make it misbehave."""

    host: str
    port: int
    envelopes: list[Received] = field(default_factory=list)
    # Recipients the server refuses with a permanent 550.
    refused: set[str] = field(default_factory=set)
    # Set to make the answer to DATA wait, the message already taken (a slow server, or a worker to
    # kill before it hears that its message went out); cleared, the server answers.
    hold: threading.Event | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes]

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        """Wait until the server has received `count` messages (for a worker in another process)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.envelopes) >= count:
                    break
            time.sleep(0.05)
        return self.messages

    # aiosmtpd's handler hooks

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.envelopes.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        if self.hold is not None:
            import asyncio

            while self.hold.is_set():  # the message is in; the answer is slow to come
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app, monkeypatch):
    """Start an SMTP server on 127.0.0.1 and point the app at it (plain SMTP, no login)."""
    server = MailServer(host="127.0.0.1", port=free_port())
    controller = Controller(server, hostname=server.host, port=server.port, decode_data=False)
    controller.start()
    for name, value in {"SMTP_HOST": server.host, "SMTP_PORT": server.port, "SMTP_SECURITY": "none",
                        "SMTP_USERNAME": "", "SMTP_PASSWORD": "", "SMTP_TIMEOUT": 5, "MAIL_FROM": MAIL_FROM,
                        "BASE_URL": BASE_URL}.items():
        monkeypatch.setitem(app.config, name, value)
    try:
        yield server
    finally:
        if server.hold is not None:
            server.hold.clear()
        controller.stop()


@pytest.fixture(scope="session")
def loopback_certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command): (certificate, key)."""
    import subprocess

    folder = tmp_path_factory.mktemp("tls")
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )
    return str(certificate), str(key)


@pytest.fixture
def tls_smtp_server(app, monkeypatch, loopback_certificate):
    """Start an SMTP server that behaves like a provider's: TLS and a login, the login refused before TLS.

    Returns start(security, *, trusted=True) -> MailServer, security being "starttls" or "ssl". With
    `trusted` the app trusts the test certificate (SSL_CERT_FILE, which ssl.create_default_context reads).
    """
    import ssl

    from aiosmtpd.smtp import AuthResult

    certificate, key = loopback_certificate
    controllers = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"shop" and auth_data.password == b"s3cret: 12345"
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    def start(security: str, *, trusted: bool = True) -> MailServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate, key)
        server = MailServer(host="127.0.0.1", port=free_port())
        options = {"authenticator": authenticate, "auth_require_tls": True, "decode_data": False}
        if security == "ssl":
            # aiosmtpd only counts a STARTTLS upgrade as TLS; on an SSL connection the login is encrypted anyway.
            options["auth_require_tls"] = False
            controller = Controller(server, hostname=server.host, port=server.port, ssl_context=context, **options)
        else:
            controller = Controller(server, hostname=server.host, port=server.port, tls_context=context,
                                    require_starttls=True, **options)
        controller.start()
        controllers.append(controller)
        if trusted:
            monkeypatch.setenv("SSL_CERT_FILE", certificate)
        for name, value in {"SMTP_HOST": server.host, "SMTP_PORT": server.port, "SMTP_SECURITY": security,
                            "SMTP_USERNAME": "shop", "SMTP_PASSWORD": "s3cret: 12345", "SMTP_TIMEOUT": 5,
                            "MAIL_FROM": MAIL_FROM, "BASE_URL": BASE_URL}.items():
            monkeypatch.setitem(app.config, name, value)
        return server

    try:
        yield start
    finally:
        for controller in controllers:
            controller.stop()


@pytest.fixture
def mail_consumers(app, db, smtp_server, tmp_path):
    """Start real huey consumer processes (each its own app) that send to the loopback SMTP server.

    `start(name, workers=2, **settings)` starts one, with extra SHOPLEDGER_<NAME> settings; `start.logs()`
    is what they all printed. Every one is stopped, and huey back in immediate mode, at the end."""
    import os
    import subprocess
    import sys

    from shopledger.tasks import huey

    environment = {
        **os.environ,
        "SHOPLEDGER_ENV": "test",
        "SECRET_KEY": "worker-test",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "INSTANCE_PATH": os.environ["INSTANCE_PATH"],
        "SHOPLEDGER_SMTP_HOST": smtp_server.host,
        "SHOPLEDGER_SMTP_PORT": str(smtp_server.port),
        "SHOPLEDGER_SMTP_SECURITY": "none",
        "SHOPLEDGER_SMTP_TIMEOUT": "10",
        "SHOPLEDGER_MAIL_FROM": MAIL_FROM,
        "SHOPLEDGER_BASE_URL": BASE_URL,
    }
    started: list[tuple[subprocess.Popen, object]] = []

    def start(name: str, workers: int = 2, **settings) -> subprocess.Popen:
        log = (tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "huey.bin.huey_consumer", "shopledger.tasks.huey", "-w", str(workers),
             "-k", "thread", "-d", "0.05"],
            env={**environment, **{f"SHOPLEDGER_{key.upper()}": str(value) for key, value in settings.items()}},
            stdout=log, stderr=subprocess.STDOUT,
        )
        started.append((process, log))
        return process

    start.logs = lambda: "\n".join(path.read_text() for path in sorted(tmp_path.glob("*.log")))
    huey.immediate = False
    huey.flush()
    try:
        yield start
    finally:
        for process, log in started:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
            log.close()
        huey.flush()
        huey.immediate = True
