from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "frontdesk.contacts"
    label = "contacts"
    verbose_name = "Contacts"
