"""Permission names of the coproduction app, bound to predicates."""

import rules

from coproduction.predicates import (
    can_log_contribution,
    can_log_on_behalf,
    can_pledge,
    can_search_offers,
    can_see_entry,
    can_verify_entries,
    can_verify_entry,
    entry_awaits_decision,
    is_authenticated,
    is_pledge_reviewer,
    owns_pledge,
)
from pbudget.predicates import is_finance_officer, is_verified_email

rules.add_perm("coproduction.change_offer", is_authenticated & is_verified_email)
rules.add_perm("coproduction.search_offers", can_search_offers)
rules.add_perm("coproduction.add_pledge", can_pledge)
rules.add_perm("coproduction.withdraw_pledge", owns_pledge)
rules.add_perm("coproduction.review_pledge", is_pledge_reviewer)
rules.add_perm("coproduction.add_ledgerentry", can_log_contribution)
rules.add_perm("coproduction.log_on_behalf", can_log_on_behalf)
rules.add_perm("coproduction.view_ledgerentry", can_see_entry)
rules.add_perm("coproduction.verify_ledger", can_verify_entries)
rules.add_perm("coproduction.verify_ledgerentry", can_verify_entry & entry_awaits_decision)
rules.add_perm("coproduction.reverse_ledgerentry", can_verify_entry)
rules.add_perm("coproduction.manage_rates", is_finance_officer)
rules.add_perm("coproduction.revalue", is_finance_officer)
