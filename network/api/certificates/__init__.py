"""CPD certificates in GraphQL: listing, issuing, revoking, reissuing, public verification."""
