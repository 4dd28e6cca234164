"""wards domain."""
