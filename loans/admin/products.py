"""Admin for products (registered on import)."""
