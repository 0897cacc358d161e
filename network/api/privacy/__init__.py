"""Personal data in GraphQL: erasing a person (and, beside it, exporting their data)."""
