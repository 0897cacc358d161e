"""Network meetings: scheduling, invitations, RSVPs, reminders that go out exactly once."""
