"""Pure matching core: who could help whom, and why. No database, no discord.

Typical use (the caller loads members from the database)::

    index = MatchIndex.build(members, extra_synonyms=server_synonyms)
    index.suggest(member_id, limit=5, exclude=paused | recently_met)
    plan = plan_round(index, participants, excluded_pairs=met_recently)
    extra = chance_meetings(set(plan.unmatched) & allows_chance, index.sector_of, met_recently, seed="2025-W14")

Modules: ``vocabulary`` (concept groups), ``analysis`` (text → features), ``scoring`` (text ↔
text), ``forms`` (text-level index), ``index`` (member-level matching), ``planning`` (rounds).
"""

from bot.services.matching.analysis import Analyzer, Features, stem
from bot.services.matching.index import (
    MatchIndex,
    MemberData,
    PairFilter,
    PairSuggestion,
    Reason,
    combine,
    pair_filter,
)
from bot.services.matching.planning import PlannedPair, RoundPlan, chance_meetings, plan_round, solve
from bot.services.matching.scoring import DEFAULT_THRESHOLD, Scorer, score
from bot.services.matching.vocabulary import ConceptGroup, Vocabulary, load_vocabulary

__all__ = [
    "DEFAULT_THRESHOLD",
    "Analyzer",
    "ConceptGroup",
    "Features",
    "MatchIndex",
    "MemberData",
    "PairFilter",
    "PairSuggestion",
    "PlannedPair",
    "Reason",
    "RoundPlan",
    "Scorer",
    "Vocabulary",
    "chance_meetings",
    "combine",
    "load_vocabulary",
    "pair_filter",
    "plan_round",
    "score",
    "solve",
    "stem",
]
