"""Personal-data exports in GraphQL: ask for a person's data, follow the export to its link."""
