from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "frontdesk.channels"
    # "channels" is Django Channels' own label.
    label = "frontdesk_channels"
    verbose_name = "Channels"
