"""What every domain's GraphQL module shares: context, ids, errors, loaders, Relay, mutations."""
