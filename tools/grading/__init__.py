"""Graded exercises: the machinery that turns this repository into coursework.

- :mod:`~tools.grading.tasks` lists the tasks, their titles and points;
- :mod:`~tools.grading.release` strips reference solutions to make a student copy;
- :mod:`~tools.grading.results` tallies a pytest run per task marker;
- :mod:`~tools.grading.grade` runs the tests and prints the score table;
- :mod:`~tools.grading.check` proves each task's tests fail without its solution.
"""
