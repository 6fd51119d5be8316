"""measure slice of the webcare plugin: KPIs, the overview widget, the KPI page, the way-of-work sections."""
