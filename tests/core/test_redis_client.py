"""The Redis client builds connections for every kind of URL the project uses."""

from __future__ import annotations

from mall.config import Settings
from mall.resources import redis_client


def test_a_unix_socket_url_gets_a_client_that_can_make_connections() -> None:
    # `mall dev` and the quick start talk to the embedded Redis over a unix socket; redis-py's
    # unix connection refuses TCP-only options such as keepalive.
    client = redis_client(Settings(redis_url="unix:///tmp/mall-test-redis.sock?db=0"))
    connection = client.connection_pool.make_connection()
    assert connection.path == "/tmp/mall-test-redis.sock"
    tcp = redis_client(Settings(redis_url="redis://127.0.0.1:6379/0"))
    assert tcp.connection_pool.make_connection().socket_keepalive is True
