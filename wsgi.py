"""Entry point for gunicorn (`gunicorn wsgi:app`) and `flask --app wsgi`."""
import gc

from pwa import create_app

app = create_app()

# The app's start-up objects live for the whole process: keep them out of the garbage
# collector's full scans, which otherwise add ~60 ms to one request in ten (tests/bench).
gc.collect()
gc.freeze()
