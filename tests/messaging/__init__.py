"""Tests of the outbox: templates, MIME, service, GraphQL, delivery and real workers."""
