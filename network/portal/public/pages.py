"""Pages anyone may open without signing in, in any of the five languages the emails are
written in: the RSVP page (in the invitee's language), the sign-in link's confirmation page
(in the user's language, else the browser's), the certificate verification page and the
sign-in link's error page (in the language of ?lang= or of the browser)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.responses import HTMLResponse

from network.meetings.formatting import MONTHS
from network.portal.web import templates

RSVP_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "YES": "Yes, I will come",
        "NO": "No, I cannot come",
        "MAYBE": "Maybe",
        "dear": "Dear {name},",
        "can_you_come": "Can you come?",
        "confirm": "Please confirm your answer:",
        "so_far": "Your answer so far:",
        "cancelled": "This meeting was cancelled.",
        "thanks": "Thank you",
        "recorded": "Your answer is recorded:",
        "change": "You can change it at any time with the links in the email.",
        "invalid_title": "Link not valid",
        "invalid": "This link is not valid",
        "use_email": "Please use the link in your invitation email.",
        "missing_title": "Answer missing",
        "missing": "Please choose Yes, No or Maybe.",
        "not_recorded": "Answer not recorded",
        "STARTED": "This meeting has already started, so answers are closed.",
        "CANCELLED": "This meeting was cancelled.",
    },
    "cy": {
        "YES": "Byddaf, fe ddof i",
        "NO": "Na, ni allaf ddod",
        "MAYBE": "Efallai",
        "dear": "Annwyl {name},",
        "can_you_come": "Allwch chi ddod?",
        "confirm": "Cadarnhewch eich ateb:",
        "so_far": "Eich ateb hyd yma:",
        "cancelled": "Mae'r cyfarfod hwn wedi'i ganslo.",
        "thanks": "Diolch",
        "recorded": "Mae eich ateb wedi'i gofnodi:",
        "change": "Gallwch ei newid unrhyw bryd gyda'r dolenni yn yr e-bost.",
        "invalid_title": "Dolen annilys",
        "invalid": "Nid yw'r ddolen hon yn ddilys",
        "use_email": "Defnyddiwch y ddolen yn eich e-bost gwahoddiad.",
        "missing_title": "Dim ateb",
        "missing": "Dewiswch Byddaf, Na neu Efallai.",
        "not_recorded": "Ni chofnodwyd yr ateb",
        "STARTED": "Mae'r cyfarfod eisoes wedi dechrau, felly mae'r atebion ar gau.",
        "CANCELLED": "Mae'r cyfarfod hwn wedi'i ganslo.",
    },
    "fr": {
        "YES": "Oui, je viendrai",
        "NO": "Non, je ne peux pas venir",
        "MAYBE": "Peut-être",
        "dear": "Bonjour {name},",
        "can_you_come": "Pourrez-vous venir ?",
        "confirm": "Merci de confirmer votre réponse :",
        "so_far": "Votre réponse actuelle :",
        "cancelled": "Cette réunion a été annulée.",
        "thanks": "Merci",
        "recorded": "Votre réponse est enregistrée :",
        "change": "Vous pouvez la modifier à tout moment avec les liens de l'e-mail.",
        "invalid_title": "Lien non valide",
        "invalid": "Ce lien n'est pas valide",
        "use_email": "Utilisez le lien de votre e-mail d'invitation.",
        "missing_title": "Réponse manquante",
        "missing": "Choisissez Oui, Non ou Peut-être.",
        "not_recorded": "Réponse non enregistrée",
        "STARTED": "La réunion a déjà commencé : les réponses sont closes.",
        "CANCELLED": "Cette réunion a été annulée.",
    },
    "es": {
        "YES": "Sí, asistiré",
        "NO": "No, no puedo asistir",
        "MAYBE": "Quizás",
        "dear": "Hola, {name}:",
        "can_you_come": "¿Puede asistir?",
        "confirm": "Confirme su respuesta:",
        "so_far": "Su respuesta hasta ahora:",
        "cancelled": "Esta reunión se ha cancelado.",
        "thanks": "Gracias",
        "recorded": "Su respuesta ha quedado registrada:",
        "change": "Puede cambiarla en cualquier momento con los enlaces del correo.",
        "invalid_title": "Enlace no válido",
        "invalid": "Este enlace no es válido",
        "use_email": "Use el enlace de su correo de invitación.",
        "missing_title": "Falta la respuesta",
        "missing": "Elija Sí, No o Quizás.",
        "not_recorded": "Respuesta no registrada",
        "STARTED": "La reunión ya ha comenzado; no se admiten más respuestas.",
        "CANCELLED": "Esta reunión se ha cancelado.",
    },
    "de": {
        "YES": "Ja, ich komme",
        "NO": "Nein, ich kann nicht kommen",
        "MAYBE": "Vielleicht",
        "dear": "Guten Tag {name},",
        "can_you_come": "Können Sie teilnehmen?",
        "confirm": "Bitte bestätigen Sie Ihre Antwort:",
        "so_far": "Ihre bisherige Antwort:",
        "cancelled": "Diese Besprechung wurde abgesagt.",
        "thanks": "Vielen Dank",
        "recorded": "Ihre Antwort wurde gespeichert:",
        "change": "Sie können sie jederzeit über die Links in der E-Mail ändern.",
        "invalid_title": "Link ungültig",
        "invalid": "Dieser Link ist ungültig",
        "use_email": "Bitte verwenden Sie den Link in Ihrer Einladung.",
        "missing_title": "Antwort fehlt",
        "missing": "Bitte wählen Sie Ja, Nein oder Vielleicht.",
        "not_recorded": "Antwort nicht gespeichert",
        "STARTED": "Die Besprechung hat bereits begonnen; Antworten sind geschlossen.",
        "CANCELLED": "Diese Besprechung wurde abgesagt.",
    },
}


def rsvp_labels(language: str | None) -> tuple[str, dict[str, str]]:
    """The page's language (English when the contact's is not one of the five) and labels."""
    code = language if language in RSVP_LABELS else "en"
    return code, RSVP_LABELS[code]


def render_public(
    template: str, language: str, status_code: int = 200, **values: Any
) -> HTMLResponse:
    """A public page: not cached, and its address (which holds a token) never sent onwards."""
    body = templates.get_template(template).render(lang=language, **values)
    return HTMLResponse(
        body,
        status_code=status_code,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


# The certificate verification page and the sign-in link's error page: anyone may open them
# (an employer checking a certificate, a member with an old link), so the language comes from
# ?lang= or the browser's Accept-Language rather than from a contact's record.
PUBLIC_LANGUAGES = ("en", "cy", "fr", "es", "de")
PUBLIC_LANGUAGE_NAMES = {
    "en": "English",
    "cy": "Cymraeg",
    "fr": "Français",
    "es": "Español",
    "de": "Deutsch",
}

VERIFY_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Certificate verification",
        "intro": "This page checks a CPD certificate against the network's records.",
        "language": "Language",
        "VALID": "This certificate is genuine and valid.",
        "REVOKED": "This certificate has been revoked and is no longer valid.",
        "SUPERSEDED": "This certificate has been replaced by a newer one and is no longer valid.",
        "UNKNOWN": "No certificate has this code.",
        "unknown_help": "Check that the address matches the one on the certificate exactly.",
        "revoked_on": "Revoked on {date}.",
        "reason": "Reason:",
        "replaced_by": "Replaced by certificate {number}.",
        "number": "Certificate number",
        "holder": "Holder",
        "holder_withheld": "Holder's name withheld",
        "course": "Course",
        "provider": "Training provider",
        "accreditation": "Certified by",
        "accreditation_reference": "Provider reference",
        "date": "Date",
        "cpd_hours": "CPD hours",
        "issued": "Issued",
        "too_many_title": "Too many requests",
        "too_many": "Too many verification requests; try again in a minute.",
    },
    "cy": {
        "title": "Dilysu tystysgrif",
        "intro": "Mae'r dudalen hon yn gwirio tystysgrif DPP yn erbyn cofnodion y rhwydwaith.",
        "language": "Iaith",
        "VALID": "Mae'r dystysgrif hon yn un wirioneddol ac yn ddilys.",
        "REVOKED": "Mae'r dystysgrif hon wedi'i dirymu ac nid yw'n ddilys mwyach.",
        "SUPERSEDED": (
            "Mae tystysgrif fwy newydd wedi disodli'r dystysgrif hon, ac nid yw'n ddilys mwyach."
        ),
        "UNKNOWN": "Nid oes tystysgrif gyda'r cod hwn.",
        "unknown_help": (
            "Gwnewch yn siŵr bod y cyfeiriad yr un fath yn union â'r un ar y dystysgrif."
        ),
        "revoked_on": "Dirymwyd ar {date}.",
        "reason": "Rheswm:",
        "replaced_by": "Disodlwyd gan dystysgrif {number}.",
        "number": "Rhif y dystysgrif",
        "holder": "Deiliad",
        "holder_withheld": "Enw'r deiliad wedi'i atal",
        "course": "Cwrs",
        "provider": "Darparwr hyfforddiant",
        "accreditation": "Ardystiwyd gan",
        "accreditation_reference": "Cyfeirnod y darparwr",
        "date": "Dyddiad",
        "cpd_hours": "Oriau DPP",
        "issued": "Dyddiad cyhoeddi",
        "too_many_title": "Gormod o geisiadau",
        "too_many": "Gormod o geisiadau dilysu; rhowch gynnig arall arni ymhen munud.",
    },
    "fr": {
        "title": "Vérification de certificat",
        "intro": "Cette page vérifie un certificat CPD auprès des registres du réseau.",
        "language": "Langue",
        "VALID": "Ce certificat est authentique et valide.",
        "REVOKED": "Ce certificat a été révoqué et n'est plus valide.",
        "SUPERSEDED": (
            "Ce certificat a été remplacé par un certificat plus récent et n'est plus valide."
        ),
        "UNKNOWN": "Aucun certificat ne correspond à ce code.",
        "unknown_help": "Vérifiez que l'adresse est exactement celle indiquée sur le certificat.",
        "revoked_on": "Révoqué le {date}.",
        "reason": "Motif :",
        "replaced_by": "Remplacé par le certificat {number}.",
        "number": "Numéro du certificat",
        "holder": "Titulaire",
        "holder_withheld": "Nom du titulaire non communiqué",
        "course": "Formation",
        "provider": "Organisme de formation",
        "accreditation": "Certifié par",
        "accreditation_reference": "Référence du prestataire",
        "date": "Date",
        "cpd_hours": "Heures CPD",
        "issued": "Délivré le",
        "too_many_title": "Trop de demandes",
        "too_many": "Trop de demandes de vérification ; réessayez dans une minute.",
    },
    "es": {
        "title": "Verificación de certificado",
        "intro": "Esta página comprueba un certificado CPD con los registros de la red.",
        "language": "Idioma",
        "VALID": "Este certificado es auténtico y válido.",
        "REVOKED": "Este certificado ha sido revocado y ya no es válido.",
        "SUPERSEDED": (
            "Este certificado ha sido sustituido por otro más reciente y ya no es válido."
        ),
        "UNKNOWN": "Ningún certificado tiene este código.",
        "unknown_help": "Compruebe que la dirección coincide exactamente con la del certificado.",
        "revoked_on": "Revocado el {date}.",
        "reason": "Motivo:",
        "replaced_by": "Sustituido por el certificado {number}.",
        "number": "Número de certificado",
        "holder": "Titular",
        "holder_withheld": "Nombre del titular no divulgado",
        "course": "Curso",
        "provider": "Proveedor de formación",
        "accreditation": "Certificado por",
        "accreditation_reference": "Referencia del proveedor",
        "date": "Fecha",
        "cpd_hours": "Horas CPD",
        "issued": "Expedido el",
        "too_many_title": "Demasiadas solicitudes",
        "too_many": (
            "Demasiadas solicitudes de verificación; inténtelo de nuevo dentro de un minuto."
        ),
    },
    "de": {
        "title": "Zertifikatsprüfung",
        "intro": "Diese Seite prüft ein CPD-Zertifikat anhand der Unterlagen des Netzwerks.",
        "language": "Sprache",
        "VALID": "Dieses Zertifikat ist echt und gültig.",
        "REVOKED": "Dieses Zertifikat wurde widerrufen und ist nicht mehr gültig.",
        "SUPERSEDED": (
            "Dieses Zertifikat wurde durch ein neueres ersetzt und ist nicht mehr gültig."
        ),
        "UNKNOWN": "Zu diesem Code gibt es kein Zertifikat.",
        "unknown_help": "Prüfen Sie, ob die Adresse genau der auf dem Zertifikat entspricht.",
        "revoked_on": "Widerrufen am {date}.",
        "reason": "Grund:",
        "replaced_by": "Ersetzt durch das Zertifikat {number}.",
        "number": "Zertifikatsnummer",
        "holder": "Inhaber/in",
        "holder_withheld": "Name des Inhabers/der Inhaberin zurückgehalten",
        "course": "Kurs",
        "provider": "Fortbildungsanbieter",
        "accreditation": "Zertifiziert durch",
        "accreditation_reference": "Anbieternummer",
        "date": "Datum",
        "cpd_hours": "CPD-Stunden",
        "issued": "Ausgestellt am",
        "too_many_title": "Zu viele Anfragen",
        "too_many": "Zu viele Prüfanfragen; bitte versuchen Sie es in einer Minute erneut.",
    },
}

LINK_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Sign in",
        "invalid": "This sign-in link is not valid",
        "explain": "A sign-in link works once, for 15 minutes.",
        "ask_again": "Ask for a new sign-in link",
    },
    "cy": {
        "title": "Mewngofnodi",
        "invalid": "Nid yw'r ddolen fewngofnodi hon yn ddilys",
        "explain": "Mae dolen fewngofnodi yn gweithio unwaith, am 15 munud.",
        "ask_again": "Gofyn am ddolen fewngofnodi newydd",
    },
    "fr": {
        "title": "Connexion",
        "invalid": "Ce lien de connexion n'est pas valide",
        "explain": "Un lien de connexion fonctionne une seule fois, pendant 15 minutes.",
        "ask_again": "Demander un nouveau lien de connexion",
    },
    "es": {
        "title": "Iniciar sesión",
        "invalid": "Este enlace de inicio de sesión no es válido",
        "explain": "Un enlace de inicio de sesión funciona una sola vez, durante 15 minutos.",
        "ask_again": "Solicitar un nuevo enlace de inicio de sesión",
    },
    "de": {
        "title": "Anmelden",
        "invalid": "Dieser Anmeldelink ist ungültig",
        "explain": "Ein Anmeldelink funktioniert einmal, 15 Minuten lang.",
        "ask_again": "Einen neuen Anmeldelink anfordern",
    },
}


# The page a sign-in link opens: one button that signs in (a POST), so a mail scanner that
# follows the link does not use it up, and no other site can sign a browser in with a GET.
SIGN_IN_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Sign in",
        "heading": "Sign in to the network's portal",
        "explain": "This sign-in link works once. Press the button to sign in.",
        "button": "Sign in",
    },
    "cy": {
        "title": "Mewngofnodi",
        "heading": "Mewngofnodi i borth y rhwydwaith",
        "explain": (
            "Mae'r ddolen fewngofnodi hon yn gweithio unwaith. Pwyswch y botwm i fewngofnodi."
        ),
        "button": "Mewngofnodi",
    },
    "fr": {
        "title": "Connexion",
        "heading": "Se connecter au portail du réseau",
        "explain": (
            "Ce lien de connexion ne fonctionne qu'une seule fois. "
            "Appuyez sur le bouton pour vous connecter."
        ),
        "button": "Se connecter",
    },
    "es": {
        "title": "Iniciar sesión",
        "heading": "Iniciar sesión en el portal de la red",
        "explain": (
            "Este enlace de inicio de sesión funciona una sola vez. "
            "Pulse el botón para iniciar sesión."
        ),
        "button": "Iniciar sesión",
    },
    "de": {
        "title": "Anmelden",
        "heading": "Beim Portal des Netzwerks anmelden",
        "explain": (
            "Dieser Anmeldelink funktioniert nur einmal. "
            "Klicken Sie auf die Schaltfläche, um sich anzumelden."
        ),
        "button": "Anmelden",
    },
}


def accepted_language(header: str | None) -> str | None:
    """The public language an Accept-Language header prefers most; None when it names none."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in PUBLIC_LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else None


def public_language(chosen: str | None, accept_language: str | None) -> str:
    """The page's language: `chosen` (?lang=) if one of the five, else the browser's, else en."""
    if chosen in PUBLIC_LANGUAGES:
        return chosen
    return accepted_language(accept_language) or "en"


def format_day(moment: datetime, language: str) -> str:
    """A date written out in the language: "25 November 2026", "25. November 2026"."""
    lang = language if language in MONTHS else "en"
    month = MONTHS[lang][moment.month - 1]
    if lang == "es":
        return f"{moment.day} de {month} de {moment.year}"
    if lang == "de":
        return f"{moment.day}. {month} {moment.year}"
    if lang == "fr" and moment.day == 1:
        return f"1er {month} {moment.year}"
    return f"{moment.day} {month} {moment.year}"


def language_links(path: str) -> list[tuple[str, str, str]]:
    """(code, name, address) of `path` in each public language, for the page's switcher."""
    return [(code, PUBLIC_LANGUAGE_NAMES[code], f"{path}?lang={code}") for code in PUBLIC_LANGUAGES]
