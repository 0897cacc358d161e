"""Portal labels: Sign-in, sign-out, password reset, magic links, account settings."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "signin_forgot_link": "Forgot your password?",
        "signin_forgot_title": "Reset your password",
        "signin_forgot_intro": (
            "Give the email address you sign in with. If it has an account, we will email it "
            "a link to choose a new password. The link works once, for 60 minutes."
        ),
        "signin_forgot_send": "Email me a reset link",
        "signin_forgot_sent": (
            "If that address has an account, a reset link is on its way. Check your inbox."
        ),
        "signin_reset_title": "Choose a new password",
        "signin_new_password": "New password",
        "signin_new_password_again": "New password again",
        "signin_password_hint": "At least 10 characters.",
        "signin_reset_save": "Save the new password and sign in",
        "signin_reset_gone_title": "This reset link does not work",
        "signin_reset_gone_text": (
            "The link is unknown, has been used already, or is more than 60 minutes old."
        ),
        "signin_ask_again": "Ask for a new link",
        "signin_password_too_short": "A password needs at least 10 characters.",
        "signin_passwords_differ": "The two passwords are not the same.",
        "signin_email_invalid": "Not an email address.",
        "signin_too_many": "Too many requests from here: try again in 15 minutes.",
        "signin_wait_minutes": "Too many failed sign-ins: try again in {minutes} minutes.",
        "signin_link_title": "Member contacts: sign in without a password",
        "signin_link_send": "Email me a sign-in link",
        "signin_link_sent": (
            "If that address belongs to a member contact, a sign-in link is on its way. "
            "It works once, for 15 minutes."
        ),
        "signin_back": "Back to sign in",
    },
    "cy": {
        "signin_forgot_link": "Wedi anghofio eich cyfrinair?",
        "signin_forgot_title": "Ailosod eich cyfrinair",
        "signin_forgot_intro": (
            "Rhowch y cyfeiriad e-bost rydych yn mewngofnodi ag ef. Os oes ganddo gyfrif, "
            "byddwn yn anfon dolen ato i ddewis cyfrinair newydd. Mae'r ddolen yn gweithio "
            "unwaith, am 60 munud."
        ),
        "signin_forgot_send": "Anfonwch ddolen ailosod ataf",
        "signin_forgot_sent": (
            "Os oes gan y cyfeiriad hwnnw gyfrif, mae dolen ailosod ar ei ffordd. "
            "Edrychwch yn eich mewnflwch."
        ),
        "signin_reset_title": "Dewis cyfrinair newydd",
        "signin_new_password": "Cyfrinair newydd",
        "signin_new_password_again": "Cyfrinair newydd eto",
        "signin_password_hint": "O leiaf 10 nod.",
        "signin_reset_save": "Cadw'r cyfrinair newydd a mewngofnodi",
        "signin_reset_gone_title": "Nid yw'r ddolen ailosod hon yn gweithio",
        "signin_reset_gone_text": (
            "Nid ydym yn adnabod y ddolen, mae wedi'i defnyddio eisoes, neu mae'n hŷn na 60 munud."
        ),
        "signin_ask_again": "Gofyn am ddolen newydd",
        "signin_password_too_short": "Mae angen o leiaf 10 nod mewn cyfrinair.",
        "signin_passwords_differ": "Nid yw'r ddau gyfrinair yr un fath.",
        "signin_email_invalid": "Nid yw hwn yn gyfeiriad e-bost.",
        "signin_too_many": "Gormod o geisiadau o'r fan hon: ceisiwch eto ymhen 15 munud.",
        "signin_wait_minutes": (
            "Gormod o ymdrechion aflwyddiannus: ceisiwch eto ymhen {minutes} munud."
        ),
        "signin_link_title": "Cysylltiadau aelodau: mewngofnodi heb gyfrinair",
        "signin_link_send": "Anfonwch ddolen fewngofnodi ataf",
        "signin_link_sent": (
            "Os yw'r cyfeiriad hwnnw'n perthyn i gyswllt aelod, mae dolen fewngofnodi ar ei "
            "ffordd. Mae'n gweithio unwaith, am 15 munud."
        ),
        "signin_back": "Yn ôl i fewngofnodi",
    },
    "fr": {
        "signin_forgot_link": "Mot de passe oublié ?",
        "signin_forgot_title": "Réinitialiser votre mot de passe",
        "signin_forgot_intro": (
            "Indiquez l'adresse e-mail avec laquelle vous vous connectez. Si elle a un compte, "
            "nous lui enverrons un lien pour choisir un nouveau mot de passe. Le lien fonctionne "
            "une fois, pendant 60 minutes."
        ),
        "signin_forgot_send": "M'envoyer un lien de réinitialisation",
        "signin_forgot_sent": (
            "Si cette adresse a un compte, un lien de réinitialisation est en route. "
            "Consultez votre boîte de réception."
        ),
        "signin_reset_title": "Choisir un nouveau mot de passe",
        "signin_new_password": "Nouveau mot de passe",
        "signin_new_password_again": "Nouveau mot de passe (encore)",
        "signin_password_hint": "Au moins 10 caractères.",
        "signin_reset_save": "Enregistrer le nouveau mot de passe et se connecter",
        "signin_reset_gone_title": "Ce lien de réinitialisation ne fonctionne pas",
        "signin_reset_gone_text": (
            "Le lien est inconnu, a déjà été utilisé ou date de plus de 60 minutes."
        ),
        "signin_ask_again": "Demander un nouveau lien",
        "signin_password_too_short": "Un mot de passe doit compter au moins 10 caractères.",
        "signin_passwords_differ": "Les deux mots de passe ne sont pas identiques.",
        "signin_email_invalid": "Ce n'est pas une adresse e-mail.",
        "signin_too_many": "Trop de demandes depuis cet endroit : réessayez dans 15 minutes.",
        "signin_wait_minutes": "Trop d'échecs de connexion : réessayez dans {minutes} minutes.",
        "signin_link_title": "Contacts des membres : se connecter sans mot de passe",
        "signin_link_send": "M'envoyer un lien de connexion",
        "signin_link_sent": (
            "Si cette adresse appartient à un contact d'un membre, un lien de connexion est en "
            "route. Il fonctionne une fois, pendant 15 minutes."
        ),
        "signin_back": "Retour à la connexion",
    },
}
