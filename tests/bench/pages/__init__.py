"""The page benchmark: every main page under load next to the bare framework, in one run (`make bench-pages`)."""
