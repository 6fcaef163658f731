"""Graded exercises: the machinery that turns this repository into coursework.

- :mod:`~minitorch.grading.tasks` lists the tasks, their titles and points;
- :mod:`~minitorch.grading.release` strips reference solutions to make a student copy;
- :mod:`~minitorch.grading.results` tallies a pytest run per task marker;
- :mod:`~minitorch.grading.grade` runs the tests and prints the score table;
- :mod:`~minitorch.grading.check` proves each task's tests fail without its solution.
"""
