"""The system's one email rule (network/kit/emails.py) and the validator built on it."""

from __future__ import annotations

import pytest

from network.kit.emails import EmailAddress, InvalidEmail, lookup_email, parse_email
from network.kit.errors import Errors
from network.kit.validation import clean_email


@pytest.mark.parametrize(
    ("given", "normalized", "wire", "needs_smtputf8"),
    [
        ("  Anna@Council.Example ", "anna@council.example", "anna@council.example", False),
        ("anna@MÜNCHEN.example", "anna@münchen.example", "anna@xn--mnchen-3ya.example", False),
        (
            "anna@xn--mnchen-3ya.example",
            "anna@münchen.example",
            "anna@xn--mnchen-3ya.example",
            False,
        ),
        ("José@Bilbao.example", "josé@bilbao.example", "josé@bilbao.example", True),
        # NFC: "e" + combining acute is the same address as "é".
        ("jose\u0301@bilbao.example", "josé@bilbao.example", "josé@bilbao.example", True),
    ],
)
def test_addresses_are_normalised_with_their_wire_form(
    given: str, normalized: str, wire: str, needs_smtputf8: bool
) -> None:
    address = parse_email(given)
    assert (address.normalized, address.wire, address.needs_smtputf8) == (
        normalized,
        wire,
        needs_smtputf8,
    )


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("", "An email address is required."),
        ("   ", "An email address is required."),
        ("anna.council.example", "An email address must have an @-sign."),
        ("a..b@council.example", "An email address cannot have two periods in a row."),
        ("anna@localhost", "The part after the @-sign is not valid. It should have a period."),
        ("a" * 310 + "@council.example", "The email address is too long."),
        (
            "anna\u200b@council.example",
            "The email address contains unsafe characters: ZERO WIDTH SPACE.",
        ),
        (
            "a@b.example\r\nBcc: c@d.example",
            "The part after the @-sign contains invalid "
            "characters: ':', '@', SPACE, U+000A, U+000D.",
        ),
    ],
)
def test_unusable_addresses_say_why(given: str, reason: str) -> None:
    with pytest.raises(InvalidEmail) as caught:
        parse_email(given)
    assert caught.value.reason == reason


def test_the_api_and_portal_validator_uses_the_same_rule() -> None:
    errors = Errors()
    assert clean_email(errors, "email", " Josée@Rennes.example ") == "josée@rennes.example"
    assert clean_email(errors, "email", "nobody") is None
    assert [(e.field, e.code, e.message) for e in errors.items] == [
        (
            "email",
            "INVALID_EMAIL",
            "Not a valid email address: An email address must have an @-sign.",
        )
    ]


def test_lookups_find_the_stored_form_and_never_raise() -> None:
    assert lookup_email(" Anna@MÜNCHEN.example") == "anna@münchen.example"
    assert lookup_email(" Not An Address ") == "not an address"
    assert parse_email("anna@council.example") == EmailAddress(
        "anna@council.example", "anna@council.example"
    )
