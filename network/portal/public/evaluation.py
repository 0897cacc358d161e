"""An attendee's evaluation form, `/feedback/{token}`, reached from the email sent once the
session has ended.

It works without a login: the link itself is signed (network.training.evaluations) and is
the authority, as an RSVP link is, so the POST needs no CSRF token (there is no session to
forge a request from; whoever holds the link may answer, once). Following the link only shows
the form; the answers are recorded by the POST. The page is in the language the invitation
was written in; Welsh is bilingual (Welsh first, then English).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse

from network.kit.errors import DomainError
from network.portal.deps import PortalDep
from network.portal.public.pages import render_public
from network.training import service as training

router = APIRouter(prefix="/feedback", tags=["feedback"])

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your feedback",
        "dear": "Dear {name},",
        "intro": "Thank you for attending {course} on {date}. How far do you agree?",
        "relevance": "The training was relevant to my work.",
        "trainer": "The trainer explained things clearly.",
        "materials": "The materials and activities were useful.",
        "practice": "I can put what I learned into practice.",
        "overall": "Overall, the training was worth my time.",
        "scale_1": "1: strongly disagree",
        "scale_2": "2: disagree",
        "scale_3": "3: neither agree nor disagree",
        "scale_4": "4: agree",
        "scale_5": "5: strongly agree",
        "comments": "Comments (optional, at most 2,000 characters)",
        "send": "Send my feedback",
        "fix": "Please check the answers marked below.",
        "required": "Choose a number from 1 to 5.",
        "too_long": "At most 2,000 characters.",
        "invalid_text": "Remove the characters that cannot be saved.",
        "thanks": "Thank you",
        "recorded": "Your feedback is received. It helps us improve the training.",
        "already_title": "Already received",
        "already": "Your feedback on this session was already received; it cannot be changed.",
        "invalid_title": "Link not valid",
        "invalid": "This link is not valid. Please use the link in your email.",
        "expired_title": "Link expired",
        "expired": "This feedback link has expired.",
    },
    "cy": {
        "title": "Eich adborth",
        "dear": "Annwyl {name},",
        "intro": "Diolch am fynychu {course} ar {date}. I ba raddau ydych chi'n cytuno?",
        "relevance": "Roedd yr hyfforddiant yn berthnasol i'm gwaith.",
        "trainer": "Esboniodd yr hyfforddwr bethau'n glir.",
        "materials": "Roedd y deunyddiau a'r gweithgareddau'n ddefnyddiol.",
        "practice": "Gallaf roi'r hyn a ddysgais ar waith.",
        "overall": "At ei gilydd, roedd yr hyfforddiant yn werth fy amser.",
        "scale_1": "1: anghytuno'n gryf",
        "scale_2": "2: anghytuno",
        "scale_3": "3: ddim yn cytuno nac yn anghytuno",
        "scale_4": "4: cytuno",
        "scale_5": "5: cytuno'n gryf",
        "comments": "Sylwadau (dewisol, hyd at 2,000 o nodau)",
        "send": "Anfon fy adborth",
        "fix": "Gwiriwch yr atebion sydd wedi'u marcio isod.",
        "required": "Dewiswch rif o 1 i 5.",
        "too_long": "Hyd at 2,000 o nodau.",
        "invalid_text": "Tynnwch y nodau na ellir eu cadw.",
        "thanks": "Diolch",
        "recorded": "Daeth eich adborth i law. Mae'n ein helpu i wella'r hyfforddiant.",
        "already_title": "Eisoes wedi dod i law",
        "already": "Daeth eich adborth ar y sesiwn hon i law eisoes; ni ellir ei newid.",
        "invalid_title": "Dolen annilys",
        "invalid": "Nid yw'r ddolen hon yn ddilys. Defnyddiwch y ddolen yn eich e-bost.",
        "expired_title": "Dolen wedi dod i ben",
        "expired": "Mae'r ddolen adborth hon wedi dod i ben.",
    },
    "fr": {
        "title": "Votre avis",
        "dear": "Bonjour {name},",
        "intro": "Merci d'avoir participé à {course} le {date}. Êtes-vous d'accord ?",
        "relevance": "La formation était utile pour mon travail.",
        "trainer": "Le formateur a expliqué les choses clairement.",
        "materials": "Les supports et les activités étaient utiles.",
        "practice": "Je peux mettre en pratique ce que j'ai appris.",
        "overall": "Dans l'ensemble, la formation valait le temps que j'y ai consacré.",
        "scale_1": "1 : pas du tout d'accord",
        "scale_2": "2 : pas d'accord",
        "scale_3": "3 : ni d'accord ni pas d'accord",
        "scale_4": "4 : d'accord",
        "scale_5": "5 : tout à fait d'accord",
        "comments": "Commentaires (facultatif, 2 000 caractères au plus)",
        "send": "Envoyer mon avis",
        "fix": "Vérifiez les réponses signalées ci-dessous.",
        "required": "Choisissez un chiffre de 1 à 5.",
        "too_long": "2 000 caractères au plus.",
        "invalid_text": "Supprimez les caractères qui ne peuvent pas être enregistrés.",
        "thanks": "Merci",
        "recorded": "Votre avis est bien reçu. Il nous aide à améliorer la formation.",
        "already_title": "Déjà reçu",
        "already": "Votre avis sur cette session a déjà été reçu ; il ne peut plus être modifié.",
        "invalid_title": "Lien non valide",
        "invalid": "Ce lien n'est pas valide. Utilisez le lien de votre e-mail.",
        "expired_title": "Lien expiré",
        "expired": "Ce lien d'évaluation a expiré.",
    },
    "es": {
        "title": "Su opinión",
        "dear": "Hola, {name}:",
        "intro": "Gracias por asistir a {course} el {date}. ¿Hasta qué punto está de acuerdo?",
        "relevance": "La formación era pertinente para mi trabajo.",
        "trainer": "El formador explicó las cosas con claridad.",
        "materials": "Los materiales y las actividades fueron útiles.",
        "practice": "Puedo poner en práctica lo que aprendí.",
        "overall": "En conjunto, la formación mereció la pena.",
        "scale_1": "1: muy en desacuerdo",
        "scale_2": "2: en desacuerdo",
        "scale_3": "3: ni de acuerdo ni en desacuerdo",
        "scale_4": "4: de acuerdo",
        "scale_5": "5: muy de acuerdo",
        "comments": "Comentarios (opcional, 2000 caracteres como máximo)",
        "send": "Enviar mi opinión",
        "fix": "Revise las respuestas señaladas abajo.",
        "required": "Elija un número del 1 al 5.",
        "too_long": "2000 caracteres como máximo.",
        "invalid_text": "Elimine los caracteres que no se pueden guardar.",
        "thanks": "Gracias",
        "recorded": "Hemos recibido su opinión. Nos ayuda a mejorar la formación.",
        "already_title": "Ya recibida",
        "already": "Ya recibimos su opinión sobre esta sesión; no se puede cambiar.",
        "invalid_title": "Enlace no válido",
        "invalid": "Este enlace no es válido. Use el enlace de su correo.",
        "expired_title": "Enlace caducado",
        "expired": "Este enlace de evaluación ha caducado.",
    },
    "de": {
        "title": "Ihr Feedback",
        "dear": "Guten Tag {name},",
        "intro": "Danke für Ihre Teilnahme an {course} am {date}. Wie sehr stimmen Sie zu?",
        "relevance": "Die Fortbildung war für meine Arbeit relevant.",
        "trainer": "Die Trainerin bzw. der Trainer hat verständlich erklärt.",
        "materials": "Die Unterlagen und Übungen waren nützlich.",
        "practice": "Ich kann das Gelernte in die Praxis umsetzen.",
        "overall": "Insgesamt hat sich die Fortbildung für mich gelohnt.",
        "scale_1": "1: stimme gar nicht zu",
        "scale_2": "2: stimme nicht zu",
        "scale_3": "3: teils, teils",
        "scale_4": "4: stimme zu",
        "scale_5": "5: stimme voll zu",
        "comments": "Anmerkungen (freiwillig, höchstens 2.000 Zeichen)",
        "send": "Feedback senden",
        "fix": "Bitte prüfen Sie die unten markierten Antworten.",
        "required": "Wählen Sie eine Zahl von 1 bis 5.",
        "too_long": "Höchstens 2.000 Zeichen.",
        "invalid_text": "Entfernen Sie die Zeichen, die nicht gespeichert werden können.",
        "thanks": "Vielen Dank",
        "recorded": "Ihr Feedback ist eingegangen. Es hilft uns, die Fortbildung zu verbessern.",
        "already_title": "Bereits eingegangen",
        "already": "Ihr Feedback zu dieser Sitzung ist bereits eingegangen; es kann nicht "
        "mehr geändert werden.",
        "invalid_title": "Link ungültig",
        "invalid": "Dieser Link ist ungültig. Bitte verwenden Sie den Link in Ihrer E-Mail.",
        "expired_title": "Link abgelaufen",
        "expired": "Dieser Feedback-Link ist abgelaufen.",
    },
}


def _bilingual(welsh: dict[str, str], english: dict[str, str]) -> dict[str, str]:
    """Welsh labels followed by the English ones: Welsh public bodies write in both."""
    return {
        key: value if value == english[key] else f"{value} / {english[key]}"
        for key, value in welsh.items()
    }


LABELS = {**_LABELS, "cy": _bilingual(_LABELS["cy"], _LABELS["en"])}
# The service's error codes -> the label shown next to the field.
ERROR_LABELS = {
    "REQUIRED": "required",
    "INVALID": "required",
    "OUT_OF_RANGE": "required",
    "TOO_LONG": "too_long",
    "INVALID_CHARACTER": "invalid_text",
}


def labels(language: str | None) -> tuple[str, dict[str, str]]:
    """The page's language (English when the invitation's is not one of the five) and labels."""
    code = language if language in LABELS else "en"
    return code, LABELS[code]


def _message(language: str | None, title: str, text: str, status: int) -> HTMLResponse:
    code, t = labels(language)
    return render_public(
        "public_evaluation.html", code, status, t=t, title=t[title], state="message", text=t[text]
    )


def _form(
    form: training.EvaluationForm,
    token: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    code, t = labels(form.language)
    return render_public(
        "public_evaluation.html",
        code,
        status,
        t=t,
        title=t["title"],
        state="form",
        form=form,
        token=token,
        questions=training.EVALUATION_QUESTIONS,
        values=values or {},
        errors=errors or {},
    )


def _closed(form: training.EvaluationForm) -> HTMLResponse | None:
    """The page of a link that can no longer be answered, if it cannot."""
    if form.state == "submitted":
        return _message(form.language, "already_title", "already", 409)
    if form.state == "expired":
        return _message(form.language, "expired_title", "expired", 410)
    return None


@router.get("/{token}", response_class=HTMLResponse)
async def evaluation_page(token: str, portal: PortalDep) -> HTMLResponse:
    """The evaluation form of the attendee the link was sent to."""
    async with portal.db() as session:
        form = await training.evaluation_by_token(session, token)
    if form is None:
        return _message(None, "invalid_title", "invalid", 404)
    if form.state == "submitted":  # following the link again is no error
        return _message(form.language, "already_title", "already", 200)
    return _closed(form) or _form(form, token)


@router.post("/{token}", response_class=HTMLResponse)
async def evaluation_answer(
    token: str,
    portal: PortalDep,
    relevance: str | None = Form(default=None),
    trainer: str | None = Form(default=None),
    materials: str | None = Form(default=None),
    practice: str | None = Form(default=None),
    overall: str | None = Form(default=None),
    comments: str | None = Form(default=None),
) -> HTMLResponse:
    """Record the attendee's answers, once."""
    async with portal.db() as session:
        form = await training.evaluation_by_token(session, token)
    if form is None:
        return _message(None, "invalid_title", "invalid", 404)
    closed = _closed(form)
    if closed is not None:
        return closed
    answers = {
        "relevance": relevance,
        "trainer": trainer,
        "materials": materials,
        "practice": practice,
        "overall": overall,
    }
    try:
        async with portal.write() as session:
            await training.submit_evaluation(session, token, answers=answers, comments=comments)
    except DomainError as error:
        codes = {e.code for e in error.errors if e.field == "token"}
        if "ALREADY_SUBMITTED" in codes:
            return _message(form.language, "already_title", "already", 409)
        if "EXPIRED" in codes:
            return _message(form.language, "expired_title", "expired", 410)
        if codes:
            return _message(None, "invalid_title", "invalid", 404)
        _, t = labels(form.language)
        errors: dict[str, str] = {}
        for item in error.errors:
            errors.setdefault(item.field, t[ERROR_LABELS.get(item.code, "required")])
        values = {**answers, "comments": comments or ""}
        return _form(form, token, values=values, errors=errors, status=422)
    return _message(form.language, "thanks", "recorded", 200)
