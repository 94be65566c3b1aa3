"""Permission names of proposals, bound to predicates (see predicates.py)."""

import rules

from proposals import predicates as p

rules.add_perm("proposals.view_proposal", p.can_view_proposal)
rules.add_perm("proposals.add_proposal", p.can_add_proposal)
rules.add_perm("proposals.change_proposal", p.can_change_proposal)
rules.add_perm("proposals.submit_proposal", p.can_submit_proposal)
rules.add_perm("proposals.withdraw_proposal", p.can_withdraw_proposal)
rules.add_perm("proposals.support_proposal", p.can_support_proposal)
rules.add_perm("proposals.follow_proposal", p.can_follow_proposal)
rules.add_perm("proposals.review_proposal", p.can_review_proposal)
rules.add_perm("proposals.merge_proposal", p.can_merge_proposal)
rules.add_perm("proposals.post_update", p.can_post_update)
