"""Permission names of the count, bound to predicates (imported from ``setup``)."""

import rules

from ballots.counting.predicates import can_run_count, can_view_result

rules.add_perm("ballots.run_count", can_run_count)
rules.add_perm("ballots.import_pabulib", can_run_count)
rules.add_perm("ballots.view_result", can_view_result)
