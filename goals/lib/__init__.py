"""Django-free helpers: 和暦 labels, text cleaning, reading the official sheet's cells."""
