"""Permission names of the core, bound to predicates."""

import rules

from pbudget.predicates import is_administrator, is_staff_member

rules.add_perm("pbudget.manage_cycles", is_administrator)
rules.add_perm("pbudget.manage_districts", is_administrator)
rules.add_perm("pbudget.use_admin_site", is_administrator)
rules.add_perm("pbudget.view_staff_area", is_staff_member)
