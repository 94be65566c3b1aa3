"""The skills taxonomy: everyday and professional skills, each with a US SOC 2018 code.

Loaded by migration 0003; kept here so the demo and the tests read the same list.
(name, slug, SOC code, SOC occupation title)
"""

SKILLS = [
    ("Carpentry", "carpentry", "47-2031", "Carpenters"),
    ("Painting and decorating", "painting", "47-2141", "Painters, Construction and Maintenance"),
    ("Electrical work", "electrical", "47-2111", "Electricians"),
    ("Plumbing", "plumbing", "47-2152", "Plumbers, Pipefitters, and Steamfitters"),
    ("Bricklaying and paving", "masonry", "47-2021", "Brickmasons and Blockmasons"),
    ("General construction", "construction", "47-2061", "Construction Laborers"),
    ("Welding and metalwork", "welding", "51-4121", "Welders, Cutters, Solderers, and Brazers"),
    ("Gardening and landscaping", "gardening", "37-3011", "Landscaping and Groundskeeping Workers"),
    ("Tree care", "tree-care", "37-3013", "Tree Trimmers and Pruners"),
    (
        "Cleaning",
        "cleaning",
        "37-2011",
        "Janitors and Cleaners, Except Maids and Housekeeping Cleaners",
    ),
    ("Bicycle repair", "bicycle-repair", "49-3091", "Bicycle Repairers"),
    ("Cooking and catering", "cooking", "35-2014", "Cooks, Restaurant"),
    ("Childcare", "childcare", "39-9011", "Childcare Workers"),
    ("Tutoring and teaching", "tutoring", "25-3041", "Tutors"),
    ("Translation and interpreting", "translation", "27-3091", "Interpreters and Translators"),
    ("Writing and editing", "writing", "27-3043", "Writers and Authors"),
    ("Graphic design", "graphic-design", "27-1024", "Graphic Designers"),
    ("Photography and video", "photography", "27-4021", "Photographers"),
    (
        "Murals and fine art",
        "fine-art",
        "27-1013",
        "Fine Artists, Including Painters, Sculptors, and Illustrators",
    ),
    ("Web development", "web-development", "15-1254", "Web Developers"),
    ("Software development", "software", "15-1252", "Software Developers"),
    ("Bookkeeping", "bookkeeping", "43-3031", "Bookkeeping, Accounting, and Auditing Clerks"),
    ("Legal advice", "legal", "23-1011", "Lawyers"),
    ("Event planning", "events", "13-1121", "Meeting, Convention, and Event Planners"),
    ("Fundraising", "fundraising", "13-1131", "Fundraisers"),
    ("Project management", "project-management", "13-1082", "Project Management Specialists"),
    (
        "Community organising",
        "community-organising",
        "21-1099",
        "Community and Social Service Specialists, All Other",
    ),
    ("First aid and nursing", "nursing", "29-1141", "Registered Nurses"),
    ("Architecture", "architecture", "17-1011", "Architects, Except Landscape and Naval"),
    ("Landscape architecture", "landscape-architecture", "17-1012", "Landscape Architects"),
    ("Civil engineering", "civil-engineering", "17-2051", "Civil Engineers"),
    ("Driving and delivery", "driving", "53-3033", "Light Truck Drivers"),
]

# The default general rate: Independent Sector's national value of volunteer time.
GENERAL_RATE = {
    "kind": "general",
    "occupation_code": "",
    "occupation_title": "",
    "amount": "33.49",
    "currency": "USD",
    "fringe_percent": "0",
    "publisher": "Independent Sector",
    "series": "Value of Volunteer Time (national)",
    "data_year": 2023,
    "geography": "United States",
    "source_url": "https://independentsector.org/resource/value-of-volunteer-time/",
    "valid_from": "2024-01-01",
}


def ensure_taxonomy() -> None:
    """Create the skills and the default general rate where missing (idempotent).

    Migration 0003 does this once; tests that empty the tables call it again.
    """
    from datetime import date
    from decimal import Decimal

    from coproduction.models import Skill, ValuationRate

    for position, (name, slug, code, title) in enumerate(SKILLS):
        Skill.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "soc_code": code, "soc_title": title, "position": position},
        )
    if not ValuationRate.objects.filter(
        kind="general", publisher=GENERAL_RATE["publisher"]
    ).exists():
        rate = dict(GENERAL_RATE)
        rate.update(
            amount=Decimal(rate["amount"]),
            fringe_percent=Decimal(rate["fringe_percent"]),
            valid_from=date.fromisoformat(rate["valid_from"]),
        )
        ValuationRate.objects.create(**rate)
