"""People: accounts and their roles, sign-in protection and the audit log."""
