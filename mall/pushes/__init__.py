"""The mini-program's message-push URL (消息推送): verified pushes from WeChat."""
