from django.apps import AppConfig


class WidgetConfig(AppConfig):
    name = "frontdesk.widget"
    label = "widget"
    verbose_name = "Web-chat widget"
