"""Member organisations in GraphQL."""
