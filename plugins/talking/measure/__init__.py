"""Talking's KPIs (`regie_kpis` / `regie_measure`) and the overview widget."""
