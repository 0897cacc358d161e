"""CPD certificates: issued records with a PDF, a number and a public verification code."""
