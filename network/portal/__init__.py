"""The partner portal: server-rendered pages for partners, a face like the GraphQL API."""
