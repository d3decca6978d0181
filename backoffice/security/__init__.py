"""Authentication, roles and permissions."""
