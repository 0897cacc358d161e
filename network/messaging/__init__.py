"""Messaging: the outbox of emails the system owes people, their templates and delivery."""
