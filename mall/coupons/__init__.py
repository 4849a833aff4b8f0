"""Coupon templates, claiming, and what a coupon takes off an order."""
