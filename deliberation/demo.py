"""Demo data of deliberation: lively forums and proposal discussions, reports waiting in
the moderation queue, and a common ground activity on ``green-2027`` with enough votes to
show opinion groups. Idempotent: running it twice adds nothing twice.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction

from deliberation import services
from deliberation.models import (
    Comment,
    CommonGround,
    Flag,
    Statement,
    StatementVote,
    Suspension,
    Topic,
    TopicKind,
)
from pbudget.demo import DEMO_DOMAIN
from pbudget.models import Cycle, User
from proposals.models import Proposal

PARTICIPANTS = 90
NAMES = [
    "Alba", "Bruno", "Carla", "Dario", "Elena", "Fede", "Gala", "Hugo", "Irene", "Jon",
    "Kira", "Luis", "Marta", "Nico", "Olga", "Pau", "Quim", "Rosa", "Sara", "Teo",
]  # fmt: skip

# (title, body, [(author index or "resident"/"neighbour", text, reply-to index or None)])
FORUM = {
    "green-2027": [
        (
            "More trees or more benches?",
            "Our street has neither shade nor anywhere to sit. Which should come first?",
            [
                ("neighbour", "Trees. Benches in the sun in July are no use to anyone.", None),
                (3, "Both: a bench under a young tree is the best of both worlds.", 0),
                (7, "Trees take ten years to give shade. Benches help older people *now*.", 0),
                ("resident", "Could we ask the parks department which trees grow fastest?", 2),
                (12, "Plane trees grow fast but the pollen is awful. Lindens are gentler.", 3),
                (5, "Please think about wheelchair space around any new bench.", None),
            ],
        ),
        (
            "Community gardens: who waters in August?",
            "Gardens are lovely in May and dead by September. How do other cities manage?",
            [
                (1, "A rota with a shared calendar worked in our school garden.", None),
                (9, "Drip irrigation on a timer costs little and saves the summer.", None),
                ("neighbour", "Rain barrels on the nearby roofs, please!", 1),
                (
                    14,
                    "BUY CHEAP WATCHES NOW best prices click here www.example.com/watches",
                    None,
                ),
            ],
        ),
        (
            "Car-free Sundays on the riverside",
            "Should the riverside road close to cars on Sunday mornings?",
            [
                (2, "Yes! Kids could cycle safely for once.", None),
                (8, "Shops on the riverside depend on parking; please talk to them first.", None),
                (4, "Try it for one summer and count visitors, then decide.", 1),
                (11, "People who disagree with this are idiots and should move away.", None),
            ],
        ),
    ],
    "streets-2027": [
        (
            "Crossing at the school on Mill Lane",
            "Cars speed past the primary school. A raised crossing would slow them.",
            [
                (6, "Parents have asked for this for years.", None),
                (10, "A lollipop person at 8:30 would help too, and costs less.", 0),
            ],
        ),
    ],
}

PROPOSAL_COMMENTS = [
    ("neighbour", "I would use this every week. How much of the budget does it take?"),
    (4, "Great idea, but who looks after it once it is built?"),
    (13, "Could it be combined with the other proposal in the same district?"),
    ("resident", "The maintenance question is important: please add it to the proposal."),
]

# Common ground on green-2027: statements and how each of three planted opinion groups
# votes on them (+1 agree, -1 disagree, 0 pass). The first four unite everyone.
STATEMENTS = [
    ("Every child should be able to walk to a green space in ten minutes.", (1, 1, 1)),
    ("New trees should be native species that need little water.", (1, 1, 1)),
    ("Residents should be asked before any park is redesigned.", (1, 1, 1)),
    ("Parks need more lighting so they feel safe in the evening.", (1, 1, 1)),
    ("Parking spaces should be turned into small parks.", (1, -1, 0)),
    ("The riverside road should close to cars on Sundays.", (1, -1, -1)),
    ("Green projects should come before road repairs.", (1, -1, 0)),
    ("Dogs should have fenced areas in every large park.", (-1, 1, 1)),
    ("Community gardens are a good use of public land.", (1, 0, -1)),
    ("Money should go to the districts with the fewest trees first.", (1, 0, 1)),
    ("Playgrounds matter more than gardens.", (-1, 1, 1)),
    ("Sports pitches should be free to book for local clubs.", (0, 1, -1)),
    ("Benches and shade are more urgent than new flower beds.", (0, 1, 1)),
    ("The city should plant 1,000 street trees next year.", (1, -1, 1)),
    ("Volunteers should help maintain the parks.", (1, 0, 1)),
    ("Cyclists should share park paths with pedestrians.", (1, -1, -1)),
    ("Noise from events in parks should end by 22:00.", (-1, 1, 1)),
    ("Green roofs on public buildings are worth the cost.", (1, -1, 0)),
]


def _email(index: int) -> str:
    return f"participant-{index:03d}@{DEMO_DOMAIN}"


def _participants() -> list[User]:
    """Demo residents participant-001 … (no password: they exist only to take part)."""
    wanted = {_email(i): i for i in range(1, PARTICIPANTS + 1)}
    existing = set(User.objects.filter(email__in=wanted).values_list("email", flat=True))
    missing = [email for email in wanted if email not in existing]
    if missing:
        password = make_password(None)  # unusable
        User.objects.bulk_create(
            [
                User(
                    email=email,
                    password=password,
                    display_name=f"{NAMES[wanted[email] % len(NAMES)]} {wanted[email]:03d}",
                )
                for email in missing
            ]
        )
    users = list(User.objects.filter(email__in=wanted).order_by("email"))
    have = set(
        EmailAddress.objects.filter(user__in=users, verified=True).values_list("user_id", flat=True)
    )
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=u, email=u.email, verified=True, primary=True)
            for u in users
            if u.pk not in have
        ],
        ignore_conflicts=True,
    )
    return users


def _user(who, people: list[User], named: dict[str, User]) -> User:
    return named[who] if isinstance(who, str) else people[who]


def _comment(topic, author, body, parent, created_at) -> Comment:
    existing = Comment.objects.filter(topic=topic, author=author, body=body).first()
    if existing is not None:
        return existing
    return services.comment_create(
        author=author,
        topic=topic,
        body=body,
        parent=parent,
        rate_limit=False,
        created_at=created_at,
    )


def _flag(reporter, item, reason, text="") -> None:
    kind = services.item_kind(item)
    if not Flag.objects.filter(reporter=reporter, **{kind: item}).exists():
        services.flag_create(reporter=reporter, item=item, reason=reason, text=text)


def _forums(now, people, named) -> dict[str, Comment]:
    notable: dict[str, Comment] = {}
    for slug, topics in FORUM.items():
        cycle = Cycle.objects.filter(slug=slug).first()
        if cycle is None:
            continue
        for t_index, (title, body, comments) in enumerate(topics):
            topic = Topic.objects.filter(cycle=cycle, kind=TopicKind.FORUM, title=title).first()
            if topic is None:
                topic = services.topic_create(
                    author=people[20 + t_index], cycle=cycle, title=title, body=body,
                    rate_limit=False,
                )  # fmt: skip
            posted: list[Comment] = []
            for c_index, (who, text, reply_to) in enumerate(comments):
                when = now - timedelta(days=3 - t_index * 0.5, hours=-c_index * 2)
                parent = posted[reply_to] if reply_to is not None else None
                comment = _comment(topic, _user(who, people, named), text, parent, when)
                posted.append(comment)
                if "WATCHES" in text:
                    notable["spam"] = comment
                if "idiots" in text:
                    notable["insult"] = comment
                if "grow fast" in text:
                    notable["helpful"] = comment
            for comment in posted[:3]:
                for person in people[40:43]:
                    if comment.author_id != person.pk:
                        services.reaction_add(comment=comment, user=person)
    return notable


def _proposal_discussions(now, people, named) -> None:
    proposals = list(
        Proposal.objects.public().filter(cycle__slug__in=["green-2027", "streets-2027"])[:6]
    )
    for p_index, proposal in enumerate(proposals):
        topic = services.proposal_topic(proposal=proposal)
        first = None
        for c_index, (who, text) in enumerate(PROPOSAL_COMMENTS[: 2 + p_index % 3]):
            author = _user(who, people, named)
            when = now - timedelta(days=2, hours=-(p_index + c_index))
            comment = _comment(topic, author, text, first if c_index == 3 else None, when)
            first = first or comment
    if proposals:
        # One proposal reported twice: it waits in the queue, still visible.
        _flag(people[30], proposals[0], "off_topic", "This is the same as another proposal.")
        _flag(people[31], proposals[0], "other", "Looks like an advert for a company.")


def _moderation(notable, people) -> None:
    if "spam" in notable:
        # Five reports: hidden automatically until a moderator decides.
        for person in people[50:55]:
            _flag(person, notable["spam"], "spam")
    if "insult" in notable:
        _flag(people[56], notable["insult"], "offensive", "Insults people who disagree.")
        _flag(people[57], notable["insult"], "offensive")
        _flag(people[58], notable["insult"], "other", "Not the tone we want here.")
        author = notable["insult"].author
        if author and not Suspension.objects.filter(user=author).exists():
            moderator = User.objects.filter(email=f"moderator@{DEMO_DOMAIN}").first()
            if moderator is not None:
                services.user_suspend(
                    moderator=moderator, user=author, days=7,
                    reason="Repeated insults in the forum.", item=notable["insult"],
                )  # fmt: skip


def _common_ground(now, people) -> CommonGround | None:
    cycle = Cycle.objects.filter(slug="green-2027").first()
    if cycle is None:
        return None
    activity = CommonGround.objects.filter(cycle=cycle, proposal__isnull=True).first()
    if activity is None:
        activity = CommonGround.objects.create(
            cycle=cycle,
            title="Greener neighbourhoods: what do we agree on?",
            question="What should the city do first to make our neighbourhoods greener?",
            created_by=User.objects.filter(email=f"moderator@{DEMO_DOMAIN}").first(),
        )
    statements = []
    for s_index, (text, _opinions) in enumerate(STATEMENTS):
        statement = Statement.objects.filter(activity=activity, text=text).first()
        if statement is None:
            statement = Statement.objects.create(
                activity=activity, author=people[s_index % len(people)], text=text
            )
        statements.append(statement)
    rng = np.random.default_rng(2027)
    opinions = np.array([o for _t, o in STATEMENTS])  # statements × groups
    votes = []
    for p_index, person in enumerate(people[: PARTICIPANTS - 10]):
        group = p_index % 3
        for s_index, statement in enumerate(statements):
            if rng.random() > 0.75:
                continue
            choice = int(opinions[s_index, group])
            if rng.random() < 0.12:
                choice = int(rng.choice([-1, 0, 1]))
            votes.append(StatementVote(statement=statement, user=person, choice=choice))
    StatementVote.objects.bulk_create(votes, ignore_conflicts=True)
    # One statement was reported by a participant; it waits in the queue.
    _flag(people[85], statements[10], "off_topic", "Playgrounds are a different activity.")
    return activity


@transaction.atomic
def load(*, now) -> None:
    """Create (or complete) the deliberation demo data."""
    people = _participants()
    named = {
        "resident": User.objects.get(email=f"resident@{DEMO_DOMAIN}"),
        "neighbour": User.objects.get(email=f"neighbour@{DEMO_DOMAIN}"),
    }
    notable = _forums(now, people, named)
    _proposal_discussions(now, people, named)
    _moderation(notable, people)
    activity = _common_ground(now, people)
    if activity is not None:
        # The report is computed here, synchronously, so the demo shows it at once.
        services.commonground_analyse(activity_id=activity.pk)
