"""Permission names of deliberation, bound to predicates."""

import rules

from deliberation import predicates as p

rules.add_perm("deliberation.add_topic", p.can_add_topic)
rules.add_perm("deliberation.add_comment", p.can_add_comment)
rules.add_perm("deliberation.change_comment", p.can_change_comment)
rules.add_perm("deliberation.delete_comment", p.can_delete_comment)
rules.add_perm("deliberation.react_comment", p.can_react)
rules.add_perm("deliberation.add_flag", p.can_flag)
# Moderators and administrators: the queue, the actions, the log, common ground set-up.
rules.add_perm("deliberation.moderate", p.can_moderate)
rules.add_perm("deliberation.view_moderationlog", p.can_moderate)
rules.add_perm("deliberation.add_commonground", p.can_moderate)
rules.add_perm("deliberation.add_statement", p.can_add_statement)
rules.add_perm("deliberation.vote_statement", p.can_vote_statement)
