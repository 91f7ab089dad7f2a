"""Mail the app sends: notifications of the year's steps and deadline reminders."""
