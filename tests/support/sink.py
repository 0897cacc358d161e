"""A real aiosmtpd SMTP server for the tests, recording what it accepts, that can misbehave.

It runs in a thread of the test process (aiosmtpd's Controller); workers under test reach it
over TCP like any relay.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class RecordingHandler:
    """Accepts every message, unless told to refuse a recipient or to hold one back."""

    def __init__(self) -> None:
        self.accepted: list[bytes] = []
        self.recipients: list[str] = []  # RCPT TO of each accepted message
        self.lock = threading.Lock()
        self.refuse: dict[str, str] = {}  # recipient -> SMTP reply to RCPT
        self.hold_after: int | None = None  # hold the RCPT after this many acceptances
        self.held = threading.Event()  # set while a RCPT is being held
        self.release = threading.Event()

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        if self.hold_after is not None and len(self.accepted) >= self.hold_after:
            self.held.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
            return "451 4.3.0 Held back by the test"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        data = content if isinstance(content, bytes) else str(content).encode()
        with self.lock:
            self.accepted.append(data)
            self.recipients.extend(envelope.rcpt_tos)
            number = len(self.accepted)
        return f"250 2.0.0 Ok: queued as {number:06d}"


class Sink:
    """An SMTP server on a free port (or a given one), recording accepted messages."""

    def __init__(self, port: int | None = None, *, smtputf8: bool = True) -> None:
        self.port = port or free_port()
        self.smtputf8 = smtputf8  # offer SMTPUTF8 (RFC 6531), as modern relays do
        self.handler = RecordingHandler()
        self.controller: Controller | None = None

    def start(self) -> Sink:
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=self.smtputf8
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        self.handler.release.set()
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def count(self) -> int:
        return len(self.handler.accepted)

    def message_ids(self) -> Counter[str]:
        """How many times each Message-ID was accepted."""
        parser = BytesHeaderParser()
        return Counter(str(parser.parsebytes(raw)["Message-ID"]) for raw in self.handler.accepted)

    def parsed(self) -> list[EmailMessage]:
        """Every accepted message, parsed with the standard library."""
        return [
            message_from_bytes(raw, _class=EmailMessage, policy=policy.default)
            for raw in self.handler.accepted
        ]

    def recipients(self) -> list[str]:
        """The envelope recipient (RCPT TO) of every accepted message, in order."""
        return list(self.handler.recipients)
