"""Word lists and text generators for `manage.py seed_demo`.

Everything is drawn from a `random.Random` that the caller seeds, so the same
seed gives the same demo. Names, phone numbers and e-mail addresses are made
up: phone numbers are in the fictional 555-01xx range and e-mail domains are
the reserved example.com/.org/.net.

Public text (summaries, block-level locations, public notes) never contains a
name, a house number, a phone number or an e-mail address; private text
(reporter details, exact address, narrative, internal notes) always does, so
that the desk and the draft checker have something real to hide.
"""

import random
from dataclasses import dataclass

# --- Precincts ----------------------------------------------------------------


@dataclass(frozen=True)
class Street:
    name: str
    low: int  # house numbers on this street in the precinct
    high: int


@dataclass(frozen=True)
class PrecinctProfile:
    name: str
    slug: str
    code: str
    area: str
    address: str
    phone: str
    about: str
    latitude: float  # centre of the precinct, for made-up exact coordinates
    longitude: float
    streets: tuple[Street, ...]
    # Pairs of streets that cross, for "Main St and 5th Ave" locations.
    crossings: tuple[tuple[str, str], ...]
    # Staff names: (first, last) of the officer and of the supervisor.
    officer: tuple[str, str]
    supervisor: tuple[str, str]


PRECINCTS = (
    PrecinctProfile(
        name="Midtown North",
        slug="midtown-north",
        code="MTN",
        area="Hell's Kitchen, Clinton, the Theater District and Columbus Circle",
        address="306 W 54th St, New York, NY 10019",
        phone="(212) 555-0154",
        about=(
            "Midtown North covers the West Side from 42nd Street to 59th Street. "
            "The front desk is open day and night. For an emergency, call 911."
        ),
        latitude=40.7640,
        longitude=-73.9880,
        streets=(
            Street("W 44th St", 300, 699),
            Street("W 46th St", 300, 699),
            Street("W 48th St", 300, 699),
            Street("W 51st St", 300, 699),
            Street("W 53rd St", 300, 699),
            Street("W 55th St", 300, 699),
            Street("W 57th St", 300, 699),
            Street("8th Ave", 700, 999),
            Street("9th Ave", 600, 899),
            Street("10th Ave", 600, 899),
            Street("Broadway", 1600, 1799),
        ),
        crossings=(
            ("W 44th St", "9th Ave"),
            ("W 46th St", "8th Ave"),
            ("W 48th St", "10th Ave"),
            ("W 51st St", "9th Ave"),
            ("W 53rd St", "Broadway"),
            ("W 55th St", "10th Ave"),
            ("W 57th St", "8th Ave"),
        ),
        officer=("Dana", "Whitfield"),
        supervisor=("Luis", "Ocampo"),
    ),
    PrecinctProfile(
        name="Harbor",
        slug="harbor",
        code="HBR",
        area="The waterfront, the Fish Market, Old Town and the ferry terminal",
        address="1 Harbor Blvd",
        phone="(718) 555-0123",
        about=(
            "Harbor precinct serves the waterfront and Old Town, including the ferry "
            "terminal and the piers. Walk in any time. For an emergency, call 911."
        ),
        latitude=40.7033,
        longitude=-74.0130,
        streets=(
            Street("Water St", 100, 499),
            Street("Front St", 100, 399),
            Street("Harbor Blvd", 100, 899),
            Street("Pier Rd", 100, 299),
            Street("Ferry St", 100, 399),
            Street("Dock St", 100, 299),
            Street("Beacon Ave", 100, 599),
            Street("Old Town Rd", 100, 499),
        ),
        crossings=(
            ("Water St", "Ferry St"),
            ("Front St", "Dock St"),
            ("Harbor Blvd", "Pier Rd"),
            ("Beacon Ave", "Water St"),
            ("Old Town Rd", "Front St"),
        ),
        officer=("Samira", "Haddad"),
        supervisor=("Patrick", "Doyle"),
    ),
    PrecinctProfile(
        name="Riverside",
        slug="riverside",
        code="RVS",
        area="Riverside, the Mill District, Elmwood and the river parks",
        address="450 Riverside Dr",
        phone="(347) 555-0188",
        about=(
            "Riverside precinct covers the neighborhoods along the river, from the "
            "Mill District to Elmwood. The front desk is open day and night. For an "
            "emergency, call 911."
        ),
        latitude=40.8010,
        longitude=-73.9700,
        streets=(
            Street("Riverside Dr", 100, 899),
            Street("Main St", 100, 799),
            Street("River Rd", 100, 599),
            Street("Elm St", 100, 399),
            Street("Oak Ave", 100, 499),
            Street("Mill St", 100, 299),
            Street("Bridge St", 100, 399),
            Street("5th Ave", 100, 699),
        ),
        crossings=(
            ("Main St", "5th Ave"),
            ("Elm St", "Oak Ave"),
            ("River Rd", "Bridge St"),
            ("Mill St", "Main St"),
            ("Riverside Dr", "Elm St"),
        ),
        officer=("Grace", "Okafor"),
        supervisor=("Victor", "Lindqvist"),
    ),
)

# Streets for precincts that are not part of the demo (bulk loads with --precinct).
GENERIC_PROFILE = PrecinctProfile(
    name="",
    slug="",
    code="",
    area="",
    address="",
    phone="",
    about="",
    latitude=40.7300,
    longitude=-73.9950,
    streets=(
        Street("Main St", 100, 899),
        Street("Park Ave", 100, 699),
        Street("Church St", 100, 399),
        Street("Market St", 100, 599),
        Street("2nd Ave", 100, 799),
    ),
    crossings=(("Main St", "2nd Ave"), ("Park Ave", "Church St"), ("Market St", "Main St")),
    officer=("", ""),
    supervisor=("", ""),
)

PROFILES_BY_SLUG = {p.slug: p for p in PRECINCTS}

# --- People (all made up) ---------------------------------------------------------

FIRST_NAMES = (
    "Maria", "James", "Aisha", "Wei", "Carlos", "Emily", "Dmitri", "Fatima", "Michael", "Priya",
    "Jamal", "Sofia", "Kenji", "Olivia", "Mohammed", "Hannah", "Andre", "Lucia", "Tyrone", "Mei",
    "Rafael", "Grace", "Ivan", "Chloe", "Kwame", "Rosa", "Daniel", "Yuki", "Omar", "Ashley",
    "Tomasz", "Nadia", "Marcus", "Ines", "Samuel", "Leila", "Patrick", "Ana", "Hiroshi", "Bianca",
    "Elijah", "Zainab", "Victor", "Julia", "Kofi", "Camila", "Noah", "Esther", "Darnell", "Irina",
)  # fmt: skip
LAST_NAMES = (
    "Gonzalez", "Smith", "Rahman", "Chen", "Rodriguez", "Johnson", "Volkov", "Ali", "Brown", "Patel",
    "Washington", "Rossi", "Tanaka", "Williams", "Hassan", "Cohen", "Baptiste", "Fernandez", "Jackson",
    "Wong", "Morales", "Kim", "Petrov", "Dubois", "Mensah", "Santos", "Murphy", "Sato", "Khalil",
    "Miller", "Nowak", "Haddad", "Thompson", "Pereira", "Okafor", "Nguyen", "O'Brien", "Silva",
    "Yamamoto", "Greco", "Robinson", "Abdi", "Lopez", "Kowalski", "Owusu", "Reyes", "Clarke",
    "Levy", "Harris", "Sokolova",
)  # fmt: skip
AREA_CODES = ("212", "646", "917", "718", "347", "929")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
APARTMENTS = ("1A", "2B", "2F", "3C", "3R", "4A", "4D", "5E", "6B", "7C", "9F", "12A", "14D")

# --- Categories ---------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryProfile:
    name: str
    slug: str
    weight: int  # how common this kind of report is
    summaries: tuple[str, ...]  # public, plain words, no names or addresses
    narratives: tuple[str, ...]  # private; {reporter}, {involved}, {address}, {other}
    resolved_outcomes: tuple[str, ...]  # outcomes a resolved report of this kind gets
    agencies: tuple[str, ...]  # where a referred report of this kind goes


CATEGORIES = (
    CategoryProfile(
        "Noise",
        "noise",
        18,
        (
            "Loud music from a party late at night",
            "Loud music from an apartment most nights",
            "Barking and shouting from a backyard after midnight",
            "Construction work starting before 7 in the morning",
            "Loud crowd outside a bar at closing time",
            "Car stereo playing loudly on the street at night",
            "Drilling and banging in a building on weekends",
        ),
        (
            "{reporter} says the music from {address} goes on past 2 a.m. most weekends. "
            "They have asked {involved} to turn it down twice.",
            "Caller {reporter} reports a party at {address}; about 30 guests, speakers in the window. "
            "Tenant named as {involved}.",
            "{reporter} says a crowd gathers outside {address} after the bar closes. Manager is {involved}.",
            "Contractor for {involved} starts work at {address} around 6 a.m. {reporter} works nights.",
        ),
        ("warning", "warning", "mediated", "summons", "advice"),
        ("Department of Environmental Protection", "Department of Buildings"),
    ),
    CategoryProfile(
        "Parking",
        "parking",
        14,
        (
            "Car blocking a driveway",
            "Van parked in the bus stop every morning",
            "Cars double-parked outside a school at pickup time",
            "Truck parked on the sidewalk",
            "Car parked across a fire hydrant",
            "Delivery vans blocking the bike lane",
        ),
        (
            "{reporter} cannot get out of the garage at {address}; the same grey sedan blocks it most "
            "mornings. Neighbour thinks it belongs to {involved}.",
            "{reporter} says delivery vans for {involved}'s shop park in the bike lane outside {address}.",
            "Caller {reporter}: truck on the sidewalk at {address}, driver is {involved} from the building work.",
        ),
        ("summons", "summons", "warning", "fixed"),
        ("Department of Transportation",),
    ),
    CategoryProfile(
        "Theft",
        "theft",
        12,
        (
            "Package stolen from a building lobby",
            "Bicycle stolen from a rack",
            "Catalytic converter cut from a parked car",
            "Phone taken from a cafe table",
            "Tools stolen from a work van overnight",
            "Shoplifting at a corner store",
        ),
        (
            "{reporter} had a parcel delivered to the lobby of {address}; gone within an hour. "
            "Doorman {involved} saw a man in a red jacket.",
            "Bike locked outside {address} overnight, lock cut. Owner {reporter}; witness {involved}.",
            "{reporter}'s van at {address} broken into; drills and a saw taken. Suspect described by {involved}.",
            "Store owner {involved} at {address} reports repeat shoplifting; {reporter} made the call.",
        ),
        ("arrest", "property_recovered", "advice", "advice"),
        ("the District Attorney's Office",),
    ),
    CategoryProfile(
        "Vandalism",
        "vandalism",
        9,
        (
            "Graffiti sprayed on a storefront shutter",
            "Car windows smashed overnight",
            "Park bench broken",
            "Bus shelter glass broken",
            "Tires slashed on parked cars",
        ),
        (
            "{reporter} found new graffiti on the shutter of {address} this morning. "
            "Thinks it was the same group as last month; names {involved}.",
            "Two car windows smashed outside {address}. Owner {reporter}; {involved} heard glass at 3 a.m.",
            "{reporter} says tires on three cars outside {address} were slashed; {involved} has a camera.",
        ),
        ("fixed", "arrest", "advice", "warning"),
        ("Sanitation graffiti removal", "Parks Department"),
    ),
    CategoryProfile(
        "Traffic safety",
        "traffic-safety",
        9,
        (
            "Cars running the red light at a busy crossing",
            "Speeding on a residential street",
            "Drivers not stopping for people in the crosswalk",
            "Motorbikes racing at night",
            "Broken traffic light at a crossing",
        ),
        (
            "{reporter} crosses at {address} with two children every day; cars speed through the red. "
            "Crossing guard {involved} agrees.",
            "Motorbikes racing past {address} around midnight; {reporter} thinks one rider is {involved}.",
            "{reporter} says the signal near {address} has been dark for two days; {involved} nearly hit.",
        ),
        ("summons", "summons", "warning", "fixed"),
        ("Department of Transportation",),
    ),
    CategoryProfile(
        "Abandoned vehicle",
        "abandoned-vehicle",
        6,
        (
            "Car with flat tires left on the street for weeks",
            "Burned-out car left by the curb",
            "Van with no plates parked for a month",
            "Scooter chained to a pole and stripped",
        ),
        (
            "{reporter} says the blue hatchback outside {address} has not moved in five weeks. "
            "Neighbour {involved} thinks the owner moved away.",
            "Van with no plates outside {address}, windows broken. Reported by {reporter}; "
            "building super {involved} confirms.",
        ),
        ("fixed", "summons"),
        ("Department of Sanitation",),
    ),
    CategoryProfile(
        "Drug activity",
        "drug-activity",
        6,
        (
            "Possible drug sales outside a corner store",
            "Used needles left in a playground",
            "People using drugs in a building stairwell",
            "Cars stopping briefly at a corner late at night",
        ),
        (
            "{reporter} has watched hand-to-hand exchanges outside {address} most evenings. "
            "Names {involved} as a regular.",
            "{reporter} found needles near the swings by {address}. Park worker {involved} cleared some.",
            "Residents of {address} report people in the stairwell at night; {reporter} spoke for them; "
            "{involved} lets them in.",
        ),
        ("arrest", "fixed", "warning"),
        ("Department of Health", "Parks Department"),
    ),
    CategoryProfile(
        "Suspicious activity",
        "suspicious-activity",
        8,
        (
            "Person trying car door handles at night",
            "Someone following delivery workers",
            "Person looking into ground-floor windows",
            "Unattended bag left by a subway entrance",
            "Strangers going through mailboxes in a lobby",
        ),
        (
            "{reporter} saw a man trying door handles on cars parked outside {address}; {involved} saw it too.",
            "{reporter} says someone was looking into the ground-floor windows of {address}. "
            "Neighbour {involved} saw it too.",
            "Unattended bag by {address}. Caller {reporter}; station agent {involved}.",
        ),
        ("advice", "warning", "arrest"),
        ("Transit Police",),
    ),
    CategoryProfile(
        "Harassment",
        "harassment",
        6,
        (
            "Neighbor repeatedly shouting threats in a hallway",
            "Street vendor being threatened by a group",
            "Someone repeatedly shouting at people at a bus stop",
            "Ongoing dispute between neighbors",
        ),
        (
            "{reporter} says {involved} shouts at them every time they meet in the hall of {address}.",
            "Vendor {involved} outside {address} threatened by three men; {reporter} called it in.",
            "Long dispute between {reporter} and {involved} at {address} over a shared yard.",
        ),
        ("mediated", "warning", "arrest", "advice"),
        ("Community Mediation Services", "Adult Protective Services"),
    ),
    CategoryProfile(
        "Lost property",
        "lost-property",
        5,
        (
            "Wallet found and handed in",
            "Lost phone reported",
            "Set of keys found on a bench",
            "Lost backpack with school books",
        ),
        (
            "{reporter} handed in a wallet found near {address}; it holds cards in the name of {involved}.",
            "{reporter} lost a phone somewhere between home at {address} and the subway; {involved} "
            "may have picked it up.",
        ),
        ("property_recovered", "property_recovered", "advice"),
        ("Transit Lost and Found",),
    ),
    CategoryProfile(
        "Street condition",
        "street-condition",
        5,
        (
            "Large pothole in the crosswalk",
            "Streetlight out on a dark block",
            "Loose manhole cover rattling when cars pass",
            "Fallen tree branch blocking the sidewalk",
        ),
        (
            "{reporter} tripped on the pothole outside {address}; {involved} fell there last week too.",
            "Streetlight outside {address} has been out for a week. {reporter} and {involved} walk home late.",
        ),
        ("fixed",),
        ("Department of Transportation", "Parks Department", "Con Edison"),
    ),
    CategoryProfile(
        "Animal complaint",
        "animal-complaint",
        4,
        (
            "Dog left barking on a balcony all day",
            "Loose dog chasing people in a park",
            "Rats around overflowing trash bags",
            "Dog left in a parked car on a hot day",
        ),
        (
            "{reporter} says the dog at {address} barks from 8 to 6 while {involved} is at work.",
            "Loose dog near {address} chased {reporter}'s child; owner thought to be {involved}.",
            "Rats around the trash of {address}; {reporter} has asked the landlord {involved} many times.",
        ),
        ("warning", "advice", "fixed"),
        ("Animal Care Services", "Department of Health"),
    ),
)

CATEGORIES_BY_SLUG = {c.slug: c for c in CATEGORIES}

GENERIC_CATEGORY = CategoryProfile(
    "",
    "",
    1,
    ("Report from a resident", "Problem on the street reported by a neighbor"),
    ("{reporter} reported a problem at {address}; {involved} was there.",),
    ("advice", "fixed", "warning"),
    ("311",),
)

SOURCES = ("phone", "walk_in", "online", "311", "social", "patrol")
SOURCE_WEIGHTS = (34, 14, 22, 18, 4, 8)
PRIORITY_WEIGHTS = (18, 60, 18, 4)  # low, normal, high, urgent

# --- Follow-up notes -------------------------------------------------------------------

INVESTIGATING_PUBLIC = (
    "An officer visited and spoke with the people involved.",
    "Officers are checking the area during their patrols.",
    "An officer called the person who reported this for more details.",
    "Officers went to the location and are looking into it.",
    "",
    "",
)
INVESTIGATING_INTERNAL = (
    "Called {reporter} back for details.",
    "Visited; spoke with {involved}.",
    "Assigned for a visit on the next tour.",
    "Checked the location on patrol; will go back.",
    "Asked building management for camera footage.",
)
SCHEDULED_PUBLIC = (
    "Extra patrols are planned for this block in the evenings.",
    "Officers plan to go back on the weekend to check again.",
    "A traffic enforcement check is planned for this spot.",
    "Officers will meet with the building manager this week.",
)
SCHEDULED_INTERNAL = (
    "Directed patrol booked for Friday and Saturday nights.",
    "Meeting with {involved} set for Thursday.",
    "Asked the traffic unit for an enforcement slot.",
)
NOTE_INTERNAL = (
    "Called {reporter}; no answer, left a message.",
    "{reporter} called again; same problem last night.",
    "No one home at the address; left a card.",
    "Spoke with {involved}; says it will not happen again.",
)
RESOLVED_PUBLIC = {
    "arrest": ("An arrest was made.", "Officers made an arrest."),
    "summons": ("Officers issued a ticket.", "A ticket was issued."),
    "warning": ("Officers gave a warning.", "An officer warned the people involved."),
    "fixed": ("The problem has been fixed.", "The problem was fixed and officers checked it."),
    "mediated": ("Officers helped the neighbors settle the dispute.", "The people involved agreed on a fix."),
    "property_recovered": ("The property was found and returned.", "The item was returned to its owner."),
    "advice": ("Officers gave the reporter safety advice.", "An officer explained how to prevent this."),
}
RESOLVED_INTERNAL = {
    "arrest": "Arrest made; {involved} taken to the precinct.",
    "summons": "Summons issued to {involved}.",
    "warning": "Warned {involved}; {reporter} told.",
    "fixed": "Checked again: problem gone. {reporter} confirmed.",
    "mediated": "Sat down with {reporter} and {involved}; both agreed.",
    "property_recovered": "Item returned to {reporter}.",
    "advice": "Crime prevention advice given to {reporter}.",
}
NO_ACTION_PUBLIC = {
    "unfounded": "Officers checked and found no sign of the problem.",
    "unable_to_locate": "Officers could not find the problem when they arrived.",
    "not_police_matter": "This is not a police matter. The person who reported it was told who can help.",
}
NO_ACTION_INTERNAL = {
    "unfounded": "Nothing found on two visits; {reporter} informed.",
    "unable_to_locate": "Gone on arrival; no one at {address} answered.",
    "not_police_matter": "Landlord-tenant issue; referred {reporter} to housing court info.",
}
REFERRED_PUBLIC = "This report was passed to {agency}, who handle this kind of problem."
REFERRED_INTERNAL = "Sent to {agency}; {reporter} given their number."
DUPLICATE_PUBLIC = "This is the same problem as report {reference}. Follow that report for updates."
DUPLICATE_INTERNAL = "Same as {reference}; {reporter} told."
REOPEN_PUBLIC = "The problem came back, so officers are looking into it again."
REOPEN_INTERNAL = "{reporter} called again: it started again last week. Reopening."


# --- Generators ------------------------------------------------------------------------


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def phone(rng: random.Random) -> str:
    return f"({rng.choice(AREA_CODES)}) 555-01{rng.randrange(100):02d}"


def email(rng: random.Random, name: str) -> str:
    first, _, last = name.lower().replace("'", "").partition(" ")
    return f"{first}.{last}{rng.randrange(10, 100)}@{rng.choice(EMAIL_DOMAINS)}"


def place(rng: random.Random, profile: PrecinctProfile) -> tuple[str, str, str, str]:
    """(public location, exact address, latitude, longitude) of one incident.

    The public location is block level ("300 block of W 44th St") or a cross
    street ("Main St and 5th Ave"); the exact address has the house number.
    """
    if profile.crossings and rng.random() < 0.3:
        a, b = rng.choice(profile.crossings)
        street = next((s for s in profile.streets if s.name == a), None)
        house = rng.randint(street.low, street.high) if street else rng.randint(100, 399)
        public = f"{a} and {b}"
        exact = f"Outside {house} {a}, at {b}"
    else:
        street = rng.choice(profile.streets)
        house = rng.randint(street.low, street.high)
        public = f"{house // 100 * 100} block of {street.name}"
        exact = f"{house} {street.name}"
        if rng.random() < 0.6:
            exact += f", Apt {rng.choice(APARTMENTS)}"
    latitude = f"{profile.latitude + rng.uniform(-0.008, 0.008):.6f}"
    longitude = f"{profile.longitude + rng.uniform(-0.008, 0.008):.6f}"
    return public, exact, latitude, longitude


def report(rng: random.Random, profile: PrecinctProfile, category: CategoryProfile) -> dict:
    """The public and private text of one resident's report, as incident field values."""
    public_location, exact_address, latitude, longitude = place(rng, profile)
    reporter_name = person(rng)
    involved = [person(rng) for _ in range(rng.choice((1, 1, 1, 2)))]
    involved = [n for n in involved if n != reporter_name] or [f"{rng.choice(FIRST_NAMES)} Doe"]
    narrative = rng.choice(category.narratives).format(
        reporter=reporter_name, involved=involved[0], address=exact_address
    )
    if len(involved) > 1:
        narrative += f" Also present: {involved[1]}."
    return {
        "public_summary": rng.choice(category.summaries),
        "public_location": public_location,
        "reporter_name": reporter_name,
        "reporter_phone": phone(rng),
        "reporter_email": email(rng, reporter_name),
        "exact_address": exact_address,
        "exact_latitude": latitude,
        "exact_longitude": longitude,
        "internal_narrative": narrative,
        "involved_names": "\n".join(involved),
        "source": rng.choices(SOURCES, SOURCE_WEIGHTS)[0],
        "priority": rng.choices((1, 2, 3, 4), PRIORITY_WEIGHTS)[0],
    }


def fill(template: str, fields: dict, **extra) -> str:
    """Format a note template with the report's private details (internal notes only)."""
    return template.format(
        reporter=fields["reporter_name"],
        involved=fields["involved_names"].split("\n")[0],
        address=fields["exact_address"],
        **extra,
    )
