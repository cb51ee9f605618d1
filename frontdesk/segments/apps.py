from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "frontdesk.segments"
    label = "segments"
    verbose_name = "Segments"
