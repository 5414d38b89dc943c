"""System checks of the project's own conventions."""
