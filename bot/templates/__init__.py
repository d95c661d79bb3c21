"""Jinja2 templates: every text the owner reads (package marker so they install with the code)."""
