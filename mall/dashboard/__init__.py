"""The live admin order dashboard: a static page served at /admin/."""
