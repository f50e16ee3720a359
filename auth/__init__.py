"""Users, roles, permissions and the audit log."""
