"""Challenges: societal problems posted by moderators, the teams around them, and skill fit.

Import the module that holds the code: ``records`` (reading, posting, teams, statuses),
``fit`` (skill fit, invitations, the members' list) and ``rules`` (limits, parsing, the status flow).

Every function takes an open ``AsyncSession`` (the caller owns the transaction). Validation
happens before any write, so a refused request changes nothing; a
:class:`~bot.errors.UserError` says why. Nothing here knows about Discord.

Skill fit reuses the matching engine: the needed skills become the needs of a synthetic
member (the *probe*) added to the server's :class:`MatchIndex` for the duration of one
synchronous call, so members are ranked and explained exactly like ``/match`` does.
"""
