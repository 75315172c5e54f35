"""Report reference codes (**contract**): 8 characters of Crockford base32.

Short enough to read over the phone, unguessable (40 random bits), and
forgiving when typed: case, spaces, hyphens and the letters I, L, O are
normalised the way Crockford's alphabet intends.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
_PATTERN = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")
_TYPOS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_reference() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_reference(value: str) -> str | None:
    """Return the canonical form of a typed reference, or None if it cannot be one."""
    cleaned = re.sub(r"[\s\-]", "", str(value))
    # ASCII only, checked before upper-casing: "ß".upper() is two letters.
    if not cleaned.isascii():
        return None
    cleaned = cleaned.upper().translate(_TYPOS)
    return cleaned if _PATTERN.match(cleaned) else None
