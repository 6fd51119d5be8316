"""The content calendar: month, week and list views with filters; drag to reschedule."""
