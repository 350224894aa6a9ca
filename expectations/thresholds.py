"""When a fault stops the run (critical) rather than being reported (warning).

The values are settings: ``[quality]`` in ``pipelines/settings.toml``, loaded by
``pipelines.settings``. No third-party imports, so loading the settings stays light.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from contract.registers import ALL_REGISTERS, REGISTERS

__all__ = ["Thresholds"]


@dataclass(frozen=True)
class Thresholds:
    """``volume_warn``: a register that shrank by this share since the previous run warns;
    ``volume_critical``: shrinking by this share stops the run. ``key_well_formed``: the
    least share of well-formed, present key values (below it the file is probably broken:
    shifted columns, a wrong extract). ``null_rates``: most share of missing values allowed
    per optional column (warning), per register (an optional register's table may be left out:
    its suite then checks no null rates).
    """

    volume_warn: float
    volume_critical: float
    key_well_formed: float
    null_rates: Mapping[str, Mapping[str, float]]

    def __post_init__(self) -> None:
        if not 0 < self.volume_warn < self.volume_critical < 1:
            raise ValueError("need 0 < volume_warn < volume_critical < 1")
        if not 0 < self.key_well_formed <= 1:
            raise ValueError("need 0 < key_well_formed <= 1")
        for register, rates in self.null_rates.items():
            if register not in ALL_REGISTERS:
                raise ValueError(f"null_rates: {register!r} is not a register")
            for column, rate in rates.items():
                if column not in ALL_REGISTERS[register].optional:
                    raise ValueError(f"null_rates.{register}: {column!r} is not an optional column of {register}")
                if not 0 <= rate <= 1:
                    raise ValueError(f"null_rates.{register}.{column}: {rate} is not a share between 0 and 1")
        missing = [name for name in REGISTERS if name not in self.null_rates]
        if missing:
            raise ValueError(f"null_rates: no table for {', '.join(missing)}")
