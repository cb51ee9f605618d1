from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "frontdesk.callbacks"
    label = "callbacks"
    verbose_name = "Callbacks"
