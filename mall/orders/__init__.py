"""Checkout, orders and their state machine, delayed cancellation, after-sales, stats."""
