"""Advice from the curated knowledge base: loading and validating it, recommending, and the quick lookup."""
