"""Network meetings after each star step: invitations, RSVPs and reminders."""
