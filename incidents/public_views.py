"""What residents see. Public code paths read public fields only."""

from django.shortcuts import render

from precincts.models import Precinct


def home(request):
    precincts = Precinct.objects.active().only("name", "slug", "area")
    return render(request, "public/home.html", {"precincts": precincts})
