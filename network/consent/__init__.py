"""Consent as an append-only ledger: given or withdrawn, per purpose, with how and by whom."""
