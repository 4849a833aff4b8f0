"""Shipping with WeChat: carrier codes, the shipping sync (发货信息管理) and tracking."""
