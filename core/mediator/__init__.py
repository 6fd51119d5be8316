"""mediator."""
