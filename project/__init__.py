"""Run scripts: the course's training programs (``python -m project.train_mnist``).

They sit outside the library, as the course keeps them, and hold the training
loops of Tasks 1.5, 2.5, 3.5 and 4.5. Nothing in ``minitorch`` imports them.
"""
