"""Reading workbooks into a sheet: file safety, reading, the preview plan and the one-transaction commit."""
