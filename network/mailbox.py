"""A local SMTP sink for development and tests: every message is saved as a .eml file."""

from __future__ import annotations

import itertools
import signal
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class SaveToDirectory:
    """aiosmtpd handler writing each accepted message to `<directory>/<time>-<n>.eml`."""

    def __init__(self, directory: Path, echo: bool = True) -> None:
        self.directory = directory
        self.echo = echo
        self._counter = itertools.count(1)
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content: Any = envelope.original_content or envelope.content or b""
        data = content if isinstance(content, bytes) else str(content).encode()
        name = f"{time.time_ns()}-{next(self._counter):06d}.eml"
        (self.directory / name).write_bytes(data)
        if self.echo:
            subject = message_from_bytes(data, policy=policy.default).get("Subject", "")
            print(f"mail: {', '.join(envelope.rcpt_tos)} | {subject} | {name}", flush=True)
        return "250 Message accepted for delivery"


def start_mailbox(host: str, port: int, directory: Path, echo: bool = True) -> Controller:
    """Start the sink in a background thread; call .stop() on the result to end it."""
    # SMTPUTF8 on, as a modern relay has it: addresses with non-ASCII local parts get through.
    controller = Controller(
        SaveToDirectory(directory, echo=echo), hostname=host, port=port, enable_SMTPUTF8=True
    )
    controller.start()
    return controller


def run_mailbox(host: str, port: int, directory: Path, echo: bool = True) -> None:
    """Run the sink in the foreground until interrupted."""
    controller = start_mailbox(host, port, directory, echo=echo)
    print(f"mailbox: smtp://{host}:{port} saving to {directory}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
