"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi run`."""
from shopledger import create_app

app = create_app()
