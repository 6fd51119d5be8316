"""Regie core platform: tenants, workgroup, regie, roadmap, plugin host."""
