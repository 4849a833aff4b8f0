"""WeChat mini-program server APIs: the real client and a simulator that speaks the same wire."""
