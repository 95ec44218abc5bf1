"""Recurring checks (dingqi jiancha): a duty's short form, opened once per period for every
cell carrying the duty, completed on a phone, and marked missed when its period ends undone.

- `models`: terms, check templates and their items, each period's run, completions
  (append-only records and answers), the daily digest of misses.
- `periods`: which period a day falls in, per frequency; school days and terms.
- `services`: open the periods (bulk), complete a check, mark misses, build the digests.
- `selectors`: what a person sees today.
"""
