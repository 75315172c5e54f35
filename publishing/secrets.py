"""Channel secrets, encrypted at rest with Fernet.

Keys come from `CHANNEL_SECRETS_KEY`: one or more Fernet keys, comma-separated;
the first encrypts and every one decrypts, so a key is rotated by putting the
new one first. Without it, a site in DEBUG (the demo, local work) derives a key
from SECRET_KEY; a production site refuses to store a secret, with a message
that says what to set. A site without channels starts and passes
`check --deploy` either way.
"""

import base64
import binascii

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

MISSING_KEY_MESSAGE = (
    "Channel secrets cannot be stored: set CHANNEL_SECRETS_KEY to a Fernet key "
    '(python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())").'
)


class SecretsUnavailable(Exception):
    """No key to encrypt with, or a stored secret that no configured key opens."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def configured_keys() -> list[str]:
    keys = settings.CHANNEL_SECRETS_KEY
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(",") if k.strip()]
    return list(keys or [])


def invalid_keys(keys: list[str]) -> list[int]:
    """Positions (1-based) of the keys that are not Fernet keys."""
    bad = []
    for position, key in enumerate(keys, start=1):
        try:
            if len(base64.urlsafe_b64decode(key.encode())) != 32:
                bad.append(position)
        except (binascii.Error, ValueError):
            bad.append(position)
    return bad


def _derived_key() -> bytes:
    # Only with DEBUG on: stable for a given SECRET_KEY, useless without it.
    return base64.urlsafe_b64encode(
        salted_hmac("publishing.channel-secrets", "fernet-key", algorithm="sha256").digest()
    )


def _fernet() -> MultiFernet:
    keys = configured_keys()
    if invalid_keys(keys):
        raise SecretsUnavailable("CHANNEL_SECRETS_KEY must be Fernet keys (44 characters of URL-safe base64).")
    if keys:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    if settings.DEBUG:
        return MultiFernet([Fernet(_derived_key())])
    raise SecretsUnavailable(MISSING_KEY_MESSAGE)


def can_store_secrets() -> bool:
    try:
        _fernet()
    except SecretsUnavailable:
        return False
    return True


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretsUnavailable(
            "This channel's secret cannot be read with the current CHANNEL_SECRETS_KEY "
            "(was the key changed?). Enter the secret again."
        ) from None
