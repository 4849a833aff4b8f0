"""Subscription messages (订阅消息): acceptances, and messages sent from outbox events."""
