"""The benchmark generator makes only email addresses the outbox accepts, the same every time."""

from __future__ import annotations

import pytest

from bench.generate import COLUMNS, Generator, Spec, _ascii_slug, _domain, _email
from network.kit.emails import parse_email

EMAIL = COLUMNS["contacts"].index("email")
NAME = COLUMNS["members"].index("name")


def emails_of(spec: Spec) -> list[str]:
    return [row[EMAIL] for row in Generator(spec).build().tables["contacts"]]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [2026, 7])
def test_every_generated_email_is_valid(seed: int) -> None:
    spec = Spec(seed=seed)
    data = Generator(spec).build()
    names = [row[NAME] for row in data.tables["members"]]
    # The dataset does have member names too long for one DNS label: the case being tested.
    assert any(len(_ascii_slug(name)) > 63 for name in names)
    emails = [row[EMAIL] for row in data.tables["contacts"]]
    assert len(emails) == spec.contacts
    for email in emails:
        local, _, domain = email.partition("@")
        assert len(email) <= 254 and len(local) <= 64
        assert all(0 < len(label) <= 63 for label in domain.split(".")), email
        # The system's one rule (network/kit/emails.py), and plain ASCII on the wire.
        assert parse_email(email).ascii == email


def test_generated_emails_are_the_same_for_the_same_seed() -> None:
    spec = Spec(members=300, contacts=3000, cohorts=10)
    first = emails_of(spec)
    assert first == emails_of(spec)
    assert first != emails_of(Spec(seed=1, members=300, contacts=3000, cohorts=10))


def test_long_names_are_cut_at_a_word_boundary() -> None:
    name = "Antrim and Newtownabbey Policing and Community Safety Partnership"
    assert _domain(name) == "antrim-and-newtownabbey-policing-and-community-safety.example"
    assert _domain("Cardiff Council") == "cardiff-council.example"
    unbroken = _domain("x" * 80)
    assert unbroken == "x" * 63 + ".example"
    long_local = _email("a" * 70 + "." + "b" * 10, unbroken, 12)
    local, _, domain = long_local.partition("@")
    assert len(local) == 64 and local.endswith("12") and domain == unbroken
    assert parse_email(long_local).ascii == long_local
