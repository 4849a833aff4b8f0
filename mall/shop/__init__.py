"""Shop-wide settings: order timeout, auto-confirm, low-stock threshold, freight."""
