"""Plumbing shared by every layer: settings, errors, bounded HTTP and attempt limits."""
