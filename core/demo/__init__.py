"""Demo data for `regie demo` and `make serve`: two Dutch organisations in different phases and a mediator."""

from core.demo.seed import DEMO_PASSWORD, DemoAccount, demo_accounts, format_accounts, seed_demo

__all__ = ["DEMO_PASSWORD", "DemoAccount", "demo_accounts", "format_accounts", "seed_demo"]
