"""Read-only figures the pages show: the ward and city boards, a department across years, each person's tasks."""
