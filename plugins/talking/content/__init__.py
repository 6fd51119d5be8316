"""Posts: the draft editor (a variant per account), states, rescheduling, responses to mentions and cases."""
