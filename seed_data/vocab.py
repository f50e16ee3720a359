"""Word lists and catalogues the demo practice draws from: people, places, payers, procedure codes.

Names come from Faker's en_US provider lists (weighted by US frequency); everything else is written
here. All of it is fake; none of it is a real person or a real member number.
"""

from __future__ import annotations

import numpy as np
from faker.providers.person.en_US import Provider as _Person


def _weighted(table) -> tuple[np.ndarray, np.ndarray]:
    names = np.array(list(table.keys()), dtype=object)
    weights = np.array(list(table.values()), dtype=float)
    return names, weights / weights.sum()


FEMALE_FIRST, FEMALE_FIRST_P = _weighted(_Person.first_names_female)
MALE_FIRST, MALE_FIRST_P = _weighted(_Person.first_names_male)
LAST, LAST_P = _weighted(_Person.last_names)
STREET_SUFFIXES = np.array(["St", "Ave", "Rd", "Dr", "Ln", "Blvd", "Ct", "Way", "Pl", "Trl", "Pkwy", "Cir"],
                           dtype=object)
STREET_WORDS = np.array(sorted({*list(_Person.last_names)[:300], "Oak", "Maple", "Cedar", "Pine", "Elm", "Willow",
                                "Hickory", "Magnolia", "Pecan", "Sycamore", "Lakeview", "Hillcrest", "Ridge",
                                "Meadow", "Sunset", "River", "Spring", "Valley", "Highland", "Park"}), dtype=object)

# Regions a practice's clinics sit in: state, cities with their ZIP prefix, and local area codes.
REGIONS = [
    ("TX", [("Austin", "787"), ("Round Rock", "786"), ("Georgetown", "786"), ("San Marcos", "786"),
            ("Pflugerville", "786"), ("Cedar Park", "786")], ["512", "737"]),
    ("TX", [("Houston", "770"), ("Sugar Land", "774"), ("Katy", "774"), ("Pearland", "775"),
            ("The Woodlands", "773")], ["713", "281", "832"]),
    ("CO", [("Denver", "802"), ("Aurora", "800"), ("Lakewood", "802"), ("Littleton", "801"),
            ("Arvada", "800")], ["303", "720"]),
    ("NC", [("Raleigh", "276"), ("Cary", "275"), ("Durham", "277"), ("Apex", "275"),
            ("Wake Forest", "275")], ["919", "984"]),
    ("OH", [("Columbus", "432"), ("Dublin", "430"), ("Westerville", "430"), ("Hilliard", "430"),
            ("Grove City", "431")], ["614", "380"]),
    ("GA", [("Atlanta", "303"), ("Marietta", "300"), ("Decatur", "300"), ("Roswell", "300"),
            ("Alpharetta", "300")], ["404", "678", "770"]),
    ("AZ", [("Phoenix", "850"), ("Mesa", "852"), ("Tempe", "852"), ("Chandler", "852"),
            ("Scottsdale", "852")], ["602", "480"]),
    ("TN", [("Nashville", "372"), ("Franklin", "370"), ("Murfreesboro", "371"), ("Brentwood", "370"),
            ("Hendersonville", "370")], ["615", "629"]),
    ("MN", [("Minneapolis", "554"), ("St. Paul", "551"), ("Bloomington", "554"), ("Edina", "554"),
            ("Plymouth", "554")], ["612", "651", "952"]),
    ("OR", [("Portland", "972"), ("Beaverton", "970"), ("Hillsboro", "971"), ("Gresham", "970"),
            ("Lake Oswego", "970")], ["503", "971"]),
    ("FL", [("Tampa", "336"), ("St. Petersburg", "337"), ("Clearwater", "337"), ("Brandon", "335"),
            ("Largo", "337")], ["813", "727"]),
    ("WA", [("Seattle", "981"), ("Bellevue", "980"), ("Kirkland", "980"), ("Renton", "980"),
            ("Redmond", "980")], ["206", "425"]),
]

CLINIC_NAMES = ["Riverside", "Northgate", "Cedar Park", "Lakeside", "Downtown", "Westlake", "Oak Hill", "Eastside",
                "Brookhaven", "Southpoint", "Hillcrest", "Meadowbrook", "Parkview", "Stonegate", "Willow Creek",
                "Midtown", "Summit", "Harbor", "Fairview", "Pinecrest"]

# Payer catalogue: code, name, class, ERA enrolled in the legacy system, days to pay (median), denial
# multiplier, allowed share of charges, patient share of allowed, needs prior authorization.
PAYERS = [
    ("MCR01", "Medicare Part B", "medicare", True, 15, 0.9, 0.52, 0.20, False),
    ("HUM01", "Humana Medicare Advantage", "medicare_advantage", True, 24, 1.35, 0.50, 0.12, True),
    ("UHCMA", "UnitedHealthcare Medicare Advantage", "medicare_advantage", True, 22, 1.25, 0.51, 0.10, True),
    ("MCD01", "State Medicaid", "medicaid", False, 30, 1.3, 0.38, 0.0, True),
    ("MCDMC", "Medicaid Managed Care Plan", "medicaid", True, 26, 1.4, 0.40, 0.0, True),
    ("BCBS1", "Blue Cross Blue Shield", "commercial", True, 18, 0.85, 0.66, 0.22, False),
    ("AET01", "Aetna", "commercial", True, 21, 1.0, 0.64, 0.20, True),
    ("CIG01", "Cigna", "commercial", True, 23, 1.1, 0.62, 0.22, True),
    ("UHC01", "UnitedHealthcare", "commercial", True, 20, 1.05, 0.63, 0.20, True),
    ("HUMCM", "Humana Commercial", "commercial", False, 27, 1.1, 0.60, 0.20, False),
    ("WC001", "State Workers Compensation Fund", "workers_comp", False, 38, 1.2, 0.80, 0.0, True),
    ("WCLM1", "Liberty Mutual Workers Comp", "workers_comp", False, 34, 1.15, 0.78, 0.0, True),
    ("AUTO1", "State Farm Auto Claims", "auto", False, 45, 1.3, 0.85, 0.0, False),
    ("AUTO2", "GEICO Personal Injury", "auto", False, 50, 1.3, 0.82, 0.0, False),
    ("TRIC1", "TRICARE East", "other", True, 19, 0.95, 0.55, 0.10, False),
    ("VACCN", "VA Community Care Network", "other", False, 35, 1.0, 0.56, 0.0, True),
    ("SELF", "Self Pay", "self_pay", False, 0, 0.0, 0.60, 1.0, False),
]

# Charge master: CPT code -> (charge per unit, timed code?)
CHARGES = {
    "97161": (185.0, False), "97162": (205.0, False), "97163": (230.0, False), "97164": (145.0, False),
    "97165": (190.0, False), "97166": (210.0, False), "97167": (235.0, False), "97168": (150.0, False),
    "97110": (68.0, True), "97112": (72.0, True), "97140": (66.0, True), "97530": (74.0, True),
    "97116": (64.0, True), "97535": (70.0, True), "97750": (80.0, True),
    "92507": (155.0, False), "92526": (165.0, False), "92521": (240.0, False), "92522": (210.0, False),
    "92523": (295.0, False), "92524": (190.0, False),
}
EVAL_CODES = {"PT": ["97161", "97162", "97163"], "OT": ["97165", "97166", "97167"],
              "SLP": ["92523", "92522", "92521", "92524"]}
RE_EVAL_CODES = {"PT": "97164", "OT": "97168", "SLP": "92523"}
TIMED_CODES = {"PT": ["97110", "97112", "97140", "97530", "97116"],
               "OT": ["97530", "97535", "97110", "97140", "97112"]}
DISCIPLINE_MODIFIER = {"PT": "GP", "OT": "GO", "SLP": "GN"}
ASSISTANT_MODIFIER = {"PTA": "CQ", "COTA": "CO"}

REFERRAL_PRACTICES = ["Orthopedic Associates", "Family Medicine Clinic", "Sports Medicine Center",
                      "Neurology Group", "Pediatric Partners", "Spine & Joint Institute", "Internal Medicine",
                      "ENT Specialists", "Hand Surgery Center", "Regional Medical Center", "Urgent Care",
                      "Womens Health Clinic"]
