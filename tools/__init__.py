"""Maintainer and student tools that are not part of the installed library (see ``grading/``)."""
