"""Private calendar feeds: one secret URL per member contact or partner user (issue 15)."""
