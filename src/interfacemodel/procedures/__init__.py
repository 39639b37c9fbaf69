"""Procedures: code that takes a calculator and computes — relaxations, NEBs, single points of a
pipeline — returning records (the numbers made from their energies are :mod:`interfacemodel.analysis`'s)."""
