"""Permission names of the ballots app, bound to predicates."""

import rules

from ballots.predicates import (
    can_view_turnout,
    is_signed_in,
    is_verified_resident,
    is_voting_open,
    is_voting_over,
)
from pbudget.predicates import is_administrator, is_booth_officer, is_verified_email

rules.add_perm("ballots.verify_residency", is_signed_in & is_verified_email)
rules.add_perm("ballots.cast_ballot", is_verified_email & is_verified_resident & is_voting_open)
rules.add_perm("ballots.import_census", is_administrator)
rules.add_perm("ballots.resolve_conflict", is_administrator)
rules.add_perm("ballots.operate_booth", is_booth_officer)
rules.add_perm("ballots.manage_booths", is_administrator)
rules.add_perm("ballots.view_turnout", can_view_turnout)
rules.add_perm("ballots.view_receipts", is_voting_over)
