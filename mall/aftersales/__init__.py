"""After-sales: refunds and returns of some units of an order's items."""
