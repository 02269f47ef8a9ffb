"""Benchmarks: they build a large database, time the pages that must stay fast, and print
figures. They are not tests and assert nothing about time.

    make bench                      # or: .venv/bin/python -m tests.bench
    .venv/bin/python -m tests.bench --visits 20000 --sightings 2000 --devices 50   # quick

See tests/bench/__main__.py for every option.
"""
