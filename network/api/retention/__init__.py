"""Retention rules in GraphQL."""
