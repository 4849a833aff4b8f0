"""The customer's own profile and delivery addresses."""
