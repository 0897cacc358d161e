"""Every link a template shows is classified secret or public, and a copy withholds the secret."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, meta

from network.messaging.purposes import (
    LINK_KEY,
    LINK_WITHHELD,
    PUBLIC_CONTEXT_KEYS,
    SECRET_CONTEXT_KEYS,
    withhold_secrets,
)
from network.messaging.rendering import EMAILS_DIR
from network.messaging.stored import render_stored

ENVIRONMENT = Environment(loader=FileSystemLoader(EMAILS_DIR))


def variables(name: str, seen: set[str] | None = None) -> set[str]:
    """The context variables a template file reads, its includes' too."""
    seen = seen if seen is not None else {name}
    assert ENVIRONMENT.loader is not None
    source = ENVIRONMENT.loader.get_source(ENVIRONMENT, name)[0]
    parsed = ENVIRONMENT.parse(source)
    found = set(meta.find_undeclared_variables(parsed))
    for included in meta.find_referenced_templates(parsed):
        if included is not None and included not in seen:
            seen.add(included)
            found |= variables(included, seen)
    return found


def link_keys(template: str) -> set[str]:
    return {
        key
        for suffix in ("txt", "html")
        for key in variables(f"en/{template}.{suffix}")
        if LINK_KEY.search(key)
    }


def test_every_link_in_every_template_is_classified() -> None:
    templates = sorted(
        p.stem for p in (EMAILS_DIR / "en").glob("*.txt") if not p.stem.startswith("_")
    )
    assert len(templates) > 10
    assert link_keys("login_link") == {"login_url"}  # the search finds links (it can fail)
    unclassified = {
        template: sorted(
            link_keys(template)
            - SECRET_CONTEXT_KEYS.get(template, frozenset())
            - PUBLIC_CONTEXT_KEYS.get(template, frozenset())
        )
        for template in templates
    }
    assert {t: keys for t, keys in unclassified.items() if keys} == {}, (
        "classify each link as secret or public in network/messaging/purposes.py"
    )
    for template in set(SECRET_CONTEXT_KEYS) & set(PUBLIC_CONTEXT_KEYS):
        assert not SECRET_CONTEXT_KEYS[template] & PUBLIC_CONTEXT_KEYS[template], template


def test_the_credentials_are_secret() -> None:
    assert "login_url" in SECRET_CONTEXT_KEYS["login_link"]
    assert "reset_url" in SECRET_CONTEXT_KEYS["password_reset"]
    for template in ("meeting_invitation", "meeting_update", "meeting_reminder"):
        assert {"rsvp_yes_url", "rsvp_no_url", "rsvp_maybe_url"} <= SECRET_CONTEXT_KEYS[template]


def test_secrets_are_withheld_unclassified_links_too_and_overlays_as_well() -> None:
    context = {
        "name": "Siân",
        "login_url": "https://crm.example/portal/login/SECRET1",
        "minutes": 15,
        "new_token": "SECRET2",  # a link-like key classified nowhere: withheld
        "online_url": None,
        "en": {"reset_url": "https://crm.example/reset/SECRET3", "date": "1 May"},
    }
    shown = withhold_secrets("login_link", context)
    assert shown == {
        "name": "Siân",
        "login_url": LINK_WITHHELD,
        "minutes": 15,
        "new_token": LINK_WITHHELD,
        "online_url": None,
        "en": {"reset_url": LINK_WITHHELD, "date": "1 May"},
    }
    assert context["login_url"].endswith("SECRET1")  # the stored context is left alone
    public = withhold_secrets(
        "certificate_issued", {"verify_url": "https://crm.example/verify/abc"}
    )
    assert public == {"verify_url": "https://crm.example/verify/abc"}


def test_a_stored_sign_in_email_renders_without_its_link() -> None:
    url = "https://crm.example/portal/login/very-secret-token"
    body = render_stored("login_link", "cy", {"name": "Siân", "login_url": url, "minutes": 15})
    assert body is not None and body.subject
    assert "very-secret-token" not in body.text + body.html
    assert LINK_WITHHELD in body.text and LINK_WITHHELD in body.html
