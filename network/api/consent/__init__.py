"""The consent ledger in the API: a contact's consents and ledger, and `recordConsent`."""
