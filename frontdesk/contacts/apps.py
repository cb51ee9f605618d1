from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "frontdesk.contacts"
    label = "contacts"
    verbose_name = "Contacts"

    def ready(self) -> None:
        # Beside rules.py (autodiscovered): the permissions of attributes, feedback and business context.
        from frontdesk.contacts import profile_rules  # noqa: F401
