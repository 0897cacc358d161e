"""Use cases above several domains: a domain's change followed by the other domains' reactions.

A domain package never imports a package above it; when a change in one domain must be
followed by work in a higher one (a contact added is invited to its member's meetings), the
use case here does both, in the caller's transaction. The faces (API, portal) call these.
"""
