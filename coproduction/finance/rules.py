"""Permission names of the finance pages: finance officers and administrators only."""

import rules

from pbudget.predicates import is_finance_officer

rules.add_perm("coproduction.view_finance", is_finance_officer)
rules.add_perm("coproduction.change_budgetcoding", is_finance_officer)
