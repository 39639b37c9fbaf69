"""Structure builders: slabs, lattice-matched interfaces, registry scans, Li-Mg alloys,
defects and hops (issue 3). Depends on ``structures`` and ``calculators`` only."""
