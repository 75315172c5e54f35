"""System check: a malformed CHANNEL_SECRETS_KEY stops start-up with a clear message.

An absent key is not an error: a site without channels needs none, and one
with channels is told when it tries to store a secret.
"""

from django.core import checks

from publishing import secrets


@checks.register(checks.Tags.security)
def check_channel_secrets_key(app_configs, **kwargs):
    bad = secrets.invalid_keys(secrets.configured_keys())
    if not bad:
        return []
    return [
        checks.Error(
            f"CHANNEL_SECRETS_KEY: key {', '.join(map(str, bad))} is not a Fernet key.",
            hint=secrets.MISSING_KEY_MESSAGE.split(": ", 1)[1],
            id="publishing.E001",
        )
    ]
