"""Command line: ``tenure`` (Typer + Rich)."""
