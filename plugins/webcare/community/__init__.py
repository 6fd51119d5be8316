"""Customer-helps-customer: a public Q&A per tenant under the organisation's eye (Groundswell: supporting)."""
