"""Exceptions for mistakes a user can make (bad names, bad options, bad files).

The CLI turns any :class:`UserInputError` into one line on stderr and exit code 2; everything
else is a bug or an environment problem and keeps its traceback.
"""


class UserInputError(ValueError):
    """A value given by the user is not acceptable; the message names it and what is accepted."""


class UnknownNameError(UserInputError, KeyError):
    """A name (phase, calculator, potential, system) is not known."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnsupportedElementsError(UserInputError):
    """The chosen calculator cannot treat some element of the structure."""


class OutputPathError(UserInputError, OSError):
    """An output path cannot be created or written (no such place, a file where a directory
    is needed, no permission, a read-only file system). Also an OSError, so that callers that
    handle file-system errors keep doing so."""


class CalculatorUnavailableError(RuntimeError):
    """The calculator's package is not installed, or the backend cannot run on this machine."""


class CalculatorRunError(RuntimeError):
    """A program a calculator runs (CP2K, VASP, pw.x) crashed or did not start; the message
    names the command or folder and ends with what the program last wrote."""


class SCFNotConvergedError(CalculatorRunError):
    """The self-consistent field did not converge; the message names the option to change."""
