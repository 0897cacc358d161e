"""Pages reached from a link in an email, without signing in (the RSVP page), shown in the
recipient's language: any of the five the emails are written in."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse

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
