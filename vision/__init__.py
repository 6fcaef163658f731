"""vision: images, pretrained models and the model zoo (built on minitorch).

Empty for now: the vision issue fills it (transforms, ImageDataLoaders,
EfficientNet-Lite, the zoo and vision_learner).
"""
