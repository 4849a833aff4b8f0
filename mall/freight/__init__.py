"""Freight templates: what shipping costs, by province and by piece or weight."""
