"""Lattice matching of a film face on a substrate face (pymatgen ``ZSLGenerator``).

Each match reports its area, the in-plane strain that makes the film supercell coincide with
the substrate supercell, its von Mises equivalent, and which side carries the strain. By
default the film (Li, the soft metal) is strained onto the coating; ``strained="substrate"``
strains the substrate instead. Strain is Green–Lagrange, E = ½(FᵀF − I), in the interface
plane, with F the 2×2 deformation gradient taking the strained side's supercell vectors onto
the other side's (rotation removed by construction).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import UserInputError
from ..records import NOT_SERIALISED
from .slabs import _as_structure, parse_miller


@dataclass
class LatticeMatch:
    """One coincidence supercell. Lengths Å, area Å², strains dimensionless (not %)."""

    film: str
    substrate: str
    film_miller: tuple[int, int, int]
    substrate_miller: tuple[int, int, int]
    area_A2: float  # interface area: that of the unstrained side's supercell
    film_area_A2: float  # unstrained film supercell (pymatgen's match_area)
    substrate_area_A2: float
    film_sl_vectors_A: list[list[float]]  # two in-plane supercell vectors (Cartesian)
    substrate_sl_vectors_A: list[list[float]]
    strained: str  # 'film' or 'substrate'
    strain_2d: list[list[float]]  # Green-Lagrange strain in the interface plane
    von_mises_strain: float
    max_abs_strain: float  # largest |principal strain|
    # live pymatgen objects for the interface builder, not part of the record
    zsl_match: object = field(default=None, repr=False, metadata=NOT_SERIALISED)
    builder: object = field(default=None, repr=False, metadata=NOT_SERIALISED)

    def summary(self) -> str:
        return (f"{self.film}{self.film_miller} on {self.substrate}{self.substrate_miller}: "
                f"area {self.area_A2:.1f} Å², strain on {self.strained} "
                f"{100 * self.max_abs_strain:.2f} % (von Mises {100 * self.von_mises_strain:.2f} %)")


def in_plane_strain(strained_vectors, target_vectors) -> np.ndarray:
    """Green–Lagrange strain (2×2) that maps ``strained_vectors`` onto ``target_vectors``."""
    return _batch_strain(np.asarray([strained_vectors], dtype=float),
                         np.asarray([target_vectors], dtype=float))[0]


def _von_mises(strain_2d: np.ndarray) -> float:
    """Von Mises equivalent strain of the in-plane strain (zero out of plane), the same
    definition as pymatgen's ``Strain.von_mises_strain``: sqrt(2/3 e':e'), e' deviatoric."""
    full = np.zeros((3, 3))
    full[:2, :2] = strain_2d
    dev = full - np.trace(full) / 3 * np.eye(3)
    return float(math.sqrt(2 / 3 * np.sum(dev * dev)))


def enumerate_matches(
    film,
    substrate,
    film_miller,
    substrate_miller,
    max_area_A2: float = 200.0,
    max_length_tol: float = 0.05,
    max_angle_tol: float = 0.05,
    max_area_ratio_tol: float = 0.09,
    strained: str = "film",
) -> list[LatticeMatch]:
    """All ZSL coincidence supercells within the tolerances, sorted by area then strain.

    ``film``/``substrate``: catalogue names, Structures or Atoms. Tolerances are pymatgen's
    (fractional length and angle mismatch, area-ratio mismatch). Raises ``UserInputError``
    naming the tolerance to loosen and the smallest strain that exists when nothing matches.
    """
    if strained not in ("film", "substrate"):
        raise UserInputError(f"strained={strained!r}; accepted: film, substrate")
    if not max_area_A2 > 0:
        raise UserInputError(f"max_area_A2={max_area_A2} must be > 0 Å²")
    for name, value in [("max_length_tol", max_length_tol), ("max_angle_tol", max_angle_tol),
                        ("max_area_ratio_tol", max_area_ratio_tol)]:
        if not 0 < value < 1:
            raise UserInputError(f"{name}={value} must be in (0, 1)")
    film_miller, substrate_miller = parse_miller(film_miller), parse_miller(substrate_miller)
    film_name, film_s = _as_structure(film)
    sub_name, sub_s = _as_structure(substrate)
    builder = _zsl(film_s, sub_s, film_miller, substrate_miller, max_area_A2,
                   max_length_tol, max_angle_tol, max_area_ratio_tol)
    zsl_matches = list(builder.zsl_matches)
    if not zsl_matches:
        loose = _zsl(film_s, sub_s, film_miller, substrate_miller, max_area_A2,
                     0.3, 0.3, 0.5).zsl_matches
        best = min((_strain_of(m, strained)[1] for m in loose), default=None)
        hint = (f"; the smallest strain within {max_area_A2:g} Å² is {100 * best:.1f} %: loosen "
                f"max_length_tol (now {max_length_tol}) or max_area_ratio_tol "
                f"(now {max_area_ratio_tol})" if best is not None
                else f"; none even at loose tolerances: raise max_area_A2 (now {max_area_A2:g})")
        raise UserInputError(
            f"no lattice match of {film_name}{film_miller} on {sub_name}{substrate_miller} "
            f"within max_area_A2={max_area_A2:g}, max_length_tol={max_length_tol}, "
            f"max_angle_tol={max_angle_tol}{hint}"
        )
    matches: list[LatticeMatch] = []
    seen: dict[tuple, list[_Seen]] = {}  # strain-eigenvalue bucket -> matches processed
    ordered = sorted(zsl_matches, key=lambda z: z.match_area)
    for m, this in zip(ordered, _Seen.batch(ordered), strict=True):
        # ZSL returns the same interface more than once: as equivalent cells of one area and
        # as supercells of a smaller match (or of its equivalents); keep one representative
        bucket = seen.setdefault(tuple(np.round(this.eig, 4)), [])
        repeat = any(this.repeats(earlier) for earlier in bucket)
        bucket.append(this)
        if repeat:
            continue
        strain = this.strain if strained == "film" else in_plane_strain(this.sub, this.film)
        max_abs = float(np.abs(np.linalg.eigvalsh(strain)).max())
        film_area = _area(m.film_sl_vectors)
        sub_area = _area(m.substrate_sl_vectors)
        matches.append(LatticeMatch(
            film=film_name, substrate=sub_name, film_miller=film_miller,
            substrate_miller=substrate_miller,
            area_A2=sub_area if strained == "film" else film_area,
            film_area_A2=film_area, substrate_area_A2=sub_area,
            film_sl_vectors_A=np.asarray(m.film_sl_vectors).tolist(),
            substrate_sl_vectors_A=np.asarray(m.substrate_sl_vectors).tolist(),
            strained=strained, strain_2d=strain.tolist(),
            von_mises_strain=_von_mises(strain), max_abs_strain=max_abs, zsl_match=m,
            builder=builder,
        ))
    matches.sort(key=lambda x: (round(x.area_A2, 3), x.von_mises_strain))
    return matches


def _area(vectors) -> float:
    u, v = (np.asarray(x, dtype=float) for x in vectors)
    return float(math.sqrt(max((u @ u) * (v @ v) - (u @ v) ** 2, 0.0)))


def _integer_combination(big, small, tol: float = 1e-4) -> bool:
    """True if both vectors of ``big`` are integer combinations of those of ``small``."""
    small = np.asarray(small, dtype=float)
    coeffs, *_ = np.linalg.lstsq(small.T, np.asarray(big, dtype=float).T, rcond=None)
    fitted = small.T @ coeffs
    return (np.allclose(fitted, np.asarray(big, dtype=float).T, atol=tol)
            and np.allclose(coeffs, np.round(coeffs), atol=tol))


def _batch_in_plane(vectors: np.ndarray) -> np.ndarray:
    """(N, 2, 3) vector pairs -> (N, 2, 2) rows in each pair's own plane frame."""
    u, v = vectors[:, 0], vectors[:, 1]
    lu = np.sqrt(np.einsum("ij,ij->i", u, u))
    along = np.einsum("ij,ij->i", v, u) / lu
    perp = np.sqrt(np.clip(np.einsum("ij,ij->i", v, v) - along**2, 0, None))
    out = np.zeros((len(vectors), 2, 2))
    out[:, 0, 0], out[:, 1, 0], out[:, 1, 1] = lu, along, perp
    return out


def _strain_from_in_plane(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, 2, 2) Green–Lagrange strains taking in-plane cells ``a`` onto ``b`` (rows are
    vectors: b = a Fᵀ, so Fᵀ = a⁻¹ b; E = ½(FᵀF − I), rotation-free by construction)."""
    f = np.transpose(np.linalg.solve(a, b), (0, 2, 1))
    return 0.5 * (np.transpose(f, (0, 2, 1)) @ f - np.eye(2))


def _batch_strain(strained: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(N, 2, 3) vector pairs -> (N, 2, 2) strains mapping ``strained`` onto ``target``."""
    return _strain_from_in_plane(_batch_in_plane(strained), _batch_in_plane(target))


def _batch_shape(two_d: np.ndarray) -> np.ndarray:
    """Sorted lengths and |cos angle| of each in-plane cell (rotation/mirror/swap invariant)."""
    lu = two_d[:, 0, 0]
    lv = np.hypot(two_d[:, 1, 0], two_d[:, 1, 1])
    return np.column_stack([np.minimum(lu, lv), np.maximum(lu, lv), np.abs(two_d[:, 1, 0]) / lv])


class _Seen:
    """What the de-duplication compares, for one ZSL match (rows of batch-computed arrays)."""

    __slots__ = ("film", "sub", "strain", "eig", "film_shape", "sub_shape", "film_area")

    @classmethod
    def batch(cls, zsl_matches) -> list[_Seen]:
        film = np.array([m.film_sl_vectors for m in zsl_matches], dtype=float)
        sub = np.array([m.substrate_sl_vectors for m in zsl_matches], dtype=float)
        a, b = _batch_in_plane(film), _batch_in_plane(sub)
        strain = _strain_from_in_plane(a, b)  # on the film
        eig = np.linalg.eigvalsh(strain)
        film_shape, sub_shape = _batch_shape(a), _batch_shape(b)
        film_area = a[:, 0, 0] * a[:, 1, 1]
        seen = []
        for k in range(len(zsl_matches)):
            item = cls()
            item.film, item.sub, item.strain, item.eig = film[k], sub[k], strain[k], eig[k]
            item.film_shape, item.sub_shape = film_shape[k], sub_shape[k]
            item.film_area = float(film_area[k])
            seen.append(item)
        return seen

    def repeats(self, kept: _Seen) -> bool:
        """Same strain and either a supercell of ``kept`` (film and substrate vectors integer
        combinations of its own) or a cell of the same film and substrate shapes (a
        symmetry-related orientation on these faces)."""
        ratio = self.film_area / kept.film_area  # a repeat has an integer area ratio
        if abs(ratio - round(ratio)) > 1e-6 or np.abs(self.eig - kept.eig).max() > 1e-6:
            return False
        if (np.abs(self.film_shape - kept.film_shape).max() < 1e-4
                and np.abs(self.sub_shape - kept.sub_shape).max() < 1e-4):
            return True
        return (_integer_combination(self.film, kept.film)
                and _integer_combination(self.sub, kept.sub))


def _strain_of(match, strained: str) -> tuple[np.ndarray, float]:
    film_v, sub_v = match.film_sl_vectors, match.substrate_sl_vectors
    strain = in_plane_strain(film_v, sub_v) if strained == "film" else in_plane_strain(sub_v, film_v)
    return strain, float(np.abs(np.linalg.eigvalsh(strain)).max())


def _zsl(film_s, sub_s, film_miller, substrate_miller, max_area, length_tol, angle_tol, ratio_tol):
    from pymatgen.analysis.interfaces import CoherentInterfaceBuilder, ZSLGenerator

    zsl = ZSLGenerator(max_area=max_area, max_length_tol=length_tol, max_angle_tol=angle_tol,
                       max_area_ratio_tol=ratio_tol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        builder = CoherentInterfaceBuilder(
            substrate_structure=sub_s, film_structure=film_s, film_miller=film_miller,
            substrate_miller=substrate_miller, zslgen=zsl, label_index=True,
        )
    return builder
