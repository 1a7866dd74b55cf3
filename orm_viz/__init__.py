"""orm-viz: watch real Django async ORM code run, one await at a time."""

__version__ = "0.1.0"
