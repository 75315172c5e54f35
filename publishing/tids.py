"""Record keys for Bluesky: TIDs (timestamp identifiers).

A TID is 64 bits — microseconds since the epoch and a 10-bit clock id — written
in 13 characters of base32-sortable. Chosen when the delivery is made and
stored before the first call, it names the post on Bluesky for good: a second
`createRecord` with the same key cannot make a second post.
"""

import secrets
import threading
import time

_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_CLOCK_ID = secrets.randbelow(1024)
_lock = threading.Lock()
_last = 0


def new_tid() -> str:
    """A new TID, strictly increasing within this process."""
    global _last
    with _lock:
        micros = max(time.time_ns() // 1000, _last + 1)
        _last = micros
    value = (micros << 10) | _CLOCK_ID
    return "".join(_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))
