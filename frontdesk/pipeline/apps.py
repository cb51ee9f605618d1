from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "frontdesk.pipeline"
    label = "pipeline"
    verbose_name = "Message pipeline"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app lists its reactions to domain events in a `subscribers` module.
        autodiscover_modules("subscribers")
