"""Regional partners in GraphQL."""
