"""The SQLite database backend: Django's, with writers taking turns (``writers.py``)."""
