"""Transform: pure functions on DataFrames and Arrow tables; no I/O, no clock, no network."""
