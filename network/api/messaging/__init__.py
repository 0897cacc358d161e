"""The outbox in GraphQL: staff see the emails the system owes and retry failed ones."""
