"""mall: a real-time async backend for WeChat mini-program shops."""
