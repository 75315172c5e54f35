from precincts import access


def desk(request):
    """What the desk navigation needs: does the user supervise anywhere?"""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.path.startswith("/desk/"):
        return {}
    return {"desk_is_supervisor": bool(access.precinct_ids_for(user, role="supervisor"))}
