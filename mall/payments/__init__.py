"""WeChat Pay for orders: prepay, notifications, query fallback, refunds."""
