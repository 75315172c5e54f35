"""Signing in, and finding the signed-in user of each request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from tracker.prepared import PreparedRead

User = get_user_model()
_FIELDS = tuple(field.attname for field in User._meta.concrete_fields)

# Every signed-in request reads its user by primary key: compiled once per connection (tracker.prepared).
_user_rows = PreparedRead(User, lambda pk: User._default_manager.filter(pk=pk).values_list(*_FIELDS), -1)


class StaffBackend(ModelBackend):
    """Django's ModelBackend (passwords, permissions), reading the session's user with a prepared read.

    Django asks the backend that signed a session in for its user on every request
    (`django.contrib.auth.get_user`), then checks the session's password hash against it;
    only the read is new here. Sessions record this backend's path: one signed in under
    another backend no longer listed in AUTHENTICATION_BACKENDS ends, as any session does
    after its idle timeout.
    """

    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:  # not a key of this user model: no such user
            return None
        rows = _user_rows(pk)
        if not rows:
            return None
        user = User.from_db(User._default_manager.db, _FIELDS, rows[0])
        return user if self.user_can_authenticate(user) else None
