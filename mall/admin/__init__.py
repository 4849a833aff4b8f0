"""Staff accounts, roles and permissions, customers' administration and the audit log."""
