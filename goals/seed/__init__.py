"""The seed sheet's text, the fixtures built from it, and synthetic sheets N times its size."""
