"""The count: tally a cycle's ballots from PostgreSQL, publish results, import Pabulib files.

``selectors`` reads (the ballots of a district as a tally Election, result pages' data),
``services`` writes (start, run and publish a count; import a ``.pb`` file), ``views``
are the results and count pages. The rules themselves live in :mod:`ballots.tally`.
"""
