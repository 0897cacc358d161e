"""Labels: Email preferences (a member contact's consents) and the public unsubscribe page.

Written in the five languages of the emails: the portal shows the ones it offers, the public
unsubscribe page all five (Welsh bilingually, Welsh first, as the emails are).
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "consent_link": "Email preferences",
        "consent_title": "Email preferences",
        "consent_intro": (
            "Choose which emails the network may send you. Emails about what you have done "
            "yourself (booking confirmations, certificates, sign-in links) are always sent."
        ),
        "consent_purpose": "Emails",
        "consent_state": "Your choice",
        "consent_given": "You receive these emails",
        "consent_withdrawn": "You have unsubscribed",
        "consent_withdraw": "Unsubscribe",
        "consent_give": "Subscribe again",
        "consent_saved": "Your choice is saved.",
        "consent_failed": "Your choice could not be saved.",
        "consent_ledger": "History of your choices",
        "consent_no_history": "No choices recorded yet: you receive every kind of email.",
        "consent_date": "Date",
        "consent_choice": "Choice",
        "consent_channel": "How",
        "consent_GIVEN": "Subscribed",
        "consent_WITHDRAWN": "Unsubscribed",
        "consent_FORM": "Form",
        "consent_EMAIL_LINK": "Unsubscribe link in an email",
        "consent_PHONE": "By phone",
        "consent_EMAIL": "By email",
        "consent_IN_PERSON": "In person",
        "consent_IMPORT": "Imported list",
        "consent_MIGRATION": "Earlier opt-out",
        "unsub_title": "Unsubscribe",
        "unsub_question": "Stop receiving {purpose}?",
        "unsub_explain": (
            "Press the button to stop these emails. Emails about your own bookings and "
            "certificates will still reach you."
        ),
        "unsub_button": "Unsubscribe",
        "unsub_done_title": "You are unsubscribed",
        "unsub_done": "You will no longer receive {purpose}.",
        "unsub_change": "You can change this at any time under Email preferences in the portal.",
        "unsub_invalid_title": "Link not valid",
        "unsub_invalid": "This unsubscribe link is not valid.",
        "unsub_use_email": "Please use the link in the email you received.",
    },
    "cy": {
        "consent_link": "Dewisiadau e-bost",
        "consent_title": "Dewisiadau e-bost",
        "consent_intro": (
            "Dewiswch pa e-byst y caiff y rhwydwaith eu hanfon atoch. Anfonir e-byst am yr hyn "
            "rydych chi wedi'i wneud eich hun (cadarnhau archebion, tystysgrifau, dolenni "
            "mewngofnodi) bob amser."
        ),
        "consent_purpose": "E-byst",
        "consent_state": "Eich dewis",
        "consent_given": "Rydych chi'n cael yr e-byst hyn",
        "consent_withdrawn": "Rydych chi wedi dad-danysgrifio",
        "consent_withdraw": "Dad-danysgrifio",
        "consent_give": "Tanysgrifio eto",
        "consent_saved": "Mae eich dewis wedi'i gadw.",
        "consent_failed": "Nid oedd modd cadw eich dewis.",
        "consent_ledger": "Hanes eich dewisiadau",
        "consent_no_history": (
            "Dim dewisiadau wedi'u cofnodi eto: rydych chi'n cael pob math o e-bost."
        ),
        "consent_date": "Dyddiad",
        "consent_choice": "Dewis",
        "consent_channel": "Sut",
        "consent_GIVEN": "Wedi tanysgrifio",
        "consent_WITHDRAWN": "Wedi dad-danysgrifio",
        "consent_FORM": "Ffurflen",
        "consent_EMAIL_LINK": "Dolen dad-danysgrifio mewn e-bost",
        "consent_PHONE": "Dros y ffôn",
        "consent_EMAIL": "Drwy e-bost",
        "consent_IN_PERSON": "Wyneb yn wyneb",
        "consent_IMPORT": "Rhestr wedi'i mewnforio",
        "consent_MIGRATION": "Dewis cynharach",
        "unsub_title": "Dad-danysgrifio",
        "unsub_question": "Peidio â chael {purpose}?",
        "unsub_explain": (
            "Pwyswch y botwm i atal yr e-byst hyn. Byddwch yn dal i gael e-byst am eich "
            "archebion a'ch tystysgrifau eich hun."
        ),
        "unsub_button": "Dad-danysgrifio",
        "unsub_done_title": "Rydych chi wedi dad-danysgrifio",
        "unsub_done": "Ni fyddwch yn cael {purpose} mwyach.",
        "unsub_change": "Gallwch newid hyn unrhyw bryd o dan Dewisiadau e-bost yn y porth.",
        "unsub_invalid_title": "Dolen annilys",
        "unsub_invalid": "Nid yw'r ddolen dad-danysgrifio hon yn ddilys.",
        "unsub_use_email": "Defnyddiwch y ddolen yn yr e-bost a gawsoch.",
    },
    "fr": {
        "consent_link": "Préférences d'e-mails",
        "consent_title": "Préférences d'e-mails",
        "consent_intro": (
            "Choisissez les e-mails que le réseau peut vous envoyer. Les e-mails sur ce que vous "
            "avez fait vous-même (confirmations d'inscription, certificats, liens de connexion) "
            "sont toujours envoyés."
        ),
        "consent_purpose": "E-mails",
        "consent_state": "Votre choix",
        "consent_given": "Vous recevez ces e-mails",
        "consent_withdrawn": "Vous êtes désabonné",
        "consent_withdraw": "Se désabonner",
        "consent_give": "Se réabonner",
        "consent_saved": "Votre choix est enregistré.",
        "consent_failed": "Votre choix n'a pas pu être enregistré.",
        "consent_ledger": "Historique de vos choix",
        "consent_no_history": "Aucun choix enregistré : vous recevez tous les types d'e-mails.",
        "consent_date": "Date",
        "consent_choice": "Choix",
        "consent_channel": "Comment",
        "consent_GIVEN": "Abonné",
        "consent_WITHDRAWN": "Désabonné",
        "consent_FORM": "Formulaire",
        "consent_EMAIL_LINK": "Lien de désabonnement d'un e-mail",
        "consent_PHONE": "Par téléphone",
        "consent_EMAIL": "Par e-mail",
        "consent_IN_PERSON": "En personne",
        "consent_IMPORT": "Liste importée",
        "consent_MIGRATION": "Désabonnement antérieur",
        "unsub_title": "Se désabonner",
        "unsub_question": "Ne plus recevoir {purpose} ?",
        "unsub_explain": (
            "Appuyez sur le bouton pour ne plus recevoir ces e-mails. Les e-mails sur vos "
            "propres inscriptions et certificats vous parviendront toujours."
        ),
        "unsub_button": "Se désabonner",
        "unsub_done_title": "Vous êtes désabonné",
        "unsub_done": "Vous ne recevrez plus : {purpose}.",
        "unsub_change": (
            "Vous pouvez changer d'avis à tout moment dans Préférences d'e-mails, sur le portail."
        ),
        "unsub_invalid_title": "Lien non valide",
        "unsub_invalid": "Ce lien de désabonnement n'est pas valide.",
        "unsub_use_email": "Utilisez le lien de l'e-mail que vous avez reçu.",
    },
    "es": {
        "consent_link": "Preferencias de correo",
        "consent_title": "Preferencias de correo",
        "consent_intro": (
            "Elija qué correos puede enviarle la red. Los correos sobre lo que usted mismo ha "
            "hecho (confirmaciones de reserva, certificados, enlaces de acceso) se envían siempre."
        ),
        "consent_purpose": "Correos",
        "consent_state": "Su elección",
        "consent_given": "Recibe estos correos",
        "consent_withdrawn": "Se ha dado de baja",
        "consent_withdraw": "Darse de baja",
        "consent_give": "Volver a suscribirse",
        "consent_saved": "Su elección se ha guardado.",
        "consent_failed": "No se ha podido guardar su elección.",
        "consent_ledger": "Historial de sus elecciones",
        "consent_no_history": "Aún no hay elecciones registradas: recibe todo tipo de correos.",
        "consent_date": "Fecha",
        "consent_choice": "Elección",
        "consent_channel": "Cómo",
        "consent_GIVEN": "Suscrito",
        "consent_WITHDRAWN": "Dado de baja",
        "consent_FORM": "Formulario",
        "consent_EMAIL_LINK": "Enlace de baja en un correo",
        "consent_PHONE": "Por teléfono",
        "consent_EMAIL": "Por correo",
        "consent_IN_PERSON": "En persona",
        "consent_IMPORT": "Lista importada",
        "consent_MIGRATION": "Baja anterior",
        "unsub_title": "Darse de baja",
        "unsub_question": "¿Dejar de recibir {purpose}?",
        "unsub_explain": (
            "Pulse el botón para dejar de recibir estos correos. Los correos sobre sus propias "
            "reservas y certificados le seguirán llegando."
        ),
        "unsub_button": "Darse de baja",
        "unsub_done_title": "Se ha dado de baja",
        "unsub_done": "Ya no recibirá {purpose}.",
        "unsub_change": (
            "Puede cambiarlo en cualquier momento en Preferencias de correo del portal."
        ),
        "unsub_invalid_title": "Enlace no válido",
        "unsub_invalid": "Este enlace de baja no es válido.",
        "unsub_use_email": "Use el enlace del correo que recibió.",
    },
    "de": {
        "consent_link": "E-Mail-Einstellungen",
        "consent_title": "E-Mail-Einstellungen",
        "consent_intro": (
            "Wählen Sie, welche E-Mails das Netzwerk Ihnen senden darf. E-Mails zu dem, was Sie "
            "selbst getan haben (Buchungsbestätigungen, Zertifikate, Anmeldelinks), werden immer "
            "gesendet."
        ),
        "consent_purpose": "E-Mails",
        "consent_state": "Ihre Wahl",
        "consent_given": "Sie erhalten diese E-Mails",
        "consent_withdrawn": "Sie haben abbestellt",
        "consent_withdraw": "Abbestellen",
        "consent_give": "Wieder abonnieren",
        "consent_saved": "Ihre Wahl ist gespeichert.",
        "consent_failed": "Ihre Wahl konnte nicht gespeichert werden.",
        "consent_ledger": "Verlauf Ihrer Entscheidungen",
        "consent_no_history": "Noch keine Entscheidungen gespeichert: Sie erhalten alle E-Mails.",
        "consent_date": "Datum",
        "consent_choice": "Entscheidung",
        "consent_channel": "Wie",
        "consent_GIVEN": "Abonniert",
        "consent_WITHDRAWN": "Abbestellt",
        "consent_FORM": "Formular",
        "consent_EMAIL_LINK": "Abmeldelink in einer E-Mail",
        "consent_PHONE": "Telefonisch",
        "consent_EMAIL": "Per E-Mail",
        "consent_IN_PERSON": "Persönlich",
        "consent_IMPORT": "Importierte Liste",
        "consent_MIGRATION": "Frühere Abmeldung",
        "unsub_title": "Abbestellen",
        "unsub_question": "{purpose} nicht mehr erhalten?",
        "unsub_explain": (
            "Klicken Sie auf die Schaltfläche, um diese E-Mails abzubestellen. E-Mails zu Ihren "
            "eigenen Buchungen und Zertifikaten erhalten Sie weiterhin."
        ),
        "unsub_button": "Abbestellen",
        "unsub_done_title": "Sie haben abbestellt",
        "unsub_done": "Sie erhalten keine {purpose} mehr.",
        "unsub_change": (
            "Sie können das jederzeit unter E-Mail-Einstellungen im Portal wieder ändern."
        ),
        "unsub_invalid_title": "Link ungültig",
        "unsub_invalid": "Dieser Abmeldelink ist ungültig.",
        "unsub_use_email": "Bitte verwenden Sie den Link in der E-Mail, die Sie erhalten haben.",
    },
}

LANGUAGES = tuple(LABELS)


def consent_labels(language: str | None) -> dict[str, str]:
    """The labels in one of the five languages (English for any other)."""
    return LABELS[language if language in LABELS else "en"]
