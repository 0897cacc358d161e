"""The audit trail in GraphQL: who did what to an object, and when (staff only)."""
