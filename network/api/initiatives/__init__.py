"""Members' co-production initiatives in GraphQL, tagged with the Four Co's."""
