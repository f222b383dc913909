"""Numbers and literals as people read them: 82,300 件次; ¥113,000,000; 95%; 2023-02-06."""
from __future__ import annotations

from decimal import Decimal

from pyoxigraph import Literal

from .describe import Indicator

_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = {_XSD + t for t in ("integer", "decimal", "nonNegativeInteger", "positiveInteger", "int", "long",
                               "double", "float")}


def number(value: Decimal) -> str:
    """Digits grouped by thousands, no trailing zeros: 82300 → 82,300; 8.50 → 8.5."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def quantity(indicator: Indicator, lang: str) -> str:
    """An indicator's value with its unit as the report writes it; 余/多 as "余" in Chinese, "+" in English."""
    digits = number(indicator.value)
    if indicator.approximate:
        digits += (indicator.qualifier or "余") if lang == "zh" else "+"
    if indicator.currency:
        return f"¥{digits}"
    if indicator.notation == "%":
        return f"{digits}%"
    return f"{digits} {indicator.notation}"


def literal(term: Literal) -> str:
    """A literal's lexical form, numbers grouped by thousands."""
    if term.datatype.value in _NUMERIC:
        try:
            return number(Decimal(term.value))
        except ArithmeticError:
            return term.value
    return term.value
