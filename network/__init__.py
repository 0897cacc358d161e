"""The network CRM: members, contacts, training, certificates and the Co-Production Star."""
