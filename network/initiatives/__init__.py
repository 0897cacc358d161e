"""Members' co-production initiatives, tagged with the Four Co's."""
