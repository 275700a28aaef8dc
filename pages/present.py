"""Presentation mode: saved views full screen, one after another (arrow keys move on)."""

from ui.present_mode import present_page

present_page()
