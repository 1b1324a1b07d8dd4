"""`python -m pipeline …` is the same as the `eprovence` command."""
from pipeline.cli import main

main()
