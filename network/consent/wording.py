"""What a person agrees to, per purpose and language, and which version of the words it was.

Each consent event stores the version id of the wording shown when it was recorded, so the
ledger proves what was agreed to even after the words change. To change a purpose's wording,
add a new `Wording` with a new version id to `VERSIONS` and point `CURRENT` at it; never edit
the text of a version already used (events refer to it). The version id "before-ledger" names
the opt-outs carried over by migration 0010, which had no wording of their own.

Languages: en, cy, fr, es, de. Welsh is written bilingually, Welsh first (`languages_of`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from network.kit.enums import ConsentPurpose

LANGUAGES = ("en", "cy", "fr", "es", "de")
BILINGUAL = {"cy": ("cy", "en")}
BEFORE_LEDGER = "before-ledger"  # the version migration 0010 gave the opt-outs it carried over


@dataclass(frozen=True, slots=True)
class Wording:
    """One version of the words a purpose is agreed to with: a short name and the full text."""

    version: str
    purpose: ConsentPurpose
    name: Mapping[str, str]
    text: Mapping[str, str]


_NAMES = {
    ConsentPurpose.NETWORK_NEWS: {
        "en": "Network news",
        "cy": "Newyddion y rhwydwaith",
        "fr": "Actualités du réseau",
        "es": "Noticias de la red",
        "de": "Neuigkeiten aus dem Netzwerk",
    },
    ConsentPurpose.MEETING_INVITATIONS: {
        "en": "Network meeting invitations and reminders",
        "cy": "Gwahoddiadau i gyfarfodydd y rhwydwaith, a nodiadau atgoffa",
        "fr": "Invitations et rappels des réunions du réseau",
        "es": "Invitaciones y recordatorios de las reuniones de la red",
        "de": "Einladungen und Erinnerungen zu Netzwerktreffen",
    },
    ConsentPurpose.TRAINING_OFFERS: {
        "en": "Training offers and reminders",
        "cy": "Cynigion hyfforddiant, a nodiadau atgoffa",
        "fr": "Offres de formation et rappels",
        "es": "Ofertas de formación y recordatorios",
        "de": "Schulungsangebote und Erinnerungen",
    },
}

VERSIONS: dict[str, Wording] = {
    w.version: w
    for w in (
        Wording(
            "news-2026-12",
            ConsentPurpose.NETWORK_NEWS,
            _NAMES[ConsentPurpose.NETWORK_NEWS],
            {
                "en": (
                    "Emails with news from the CitizenPoweredCouncil and CitizenPoweredCity "
                    "networks: good practice, briefing notes and events, a few times a year."
                ),
                "cy": (
                    "E-byst gyda newyddion gan rwydweithiau CitizenPoweredCouncil a "
                    "CitizenPoweredCity: arfer da, nodiadau briffio a digwyddiadau, ychydig o "
                    "weithiau'r flwyddyn."
                ),
                "fr": (
                    "Des e-mails d'actualité des réseaux CitizenPoweredCouncil et "
                    "CitizenPoweredCity : bonnes pratiques, notes d'information et événements, "
                    "quelques fois par an."
                ),
                "es": (
                    "Correos con noticias de las redes CitizenPoweredCouncil y "
                    "CitizenPoweredCity: buenas prácticas, notas informativas y eventos, unas "
                    "pocas veces al año."
                ),
                "de": (
                    "E-Mails mit Neuigkeiten aus den Netzwerken CitizenPoweredCouncil und "
                    "CitizenPoweredCity: gute Praxis, Informationspapiere und Veranstaltungen, "
                    "einige Male im Jahr."
                ),
            },
        ),
        Wording(
            "meetings-2026-12",
            ConsentPurpose.MEETING_INVITATIONS,
            _NAMES[ConsentPurpose.MEETING_INVITATIONS],
            {
                "en": (
                    "Invitations to your cohort's and your network's meetings after each step "
                    "of the Co-Production Star, with their changes and reminders."
                ),
                "cy": (
                    "Gwahoddiadau i gyfarfodydd eich carfan a'ch rhwydwaith ar ôl pob cam o'r "
                    "Seren Gydgynhyrchu, gyda'u newidiadau a nodiadau atgoffa."
                ),
                "fr": (
                    "Les invitations aux réunions de votre cohorte et de votre réseau après "
                    "chaque étape de l'Étoile de la coproduction, avec leurs changements et "
                    "leurs rappels."
                ),
                "es": (
                    "Invitaciones a las reuniones de su cohorte y de su red después de cada "
                    "paso de la Estrella de la Coproducción, con sus cambios y recordatorios."
                ),
                "de": (
                    "Einladungen zu den Treffen Ihrer Kohorte und Ihres Netzwerks nach jedem "
                    "Schritt des Koproduktionssterns, mit Änderungen und Erinnerungen."
                ),
            },
        ),
        Wording(
            "training-2026-12",
            ConsentPurpose.TRAINING_OFFERS,
            _NAMES[ConsentPurpose.TRAINING_OFFERS],
            {
                "en": (
                    "Offers of CPD-certified training, and reminders a few days before the "
                    "training sessions you are booked on."
                ),
                "cy": (
                    "Cynigion hyfforddiant DPP ardystiedig, a nodiadau atgoffa ychydig ddyddiau "
                    "cyn y sesiynau hyfforddi rydych wedi archebu lle arnynt."
                ),
                "fr": (
                    "Des offres de formation certifiée CPD, et des rappels quelques jours avant "
                    "les sessions auxquelles vous êtes inscrit."
                ),
                "es": (
                    "Ofertas de formación con certificación CPD, y recordatorios unos días "
                    "antes de las sesiones en las que tiene plaza."
                ),
                "de": (
                    "Angebote für CPD-zertifizierte Schulungen und Erinnerungen einige Tage vor "
                    "den Schulungsterminen, für die Sie angemeldet sind."
                ),
            },
        ),
    )
}

CURRENT: dict[ConsentPurpose, str] = {
    ConsentPurpose.NETWORK_NEWS: "news-2026-12",
    ConsentPurpose.MEETING_INVITATIONS: "meetings-2026-12",
    ConsentPurpose.TRAINING_OFFERS: "training-2026-12",
}


def languages_of(language: str | None) -> tuple[str, ...]:
    """The languages a text in `language` is shown in, in order (Welsh: Welsh, then English)."""
    code = language if language in LANGUAGES else "en"
    return BILINGUAL.get(code, (code,))


def current_version(purpose: ConsentPurpose) -> str:
    """The version id of the words a purpose is agreed to with today."""
    return CURRENT[purpose]


def current_wording(purpose: ConsentPurpose) -> Wording:
    """The words a purpose is agreed to with today."""
    return VERSIONS[CURRENT[purpose]]


def purpose_name(purpose: ConsentPurpose, language: str | None) -> str:
    """The short name of a purpose in one language (English if the language is not known)."""
    names = _NAMES[purpose]
    return names.get(language or "en", names["en"])


def wording_text(purpose: ConsentPurpose, language: str | None, version: str | None = None) -> str:
    """The words of a version (the current one by default) in one language."""
    wording = VERSIONS.get(version or CURRENT[purpose]) or current_wording(purpose)
    return wording.text.get(language or "en", wording.text["en"])
