"""Input validation, one rule set for the scalar (exact) and the vectorised (numpy) paths.

Every message says what is wrong with the value and what would be accepted; callers add the
indicator, input and row.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from smartindex.errors import InputError, UnitError
from smartindex.expr import Expr, Growth, Input, InputKind, to_fraction
from smartindex.units import conversion_factor, is_quantity, split_quantity

if TYPE_CHECKING:
    from smartindex.model import Indicator, Quantity

__all__ = [
    "exact_quantities",
    "exact_value",
    "percent_suspicion",
    "quantity_vector_problems",
    "scalar_problem",
    "vector_problems",
    "zero_message",
]

FloatArray = npt.NDArray[np.float64]


def scalar_problem(inp: Input, x: Fraction) -> str | None:
    """Why ``x`` (in the input's declared unit) is not acceptable, or ``None``."""
    if inp.kind is InputKind.RANK:
        if x.denominator != 1 or not 1 <= x <= (inp.rank_of or 1):
            return f"rank {_show(x)} is not a whole number in 1..{inp.rank_of}"
        return None
    if x < 0:
        return f"{_show(x)} is negative; {inp.kind.value} values are 0 or more"
    if inp.kind is InputKind.DISTANCE and x == 0:
        return "a spacing of 0 is not a spacing; give the mean distance (> 0)"
    if inp.integral and x.denominator != 1:
        return f"{_show(x)} is not a whole number; {inp.kind.value} values are whole numbers"
    if inp.kind is InputKind.CHECKLIST and x > len(inp.items):
        return f"{_show(x)} items achieved, but the list names only {len(inp.items)}"
    return None


def _show(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else repr(float(x))


def zero_message(node: Expr) -> str:
    """The declared rule broken by a zero denominator at ``node``."""
    if isinstance(node, Growth):
        return (
            f"previous value {node.previous.render()} is 0, so growth is undefined "
            "(rule: a zero base makes the row invalid)"
        )
    return (
        f"denominator {node.children()[-1].render()} is 0, so the ratio is undefined "
        "(rule: a zero denominator makes the row invalid)"
    )


def exact_value(value: Any, unit: str, *, what: str = "") -> Fraction:
    """Read one scalar (number, numeric text or pint quantity) exactly, in ``unit``.

    ``what`` (e.g. ``"quantity 'x'"``) prefixes the message of the ``ValueError`` raised.
    """
    prefix = f"{what}: " if what else ""
    factor = Fraction(1)
    if is_quantity(value):
        value, given = split_quantity(value)
        factor = conversion_factor(given, unit)
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{prefix}{value!r} is not a number")
    try:
        x = to_fraction(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{prefix}{exc}") from None
    except (OverflowError, ZeroDivisionError):
        raise ValueError(f"{prefix}{value!r} is too large to compute with") from None
    return x * factor


def _checklist_count(inp: Input, value: Any) -> Any:
    """A checklist may be given as the names achieved; turn that into the count."""
    if isinstance(value, set | frozenset | list | tuple) and all(isinstance(v, str) for v in value):
        unknown = sorted(set(value) - set(inp.items))
        if unknown:
            raise ValueError(f"unknown item(s) {unknown}; the list is: {', '.join(inp.items)}")
        return len(set(value))
    return value


def exact_quantities(
    indicator: Indicator, values: Mapping[str, Any], *, row: int | None = None
) -> dict[str, Fraction]:
    """Exact value of every quantity of ``indicator``, given directly or computed from inputs."""
    out: dict[str, Fraction] = {}
    at = "" if row is None else f", row {row}"
    # A quantity that is an input under the same id (a rank, a count) is read as that input,
    # so the input's own rules (whole number, 1..of, checklist names) apply.
    direct = {
        q.id
        for q in indicator.quantities
        if q.id in values and not (isinstance(q.expr, Input) and q.expr.id == q.id)
    }
    needed = [q for q in indicator.quantities if q.id not in direct]
    for q in indicator.quantities:
        if q.id in direct:
            try:
                x = exact_value(values[q.id], q.unit, what=f"quantity {q.id!r}")
            except UnitError as exc:
                raise type(exc)(
                    f"indicator {indicator.id!r}, quantity {q.id!r}{at}: {exc}"
                ) from None
            except ValueError as exc:
                raise InputError(str(exc), indicator=indicator.id, row=row) from None
            _check_quantity_bounds(indicator, q.id, x, row)
            _warn_small_percent(indicator, q, values[q.id], x)
            out[q.id] = x
    if not needed:
        return out
    env: dict[str, Fraction] = {}
    for inp in {i.id: i for q in needed for i in q.expr.inputs()}.values():
        if inp.id not in values:
            raise InputError(
                f"missing; give it in {inp.unit} ({inp.description}) or give the quantities "
                f"{[q.id for q in needed]} directly",
                indicator=indicator.id,
                input_id=inp.id,
                row=row,
            )
        try:
            raw = (
                _checklist_count(inp, values[inp.id])
                if inp.kind is InputKind.CHECKLIST
                else values[inp.id]
            )
            x = exact_value(raw, inp.unit)
        except UnitError as exc:
            raise type(exc)(f"indicator {indicator.id!r}, input {inp.id!r}{at}: {exc}") from None
        except ValueError as exc:
            raise InputError(str(exc), indicator=indicator.id, input_id=inp.id, row=row) from None
        problem = scalar_problem(inp, x)
        if problem:
            raise InputError(problem, indicator=indicator.id, input_id=inp.id, row=row)
        env[inp.id] = x
    for inp in indicator.inputs:
        whole = inp.at_most
        if whole is not None and inp.id in env and whole.id in env and env[inp.id] > env[whole.id]:
            raise InputError(
                f"{_show(env[inp.id])} is above its whole {whole.id!r} "
                f"({_show(env[whole.id])}); a part cannot exceed its whole",
                indicator=indicator.id,
                input_id=inp.id,
                row=row,
            )

    def guard(node: Expr, denominator: Any) -> None:
        if denominator == 0:
            raise InputError(zero_message(node), indicator=indicator.id, row=row)

    for q in needed:
        out[q.id] = q.expr.evaluate(env, lambda c: c, guard)
    return out


def _check_quantity_bounds(indicator: Indicator, qid: str, x: Fraction, row: int | None) -> None:
    bounds = indicator.quantity(qid).expr.bounds
    if bounds.high is not None and x > bounds.high:
        hint = ""
        if bounds.high == 1 and x <= 100:
            hint = f"; did you mean {_show(x / 100)} ({_show(x)}%)? shares are fractions of 1"
        raise InputError(
            f"quantity {qid!r} is {_show(x)}, above its largest possible value "
            f"{_show(bounds.high)}{hint}",
            indicator=indicator.id,
            row=row,
        )
    if bounds.low is not None and x < bounds.low:
        raise InputError(
            f"quantity {qid!r} is {_show(x)}, below its smallest possible value "
            f"{_show(bounds.low)}",
            indicator=indicator.id,
            row=row,
        )


def _warn_small_percent(indicator: Indicator, q: Quantity, given: Any, x: Fraction) -> None:
    """A share passed as ``Quantity(0.85, "percent")`` is legal but almost always meant 85%."""
    if not is_quantity(given):
        return
    _, unit = split_quantity(given)
    factor = conversion_factor(unit, q.unit)
    hint = percent_suspicion(q, factor, [float(x / factor)])
    if hint:
        warnings.warn(
            f"indicator {indicator.id!r}, quantity {q.id!r}: {hint}", UserWarning, stacklevel=4
        )


def percent_suspicion(q: Quantity, factor: Fraction, given: Sequence[float]) -> str | None:
    """Why values given in percent look like fractions of 1 (every one is in (0, 1]), or None.

    0.85 percent is a legal share (0.0085), so this is a warning, not an error.
    """
    bounds = q.expr.bounds
    if factor != Fraction(1, 100) or bounds.high != 1:
        return None
    finite = [v for v in given if math.isfinite(v)]
    if not finite or not all(0 <= v <= 1 for v in finite) or not any(v > 0 for v in finite):
        return None
    sample = next(v for v in finite if v > 0)
    return (
        f"{'every value' if len(finite) > 1 else 'the value'} is at most 1 (e.g. {sample:g}) "
        f"but the unit is percent, so {sample:g} "
        f"is read as {sample / 100:g}; if the values are fractions of 1, drop the percent unit"
    )


def quantity_vector_problems(q: Quantity, x: FloatArray) -> list[tuple[npt.NDArray[np.bool_], str]]:
    """Problems of a quantity given directly (a share column): NaN, inf, outside its bounds."""
    out: list[tuple[npt.NDArray[np.bool_], str]] = []
    finite = np.isfinite(x)
    nan = np.isnan(x)
    if nan.any():
        out.append((nan, "is empty or NaN; give a number"))
    if (~finite & ~nan).any():
        out.append((~finite & ~nan, "is infinite ({v}); give a finite number"))
    bounds = q.expr.bounds
    with np.errstate(invalid="ignore"):
        if bounds.high is not None:
            high = float(bounds.high)
            above = finite & (x > high)
            if bounds.high == 1:
                percent = above & (x <= 100)
                if percent.any():
                    out.append(
                        (
                            percent,
                            "{v} is above 1, its largest possible value; did you mean {p} "
                            "({v}%)? shares are fractions of 1, or mark the column [percent]",
                        )
                    )
                    above &= ~percent
            if above.any():
                out.append((above, f"{{v}} is above its largest possible value {high:g}"))
        if bounds.low is not None:
            low = float(bounds.low)
            below = finite & (x < low)
            if below.any():
                out.append((below, f"{{v}} is below its smallest possible value {low:g}"))
    return out


def vector_problems(inp: Input, x: FloatArray) -> list[tuple[npt.NDArray[np.bool_], str]]:
    """Vectorised ``scalar_problem``: (row mask, message template with ``{v}``) pairs."""
    out: list[tuple[npt.NDArray[np.bool_], str]] = []
    if x.size and _all_clean(inp, x):
        return out
    finite = np.isfinite(x)
    nan = np.isnan(x)
    if nan.any():
        out.append((nan, "is empty or NaN; give a number"))
    inf = ~finite & ~nan
    if inf.any():
        out.append((inf, "is infinite ({v}); give a finite number"))
    with np.errstate(invalid="ignore"):
        if inp.kind is InputKind.RANK:
            bad = finite & ((x < 1) | (x > (inp.rank_of or 1)) | (x != np.floor(x)))
            if bad.any():
                out.append((bad, f"rank {{v}} is not a whole number in 1..{inp.rank_of}"))
            return out
        neg = finite & (x < 0)
        if neg.any():
            out.append((neg, f"{{v}} is negative; {inp.kind.value} values are 0 or more"))
        if inp.kind is InputKind.DISTANCE:
            zero = x == 0
            if zero.any():
                out.append((zero, "a spacing of 0 is not a spacing; give the mean distance (> 0)"))
        if inp.integral:
            frac = finite & (x >= 0) & (x != np.floor(x))
            if frac.any():
                out.append(
                    (
                        frac,
                        f"{{v}} is not a whole number; {inp.kind.value} values are whole numbers",
                    )
                )
        if inp.kind is InputKind.CHECKLIST:
            over = finite & (x > len(inp.items))
            if over.any():
                out.append(
                    (over, f"{{v}} items achieved, but the list names only {len(inp.items)}")
                )
    return out


def _all_clean(inp: Input, x: FloatArray) -> bool:
    """Whether every value passes, decided by reductions: the common case needs no row masks."""
    lo, hi = float(np.min(x)), float(np.max(x))  # NaN propagates through both
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return False
    if inp.kind is InputKind.RANK:
        ok = lo >= 1 and hi <= (inp.rank_of or 1)
    else:
        ok = lo > 0 if inp.kind is InputKind.DISTANCE else lo >= 0
        if inp.kind is InputKind.CHECKLIST:
            ok = ok and hi <= len(inp.items)
    if ok and inp.integral:
        ok = _whole(x)
    return ok


def _whole(x: FloatArray, step: int = 1 << 15) -> bool:
    """Whether every value is a whole number, in cache-sized blocks (one scratch buffer)."""
    scratch = np.empty(min(step, x.size))
    for start in range(0, x.size, step):
        block = x[start : start + step]
        floor = np.floor(block, out=scratch[: block.size])
        if not np.array_equal(floor, block):
            return False
    return True
