"""The signed-in user and signing in, in GraphQL."""
