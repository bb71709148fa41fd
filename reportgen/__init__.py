"""reportgen: clinical notes in, structured patient reports out."""

__version__ = "0.1.0"
