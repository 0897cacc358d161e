"""The Co-Production Star programme in GraphQL: cohorts and their progress."""
