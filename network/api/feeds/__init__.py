"""GraphQL for private calendar feeds: the caller's feed, making and revoking it."""
