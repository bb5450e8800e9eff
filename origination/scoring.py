"""Credit scores through a pluggable interface: the built-in scorecard or an external service.

A provider turns an application's features into a score and reason codes. The built-in one is
pure and runs inside the decision; an external one (a bureau or a model service) is called when
the facts are gathered, and its answer is stored with them, so re-running a decision never calls
it again and always sees the same score.

Register a provider with ``register_provider(MyProvider())`` (e.g. in an ``AppConfig.ready``) or
list dotted paths in the ``ORIGINATION_SCORING_PROVIDERS`` setting; a policy picks one with
``{"scoring": {"provider": "<name>"}}`` (default ``builtin-scorecard``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from .scorecard import Scorecard

BUILTIN = "builtin-scorecard"


class ScoringError(ValueError):
    """No such provider, or a provider's answer that is not a score."""


@dataclass(frozen=True, slots=True)
class ScoreOutcome:
    score: int
    reason_codes: tuple[str, ...]
    provider: str
    details: Mapping[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "reason_codes": list(self.reason_codes),
            "provider": self.provider,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ScoreOutcome:
        try:
            return cls(
                int(data["score"]),
                tuple(str(code) for code in data.get("reason_codes", ())),
                str(data["provider"]),
                dict(data.get("details", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ScoringError(f"not a score: {data!r}") from exc


@runtime_checkable
class ScoringProvider(Protocol):
    name: str
    pure: bool
    """True: deterministic from the features and policy alone, so it runs at decision time."""

    def score(
        self, *, features: Mapping[str, object], config: Mapping[str, object]
    ) -> ScoreOutcome: ...


class BuiltinScorecardProvider:
    """The policy's own points scorecard (``origination.scorecard``)."""

    name = BUILTIN
    pure = True

    def __init__(self) -> None:
        self._compiled: dict[int, tuple[Mapping[str, object], Scorecard]] = {}

    def scorecard(self, config: Mapping[str, object]) -> Scorecard:
        # Compiled once per configuration object: a batch decides thousands on one policy.
        cached = self._compiled.get(id(config))
        if cached is not None and cached[0] is config:
            return cached[1]
        card = Scorecard(config)
        if len(self._compiled) > 64:
            self._compiled.clear()
        self._compiled[id(config)] = (config, card)
        return card

    def score(
        self, *, features: Mapping[str, object], config: Mapping[str, object]
    ) -> ScoreOutcome:
        result = self.scorecard(config).score(features)
        return ScoreOutcome(
            result.score,
            result.reason_codes,
            self.name,
            {"points": {a.name: a.points for a in result.attributes}},
        )


_PROVIDERS: dict[str, ScoringProvider] = {}


def register_provider(provider: ScoringProvider) -> None:
    if not isinstance(provider, ScoringProvider):
        raise ScoringError(f"{provider!r} does not implement ScoringProvider")
    _PROVIDERS[provider.name] = provider


def provider_for(name: str | None) -> ScoringProvider:
    name = name or BUILTIN
    provider = _PROVIDERS.get(name)
    if provider is None:
        _load_from_settings()
        provider = _PROVIDERS.get(name)
    if provider is None:
        raise ScoringError(f"no scoring provider {name!r}; known: {', '.join(sorted(_PROVIDERS))}")
    return provider


def _load_from_settings() -> None:
    from django.conf import settings
    from django.utils.module_loading import import_string

    for path in getattr(settings, "ORIGINATION_SCORING_PROVIDERS", ()):
        provider = import_string(path)
        register_provider(provider() if isinstance(provider, type) else provider)


register_provider(BuiltinScorecardProvider())
