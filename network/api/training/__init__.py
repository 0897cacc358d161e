"""Training in GraphQL: the catalogue, sessions, bookings (thin resolvers over the services)."""
