"""UMKM marketing coach: from customer segments to relationships, tactics and an action plan."""
__version__ = "0.1.0"
