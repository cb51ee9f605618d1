from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "frontdesk.core"
    label = "core"
    verbose_name = "Frontdesk core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from frontdesk.core.accounts import use_members_language_from_sign_in

        user_logged_in.connect(use_members_language_from_sign_in, dispatch_uid="frontdesk-member-language")
