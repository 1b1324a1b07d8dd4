"""Synthetic vendor catalogues for benchmarks and tests (`eprovence synth`): not part of the nightly pipeline."""
