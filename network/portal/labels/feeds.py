"""Portal labels: My calendar feed, for member contacts and partner users."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "feed_title": "My calendar feed",
        "feed_link": "My calendar feed: see your training and meetings in your own calendar",
        "feed_nav": "Calendar feed",
        "feed_intro": (
            "A private web address your calendar program (Outlook, Google Calendar, Apple "
            "Calendar) can subscribe to: it shows your training and network meetings, and "
            "follows their changes and cancellations. Anyone with the address can read it: "
            "keep it to yourself."
        ),
        "feed_url": "Your feed's address",
        "feed_copy": "Copy this address into your calendar program (add a calendar from a URL):",
        "feed_once": (
            "It is shown only now. If you lose it, make a new one: the old address then "
            "stops working."
        ),
        "feed_state": "Your feed",
        "feed_created": "Made",
        "feed_last_used": "Last read by a calendar",
        "feed_never_used": "Not yet",
        "feed_no_feed": "You have no calendar feed.",
        "feed_create": "Make my calendar feed",
        "feed_renew": "Make a new address",
        "feed_renew_hint": "A new address replaces this one, which then stops working.",
        "feed_revoke": "Turn off my calendar feed",
        "feed_made": "Your new calendar feed is ready.",
        "feed_revoked": "Your calendar feed is turned off: its address no longer works.",
        "feed_none": "You have no calendar feed to turn off.",
        "feed_failed": "Your calendar feed could not be made.",
    },
    "cy": {
        "feed_title": "Fy ffrwd calendr",
        "feed_link": "Fy ffrwd calendr: gweld eich hyfforddiant a'ch cyfarfodydd yn eich calendr",
        "feed_nav": "Ffrwd calendr",
        "feed_intro": (
            "Cyfeiriad gwe preifat y gall eich rhaglen galendr (Outlook, Google Calendar, Apple "
            "Calendar) danysgrifio iddo: mae'n dangos eich hyfforddiant a chyfarfodydd y "
            "rhwydwaith, ac yn dilyn eu newidiadau a'u canslo. Gall unrhyw un sydd â'r "
            "cyfeiriad ei ddarllen: cadwch ef i chi'ch hun."
        ),
        "feed_url": "Cyfeiriad eich ffrwd",
        "feed_copy": "Copïwch y cyfeiriad hwn i'ch rhaglen galendr (ychwanegu calendr o URL):",
        "feed_once": (
            "Dim ond nawr y caiff ei ddangos. Os byddwch yn ei golli, gwnewch un newydd: bydd "
            "yr hen gyfeiriad yn peidio â gweithio wedyn."
        ),
        "feed_state": "Eich ffrwd",
        "feed_created": "Gwnaed",
        "feed_last_used": "Darllenwyd ddiwethaf gan galendr",
        "feed_never_used": "Ddim eto",
        "feed_no_feed": "Nid oes gennych ffrwd calendr.",
        "feed_create": "Gwneud fy ffrwd calendr",
        "feed_renew": "Gwneud cyfeiriad newydd",
        "feed_renew_hint": (
            "Mae cyfeiriad newydd yn disodli'r un hwn, a fydd wedyn yn peidio â gweithio."
        ),
        "feed_revoke": "Diffodd fy ffrwd calendr",
        "feed_made": "Mae eich ffrwd calendr newydd yn barod.",
        "feed_revoked": (
            "Mae eich ffrwd calendr wedi'i diffodd: nid yw ei chyfeiriad yn gweithio mwyach."
        ),
        "feed_none": "Nid oes gennych ffrwd calendr i'w diffodd.",
        "feed_failed": "Nid oedd modd gwneud eich ffrwd calendr.",
    },
    "fr": {
        "feed_title": "Mon agenda en ligne",
        "feed_link": "Mon agenda en ligne : vos formations et réunions dans votre propre agenda",
        "feed_nav": "Agenda en ligne",
        "feed_intro": (
            "Une adresse web privée à laquelle votre agenda (Outlook, Google Agenda, Calendrier "
            "Apple) peut s'abonner : elle montre vos formations et les réunions du réseau, et "
            "suit leurs changements et annulations. Toute personne qui a l'adresse peut la "
            "lire : gardez-la pour vous."
        ),
        "feed_url": "L'adresse de votre agenda",
        "feed_copy": "Copiez cette adresse dans votre agenda (ajouter un agenda depuis une URL) :",
        "feed_once": (
            "Elle n'est montrée que maintenant. Si vous la perdez, créez-en une nouvelle : "
            "l'ancienne adresse cessera alors de fonctionner."
        ),
        "feed_state": "Votre agenda",
        "feed_created": "Créé le",
        "feed_last_used": "Dernière lecture par un agenda",
        "feed_never_used": "Pas encore",
        "feed_no_feed": "Vous n'avez pas d'agenda en ligne.",
        "feed_create": "Créer mon agenda en ligne",
        "feed_renew": "Créer une nouvelle adresse",
        "feed_renew_hint": (
            "Une nouvelle adresse remplace celle-ci, qui cesse alors de fonctionner."
        ),
        "feed_revoke": "Désactiver mon agenda en ligne",
        "feed_made": "Votre nouvel agenda en ligne est prêt.",
        "feed_revoked": "Votre agenda en ligne est désactivé : son adresse ne fonctionne plus.",
        "feed_none": "Vous n'avez pas d'agenda en ligne à désactiver.",
        "feed_failed": "Votre agenda en ligne n'a pas pu être créé.",
    },
}
