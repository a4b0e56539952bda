"""The launcher behind run.py."""
