"""The shopping cart, merged by SKU."""
