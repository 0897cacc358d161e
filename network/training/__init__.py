"""Training: the course catalogue, scheduled sessions, bookings and waiting lists."""
