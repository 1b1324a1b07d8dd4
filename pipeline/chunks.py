"""How many rows a step holds at a time: files are parsed and validated, vendors localised and priced, listings
hashed, compared and written, and catalogue parts stored in chunks of CHUNK_ROWS, so that memory follows the chunk,
not the catalogue."""
CHUNK_ROWS = 50_000
