"""Marketing and retention: favorites, footprints, search history, hot keywords, flash sales."""
