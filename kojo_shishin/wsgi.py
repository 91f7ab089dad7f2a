import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kojo_shishin.settings")
application = get_wsgi_application()
