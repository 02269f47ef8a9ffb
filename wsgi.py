"""Entry point for gunicorn (`gunicorn wsgi:app`) and `flask --app wsgi`."""
from pwa import create_app

app = create_app()
