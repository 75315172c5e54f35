from django.apps import AppConfig


class PrecinctsConfig(AppConfig):
    name = "precincts"
    verbose_name = "Precincts and staff"

    def ready(self):
        from precincts import signals  # noqa: F401  (connects the sign-in audit receivers)
