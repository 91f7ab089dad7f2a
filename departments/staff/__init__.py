"""A ward's staff: the roster read from and written to CSV/XLSX, and the plan between them."""
