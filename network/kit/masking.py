"""Masking email-shaped text, where free text from elsewhere (an SMTP server's reply or
refusal) may quote an address and must be kept without it.

Shared with the logs' last line of defence (network/logs.py imports it from here): anything
like an address, internationalised ones too, or like the start of one.
"""

from __future__ import annotations

import re

EMAIL_SHAPED = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*")
MASK = "<email>"


def mask_emails(text: str) -> str:
    """The text with every email-shaped part replaced by "<email>"."""
    return EMAIL_SHAPED.sub(MASK, text) if "@" in text else text
