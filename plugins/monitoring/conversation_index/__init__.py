"""The Conversation Index (docs/architecture.md, Measurement): seven 0–100 components per search profile and
period, and their mean.

`components` computes and `signals` reads texts (both pure, no database), `data` reads what they need in four
queries, `service` turns a period into buckets and series, `hooks` gives the KPI and the widget, `routes` the
page and `api` its JSON. See docs/measurement.md.
"""
