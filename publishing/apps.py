from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Publishing to channels"

    def ready(self):
        from publishing import checks  # noqa: F401 - registers the system check
