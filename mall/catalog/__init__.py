"""The catalogue: categories, products with SKUs, search, banners, uploads, caching."""
