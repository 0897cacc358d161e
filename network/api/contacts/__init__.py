"""Contacts (people, usually at a member organisation) in GraphQL."""
