"""The steps of one run, one module each, named like the DAG's tasks: refresh_rates → discover_inputs →
extract_file (once per vendor file) → localize_rows → price_and_map → publish_feed.

Steps hand each other small references (URIs): each reads what earlier steps wrote to the run's work area
(`<out>/.work/<date>/`, see pipeline.load.work_area) and writes its own result there, so a step may run on any
worker and a retried step simply overwrites its own output. `eprovence run` (pipeline.run) calls the same steps one
after the other; the DAG calls each in a task. Their shared options are a RunContext (run_context.py); what delta
runs reuse is kept by delta_cache.py.
"""
