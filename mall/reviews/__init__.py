"""Reviews customers can read, with WeChat's content security and staff moderation."""
