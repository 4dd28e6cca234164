"""tips domain."""
