"""The official sheet: its layout (the one place that knows it), vocabulary, PDF and workbook."""
