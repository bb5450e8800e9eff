"""Admin for loans, schedules and their history (registered on import)."""
