"""The command line (Typer): main.py holds the app, one module per command group."""
