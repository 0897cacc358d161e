"""Network meetings in GraphQL: meetings, invitations, RSVPs, reminders."""
