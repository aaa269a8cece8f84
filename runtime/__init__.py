"""ordergate runtime."""
