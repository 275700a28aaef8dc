"""Streamlit-only helpers shared by the pages (state, caching, widgets)."""
