"""E-Provence feed pipeline: vendor product sheets in, Tmall Global bulk-upload feeds out."""

__version__ = "0.1.0"
