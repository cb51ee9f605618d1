from django.apps import AppConfig


class CannedConfig(AppConfig):
    name = "frontdesk.canned"
    label = "canned"
    verbose_name = "Canned responses"
