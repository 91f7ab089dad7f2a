"""The Django admin's flat import and export of goals and departments (CSV, XLSX, JSON)."""
